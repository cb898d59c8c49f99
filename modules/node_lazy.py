"""Lazy loading on the Node side: jsii's kernel loads only the provider namespaces a stack uses.

jsii's kernel ``require``s the provider's npm package, whose ``lib/index.js``
is ~2,200 lines of ``exports.X = require("./x");`` — every resource class,
about 2 s and 500 MB on every run, although a stack uses a few dozen.
:func:`install` (called by :mod:`modules.framework` before jsii starts) adds
``--require node_lazy_preload.cjs`` to ``NODE_OPTIONS``; that preload turns
each of those lines into a getter that loads its namespace on first access.
The output is the same; only the Node process loads less.

It is careful: it touches only the main index of the package whose
``package.json`` name is the provider's npm name (read from the Python
bindings, never guessed from a path), and only when every export line has a
known shape — cdktf's ``exports.X = require("./x");`` or CDK Terrain's
``exports.X = __importStar(require("./x/index"));`` — and their number is at
least the package's namespace count. Otherwise Node compiles the index as it
is and :func:`messages` returns one line saying so: slower, never wrong.

Switches (environment variables):

* ``NODE_LAZY_INDEX=0`` (or ``off``/``false``/``no``) turns it off, together with the smaller
  young generation (``--max-semi-space-size=4``) it gives Node: the default way, for comparison;
* ``NODE_LAZY_INDEX_DEBUG=1`` makes ``main.py`` print how many namespaces
  were deferred and how many Node actually loaded;
* ``NODE_CODE_CACHE=0`` turns off the preload's code cache: V8's compiled code of the packages'
  modules kept in ``~/.cache/node-code-cache/`` (or under ``$XDG_CACHE_HOME``), which Node's own
  compile cache never reuses here because jsii's kernel loads every package from a temporary
  directory of its own (see the preload);
* ``CDKTN_DISABLE_CREATION_STACK`` (CDK Terrain's own switch): :func:`install` sets it to ``1``
  unless the environment has it, so cdktf's tokens do not record the stack trace of their creation
  (~0.4 s of every stack's synth; under jsii the frames are the kernel's, not the Python program's).
  CDK Terrain reads it itself; for cdktf 0.21 the preload gives its ``captureStackTrace`` the same
  check. ``CDKTN_DISABLE_CREATION_STACK=0`` keeps the stacks (an error message from a token then
  says where Node made it).

:func:`status` reports what happened in this process (for tests and benchmarks).
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from modules.user_cache import user_cache

SWITCH = "NODE_LAZY_INDEX"
DEBUG = "NODE_LAZY_INDEX_DEBUG"
PACKAGES = "NODE_LAZY_INDEX_PACKAGE"  # read by the preload: npm package name(s), comma-separated
REPORT = "NODE_LAZY_INDEX_REPORT"  # read by the preload: the JSON-lines file it reports to
CODE_CACHE = "NODE_CODE_CACHE"  # switch: 0/off/false/no turns the code cache off
CODE_CACHE_DIR = "NODE_CODE_CACHE_DIR"  # read by the preload: where V8's cached data is kept
CREATION_STACK = "CDKTN_DISABLE_CREATION_STACK"  # read by CDK Terrain, and by cdktf through the preload
_CREATION_STACK_SET = "NODE_LAZY_CREATION_STACK_SET"  # marks that install() (not the user) set it
PRELOAD = Path(__file__).with_name("node_lazy_preload.cjs")

# V8 grows the young generation up to 16 MB semi-spaces x 3 before collecting; the kernel's
# garbage is short-lived, so 4 MB keeps its peak ~70 MB lower for the same CPU time.
YOUNG_GENERATION = "--max-semi-space-size=4"

_OFF_VALUES = {"0", "off", "false", "no"}
_LOAD_CALL = re.compile(r"""JSIIAssembly\.load\(\s*["']([^"']+)["']""")

_installed: dict[str, str] = {}  # package, report path of this process


def enabled() -> bool:
    """False when ``NODE_LAZY_INDEX`` turns the lazy index off."""
    return os.environ.get(SWITCH, "1").strip().lower() not in _OFF_VALUES


def npm_name(python_package: str) -> str | None:
    """The npm name of the jsii assembly a Python binding package loads, without importing it.

    jsii-generated packages load their assembly in ``<package>/_jsii/__init__.py`` with
    ``jsii.JSIIAssembly.load("<npm name>", "<version>", ...)``; importing it would start jsii.
    """
    spec = importlib.util.find_spec(python_package)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        loader = Path(location) / "_jsii" / "__init__.py"
        if loader.is_file():
            match = _LOAD_CALL.search(loader.read_text(encoding="utf-8"))
            if match:
                return match.group(1)
    return None


def _quote(argument: str) -> str:
    """``argument`` as Node's NODE_OPTIONS parser reads it (double quotes when needed)."""
    if re.fullmatch(r"[\w@%+=:,./-]+", argument):
        return argument
    return '"' + argument.replace("\\", "\\\\").replace('"', '\\"') + '"'


def install(python_package: str | None = None) -> bool:
    """Make the Node process jsii starts later load ``python_package``'s npm index lazily.

    Must run before jsii starts (before the first ``import cdktf``). Returns whether the
    preload is in place; idempotent. ``python_package`` defaults to the AWS provider bindings.
    """
    if _installed:
        return True
    if not enabled():
        _uninstall_inherited()
        return False
    if python_package is None:
        from modules.framework_selection import PROVIDER_PACKAGE as python_package
    name = npm_name(python_package)
    if name is None:
        return False
    handle, report = tempfile.mkstemp(prefix="node-lazy-index-", suffix=".jsonl")
    os.close(handle)
    atexit.register(_remove, report)
    options = [_require_option()]
    current = os.environ.get("NODE_OPTIONS", "")
    if "--max-semi-space-size" not in current:
        options.append(YOUNG_GENERATION)
    missing = [option for option in options if option not in current]  # a parent may have set them
    if missing:
        os.environ["NODE_OPTIONS"] = " ".join(filter(None, [current, *missing]))
    os.environ[PACKAGES] = name
    os.environ[REPORT] = report
    if os.environ.get(CODE_CACHE, "1").strip().lower() in _OFF_VALUES:
        os.environ.pop(CODE_CACHE_DIR, None)
    else:
        os.environ[CODE_CACHE_DIR] = str(code_cache_dir())
    if CREATION_STACK not in os.environ:
        os.environ[CREATION_STACK] = "1"
        os.environ[_CREATION_STACK_SET] = "1"
    _installed.update(package=name, report=report)
    return True


def code_cache_dir() -> Path:
    """Where the preload keeps V8's cached data of the packages' modules."""
    return user_cache("node-code-cache")


def _require_option() -> str:
    return f"--require {_quote(str(PRELOAD))}"


def _uninstall_inherited() -> None:
    """Switched off: drop what a parent process's :func:`install` left in the environment.

    Otherwise the Node this process starts would still load the preload (and report to the
    parent's file) although ``NODE_LAZY_INDEX=0`` asked for the default way.
    """
    os.environ.pop(PACKAGES, None)
    os.environ.pop(REPORT, None)
    os.environ.pop(CODE_CACHE_DIR, None)
    if os.environ.pop(_CREATION_STACK_SET, None):
        os.environ.pop(CREATION_STACK, None)
    current = os.environ.get("NODE_OPTIONS", "")
    if _require_option() in current:
        kept = current.replace(_require_option(), " ").replace(YOUNG_GENERATION, " ")
        os.environ["NODE_OPTIONS"] = " ".join(kept.split())


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


@dataclass(frozen=True)
class Status:
    """What the preload did in this process's Node (jsii) process.

    ``state``: ``off`` (switched off or not installed), ``pending`` (Node has not loaded the
    package yet), ``lazy`` (index rewritten) or ``fallback`` (left as it was; ``reason`` says why).
    """

    state: str
    package: str | None = None
    version: str | None = None
    shape: str | None = None
    rewritten: int = 0
    namespaces: int = 0
    reason: str | None = None
    loaded: tuple[str, ...] = field(default_factory=tuple)
    creation_stacks: str | None = None
    """cdktf's ``captureStackTrace``: ``switch`` (it reads ``CDKTN_DISABLE_CREATION_STACK``),
    ``unchanged`` (its text changed: compiled as it is) or None (Node never loaded cdktf's)."""


def status() -> Status:
    """Read the preload's report for this process (once Node has handled what Python sent it)."""
    if not _installed:
        return Status("off")
    from modules import jsii_deferred

    jsii_deferred.wait_for_node()
    try:
        lines = Path(_installed["report"]).read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []
    records = [json.loads(line) for line in lines if line.strip()]
    head = next((r for r in records if "state" in r), None)
    if head is None:
        return Status("pending", package=_installed["package"])
    return Status(
        state=head["state"],
        package=head.get("package"),
        version=head.get("version"),
        shape=head.get("shape"),
        rewritten=head.get("rewritten", 0),
        namespaces=head.get("namespaces", 0),
        reason=head.get("reason"),
        loaded=tuple(dict.fromkeys(r["loaded"] for r in records if "loaded" in r)),
        creation_stacks=next((r["creation_stacks"] for r in records if "creation_stacks" in r), None),
    )


def messages() -> list[str]:
    """Lines for stderr after a synth: one when the lazy index was not applied, one more in debug mode."""
    current = status()
    lines = []
    if current.state == "fallback":
        lines.append(
            f"note: Node loads all of {current.package} {current.version} eagerly (slower, same output): "
            f"its lib/index.js changed shape ({current.reason}); update modules/node_lazy_preload.cjs"
        )
    elif current.state == "pending":
        lines.append(
            f"note: Node never loaded an index named {current.package}: lazy loading did not apply "
            "(slower, same output); check modules/node_lazy.py against the provider package"
        )
    if current.creation_stacks == "unchanged" and os.environ.get(CREATION_STACK) in ("1", "true"):
        lines.append(
            "note: cdktf records every token's creation stack (slower, same output): its "
            "lib/tokens/private/stack-trace.js changed; update modules/node_lazy_preload.cjs"
        )
    if os.environ.get(DEBUG, "").strip().lower() not in ("", *_OFF_VALUES):
        if current.state == "lazy":
            lines.append(
                f"node-lazy-index: {current.package} {current.version} ({current.shape} index): "
                f"{current.rewritten} of {current.namespaces} namespaces deferred, {len(current.loaded)} loaded"
            )
        else:
            lines.append(f"node-lazy-index: {current.state}" + (f" ({SWITCH}=0)" if not enabled() else ""))
    return lines
