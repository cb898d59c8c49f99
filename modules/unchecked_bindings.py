"""jsii's Python bindings without their runtime type checks and annotation building (most Python time).

Every constructor, method and property setter that jsii generates for Python
starts with::

    if __debug__:
        type_hints = typing.get_type_hints(_typecheckingstub__...)
        check_type(argname="argument scope", value=scope, expected_type=type_hints["scope"])
        ...

``typing.get_type_hints`` re-evaluates the stub's string annotations on every
call and typeguard walks every value: ~1,700 such calls for the three
environments. ``python -O`` removes those blocks but also every ``assert``
of the whole program (the tests' included), so :func:`install` does it only
for the binding packages: it compiles ``cdktf``, ``constructs`` and the AWS
provider bindings as ``python -OO`` would (``__debug__`` is false in their
code only, and they keep no docstrings) and with ``from __future__ import annotations`` (PEP 563): their
tens of thousands of ``typing.Optional[typing.Union[...]]`` annotations,
which only the removed checks read, stay strings instead of being built at
import — importing the ~60 provider modules a synth uses drops from ~0.8 s to
~0.13 s. It also leaves out what only those checks used (the ``_typecheckingstub__``
functions) and turns ``typing.cast(<type>, value)`` into ``value`` (each getter built its
return type on every call only to hand it to ``cast``): 7.6 MiB less bytecode in memory for
every stack's synth (:class:`_Trimmed`). That bytecode is cached in the user's cache
(``~/.cache/unchecked-bindings/<python>/``, or ``$XDG_CACHE_HOME``), keyed by
source path and checked against the source's mtime and size like a ``.pyc``;
it is written on first use even under ``PYTHONDONTWRITEBYTECODE`` (which keeps
``.pyc`` files out of source trees; this cache is outside them, like jsii's own
``~/.cache/aws/jsii``), so no process compiles the large modules twice.

Nothing else changes: the values still cross to Node, whose jsii kernel checks
them against the assembly, and the project validates every setting before a
construct is built. ``BINDINGS_TYPE_CHECKS=1`` keeps the checks (the tests
prove the committed stacks pass them and synthesize byte-identically either way).
"""

from __future__ import annotations

import __future__
import ast
import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import marshal
import os
import sys
from pathlib import Path

from modules.user_cache import user_cache

SWITCH = "BINDINGS_TYPE_CHECKS"
# The framework (cdktf, or CDK Terrain's cdktn), constructs, and the provider of modules.aws_provider.
FRAMEWORKS = ("cdktf", "cdktn", "constructs")
_HEADER = 16  # magic, this loader's version, source mtime, source size (like PEP 552's timestamp-based .pyc)
# Annotations stay unevaluated strings (PEP 563): only the removed checks read them, and building
# ~50,000 typing.Union/Optional objects at import was the other half of the bindings' cost.
_FLAGS = __future__.annotations.compiler_flag
# Bumped whenever what the loader compiles changes: a cache file of another version is compiled again.
_VERSION = 2
_OPTIMIZE = 2  # as ``python -OO``: no ``assert``, no ``if __debug__:`` block, no docstrings


class _Trimmed(ast.NodeTransformer):
    """What only the removed checks used, and ``typing.cast``, which returns its second argument.

    * ``typing.cast(<type>, value)`` becomes ``value``: every getter of the bindings builds its return
      type (``typing.Optional[typing.Union[...]]``) on each call only to hand it to ``cast``;
    * the module-level ``_typecheckingstub__…`` functions go: only the ``if __debug__:`` checks
      (compiled out) name them.
    """

    def visit_Call(self, node: ast.Call):
        self.generic_visit(node)
        function = node.func
        if (isinstance(function, ast.Attribute) and function.attr == "cast" and isinstance(function.value, ast.Name)
                and function.value.id == "typing" and len(node.args) == 2 and not node.keywords):
            return node.args[1]
        return node

    def visit_Module(self, node: ast.Module):
        node.body = [statement for statement in node.body
                     if not (isinstance(statement, ast.FunctionDef) and statement.name.startswith("_typecheckingstub__"))]
        self.generic_visit(node)
        return node


def trimmed_code(source: bytes, path: str):
    """``source`` compiled as the loader does: PEP 563 annotations, ``-OO``, :class:`_Trimmed`."""
    tree = _Trimmed().visit(ast.parse(source, path))
    return compile(tree, path, "exec", flags=_FLAGS, dont_inherit=True, optimize=_OPTIMIZE)


def checks_kept() -> bool:
    """True when ``BINDINGS_TYPE_CHECKS`` asks to keep the bindings' runtime type checks."""
    return os.environ.get(SWITCH, "").strip().lower() not in ("", "0", "off", "false", "no")


def _cache_root() -> Path:
    return user_cache("unchecked-bindings", sys.implementation.cache_tag)


def cache_path(source_path: str) -> Path:
    """Where the unchecked bytecode of ``source_path`` is cached (the user's cache, like jsii's own)."""
    digest = hashlib.sha256(str(Path(source_path).resolve()).encode()).hexdigest()[:20]
    return _cache_root() / f"{Path(source_path).parent.name}-{digest}.pyc"


class _Loader(importlib.machinery.SourceFileLoader):
    """A source loader compiling with :func:`trimmed_code`, cached by :func:`cache_path`."""

    def get_code(self, fullname: str):
        source_path = self.get_filename(fullname)
        cache = cache_path(source_path)
        stat = os.stat(source_path)
        header = (importlib.util.MAGIC_NUMBER + _VERSION.to_bytes(4, "little")
                  + (int(stat.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little")
                  + (stat.st_size & 0xFFFFFFFF).to_bytes(4, "little"))
        try:
            data = cache.read_bytes()
        except OSError:
            data = b""
        if data[:_HEADER] == header:
            try:
                return marshal.loads(data[_HEADER:])
            except (EOFError, ValueError, TypeError):
                pass  # a damaged cache file: compile again
        code = trimmed_code(self.get_data(source_path), source_path)
        temporary = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(header + marshal.dumps(code))
            os.replace(temporary, cache)
        except OSError:  # no writable cache: use the code, compile again next time
            try:
                temporary.unlink()
            except OSError:
                pass
        return code


class _Finder(importlib.abc.MetaPathFinder):
    """Finds the binding packages like the normal path finder, then swaps in :class:`_Loader`."""

    def __init__(self, packages: tuple[str, ...]):
        self.packages = packages

    def find_spec(self, fullname, path, target=None):
        if fullname.partition(".")[0] not in self.packages:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or type(spec.loader) is not importlib.machinery.SourceFileLoader:
            return spec
        spec.loader = _Loader(spec.loader.name, spec.loader.path)
        spec.cached = str(cache_path(spec.origin))
        return spec


def install(packages: tuple[str, ...] | None = None) -> bool:
    """Load ``packages`` (not yet imported) without their type checks; idempotent.

    ``packages`` defaults to the framework, constructs and ``modules.aws_provider.PACKAGE``.
    Returns whether the loader is in place. Must run before the first ``import cdktf``.
    """
    if checks_kept():
        return False
    if packages is None:
        from modules.framework_selection import PROVIDER_PACKAGE as PACKAGE

        packages = (*FRAMEWORKS, PACKAGE)
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder(packages))
    return True


def active(module_name: str = "cdktf") -> bool:
    """Whether ``module_name`` was loaded without type checks (for tests and benchmarks)."""
    module = sys.modules.get(module_name)
    return module is not None and isinstance(getattr(module, "__loader__", None), _Loader)
