"""jsii's kernel in one Node process: no relay process between Python and the kernel.

jsii's Python runtime starts ``node bin/jsii-runtime.js``, a relay that spawns
a second Node process for the kernel (``lib/program.js``) and copies messages
between Python's pipes and the kernel's descriptor 3. The relay is a bare Node
(~70 MB resident) doing nothing but that copy. :func:`install` (called by
:mod:`modules.framework` before jsii starts) points ``JSII_RUNTIME`` at
``jsii_one_process.cjs``, which runs the same ``lib/program.js`` (one function changed, below) of
the installed jsii in the process Python starts (see that file for how). The
output is byte-identical; a synth's process tree is one Node process smaller.

It is careful: it applies only when the installed jsii embeds ``lib/program.js``
with the descriptor layout this was written for (the kernel reading and
writing descriptor 3). Otherwise it stays off and :func:`messages` returns one
line saying so: the relay is used, as without this module — more memory,
never wrong. A ``JSII_RUNTIME`` you set yourself is left alone.

Switch: ``JSII_ONE_PROCESS=0`` (or ``off``/``false``/``no``) keeps jsii's relay.

One change to the kernel, made where its files are written (:func:`kernel_directory`): its
``digestFile`` — the SHA-256 of a package's tarball, which names the tarball's entry in jsii's
package cache — asks the runtime first (``globalThis.__jsiiTarballDigest``): the runtime keeps each
digest beside the kernel (``tarball-digests.json``), keyed by the tarball's real path, size,
modification time and inode, like Python's ``.pyc`` check. The provider's tarball is 37 MB: hashing
it was ~80 ms of every process that starts jsii. A kernel without that exact function is written
unchanged (every digest computed, as jsii does). ``JSII_DIGEST_MEMO=0`` computes every digest.

And one more: the kernel's lazy type table read a package's whole ``.jsii.runtime-defs`` file on the
first type lookup (35 MB for the provider) and kept it for the process's life, to parse the rows asked
for; it now asks the runtime for just the row (``globalThis.__jsiiReadRow``: one positioned read of the
row's bytes). ``JSII_TYPE_ROWS=0`` keeps the whole file, as jsii does.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from modules.user_cache import user_cache

SWITCH = "JSII_ONE_PROCESS"
PROGRAM = "JSII_ONE_PROCESS_PROGRAM"  # read by the runtime: the kernel's lib/program.js
RUNTIME = Path(__file__).with_name("jsii_one_process.cjs")
PRESERVE_SYMLINKS = "--preserve-symlinks"  # what the relay gives the kernel's Node
# The kernel's channel as this runtime expects it in lib/program.js (jsii 1.x).
EXPECTED_CHANNEL = "readFD:3,writeFD:3"
# jsii's embedded files the kernel needs, and the names it finds them by (lib/ keeps __dirname).
KERNEL_FILES = {"lib__program.js": "lib/program.js", "lib__runtime-index-worker.js": "lib/runtime-index-worker.js"}
# The kernel's tarball digest (jsii 1.x's bundled lib/program.js) and the same function asking the runtime first.
DIGEST_FUNCTION = b"p.digestFile=function digestFile(e,...p){return readFileChunks(e,()=>{},...p)}"
DIGEST_MEMOIZED = (b"p.digestFile=function digestFile(e,...p){const memo=globalThis.__jsiiTarballDigest;"
                   b"return memo?memo(e,p,()=>readFileChunks(e,()=>{},...p)):readFileChunks(e,()=>{},...p)}")
# The kernel's lazy type table (LazyTypes.get): on the first lookup it reads a package's whole
# .jsii.runtime-defs file (35 MB for the provider) and keeps it for the process's life, to parse the one
# row asked for. The same lookup reading just that row (globalThis.__jsiiReadRow in the runtime).
TYPE_ROW_READ = (b'const _=re(this,Z,null!==(p=se(this,Z,"f"))&&void 0!==p?p:(0,ae.readFileSync)(se(this,V,"f")),"f"),'
                 b'F=se(this,g,"f").readUInt32LE(se(this,B,"f")+4*f),N=se(this,g,"f").readUInt32LE(se(this,B,"f")+4*(f+1)),'
                 b'K=JSON.parse(_.toString("utf-8",F,N));')
TYPE_ROW_READ_ONE = (b'const F=se(this,g,"f").readUInt32LE(se(this,B,"f")+4*f),'
                     b'N=se(this,g,"f").readUInt32LE(se(this,B,"f")+4*(f+1)),'
                     b'K=JSON.parse(globalThis.__jsiiReadRow?globalThis.__jsiiReadRow(se(this,V,"f"),F,N):'
                     b're(this,Z,null!==(p=se(this,Z,"f"))&&void 0!==p?p:(0,ae.readFileSync)(se(this,V,"f")),"f")'
                     b'.toString("utf-8",F,N));')
# The kernel's serializer (computeSerializationType) asserts it got type information with a message built
# first: util.inspect of the type reference on every value it converts (~30 ms of every stack's synth).
# The same assertion, its message built only when it fails.
TYPE_CHECK_MESSAGE = b'(0,B.default)(null!=e,`Kernel error: expected type information, got ${(0,K.inspect)(e)}`)'
TYPE_CHECK_MESSAGE_ON_FAILURE = (b'null!=e||(0,B.default)(!1,'
                                 b'`Kernel error: expected type information, got ${(0,K.inspect)(e)}`)')
# The kernel's object table, reachable by the runtime (globalThis.__jsiiObjectTable), and its input reader
# handing each line to the runtime first (globalThis.__jsiiOwnLine: true when the line was the runtime's own,
# modules/jsii_deferred.py's queue, which the kernel then never sees).
OBJECT_TABLE = b'class ObjectTable{constructor(e){y.add(this),'
OBJECT_TABLE_SHARED = b'class ObjectTable{constructor(e){globalThis.__jsiiObjectTable=this,y.add(this),'
READ_LINE = b'readLine(){let e,p=0;'
READ_LINE_OWN_FIRST = (b'readLine(){for(;;){const line=this.__jsiiReadOneLine();if(void 0===line||'
                       b'!globalThis.__jsiiOwnLine||!globalThis.__jsiiOwnLine(line))return line}}'
                       b'__jsiiReadOneLine(){let e,p=0;')
# The kernel itself, reachable by the runtime (globalThis.__jsiiKernel), and its object table naming an
# object as the runtime chose (globalThis.__jsiiChosenId, once) instead of from its counter.
KERNEL = b'class Kernel{constructor(e){y.add(this),'
KERNEL_SHARED = b'class Kernel{constructor(e){globalThis.__jsiiKernel=this,y.add(this),'
MAKE_ID = b'N=function _ObjectTable_makeId(e){var p,m;return`${e}@${Z(this,F,(m=X(this,F,"f"),p=m++,m),"f"),p}`}'
MAKE_ID_CHOSEN = (b'N=function _ObjectTable_makeId(e){var p,m;const chosen=globalThis.__jsiiChosenId;'
                  b'if(void 0!==chosen&&chosen.startsWith(e+"@"))return globalThis.__jsiiChosenId=void 0,chosen;'
                  b'return`${e}@${Z(this,F,(m=X(this,F,"f"),p=m++,m),"f"),p}`}')
# Each change is made only where its original text occurs exactly once; otherwise that part of the kernel
# is written as jsii ships it (slower or larger, never wrong).
KERNEL_CHANGES = ((DIGEST_FUNCTION, DIGEST_MEMOIZED), (TYPE_ROW_READ, TYPE_ROW_READ_ONE),
                  (TYPE_CHECK_MESSAGE, TYPE_CHECK_MESSAGE_ON_FAILURE), (OBJECT_TABLE, OBJECT_TABLE_SHARED),
                  (READ_LINE, READ_LINE_OWN_FIRST), (KERNEL, KERNEL_SHARED), (MAKE_ID, MAKE_ID_CHOSEN))
# What modules/jsii_deferred.py needs of the kernel: without all of them, nothing is deferred.
DEFERRED_CHANGES = (OBJECT_TABLE, READ_LINE, KERNEL, MAKE_ID)

_OFF_VALUES = {"0", "off", "false", "no"}
_OPTION = re.compile(r"(?:^|(?<=\s))--preserve-symlinks(?=\s|$)")


@dataclass(frozen=True)
class Status:
    state: str  # "one-process", "off", "own-runtime" (JSII_RUNTIME set by the user) or "fallback"
    reason: str | None = None
    program: str | None = None


_status = Status("off")
_applied: set[bytes] = set()  # the original texts of KERNEL_CHANGES changed in the installed jsii's kernel


def applied(original: bytes) -> bool:
    """Whether the kernel this process runs has the change of ``original`` (one of KERNEL_CHANGES)."""
    return _status.state == "one-process" and original in _applied


def enabled() -> bool:
    """False when ``JSII_ONE_PROCESS`` asks for jsii's relay."""
    return os.environ.get(SWITCH, "1").strip().lower() not in _OFF_VALUES


def _cache_root() -> Path:
    return user_cache("jsii-one-process")


def kernel_directory(embedded=None, cache: Path | None = None) -> tuple[Path | None, str | None]:
    """The installed jsii's kernel files written to a cache directory, or ``(None, reason)``.

    ``embedded`` is the package holding jsii's embedded files (``jsii._embedded.jsii``).
    The directory is named by the files' hash, written once and then reused.
    """
    embedded_is_installed = embedded is None
    if embedded is None:
        import jsii._embedded.jsii as embedded
    files = importlib.resources.files(embedded)
    contents = {}
    for resource, name in KERNEL_FILES.items():
        try:
            contents[name] = files.joinpath(resource).read_bytes()
        except (FileNotFoundError, OSError):
            return None, f"jsii embeds no {resource}"
    if EXPECTED_CHANNEL.encode() not in contents["lib/program.js"]:
        return None, f"jsii's lib/program.js no longer talks on descriptor 3 ({EXPECTED_CHANNEL} not found)"
    applied = set()
    for original, changed in KERNEL_CHANGES:
        if contents["lib/program.js"].count(original) == 1:
            contents["lib/program.js"] = contents["lib/program.js"].replace(original, changed)
            applied.add(original)
    if embedded_is_installed:
        _applied.clear()
        _applied.update(applied)
    digest = hashlib.sha256(b"".join(contents[name] for name in sorted(contents))).hexdigest()[:16]
    target = (cache or _cache_root()) / digest
    if (target / "lib" / "program.js").is_file():
        return target, None
    staging = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{digest}-", dir=target.parent))
        for name, data in contents.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(data)
        staging.rename(target)  # atomic: a concurrent run either wins or finds it complete
    except OSError as error:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if not (target / "lib" / "program.js").is_file():  # not a concurrent run's win: unusable cache
            return None, f"cannot write {target.parent} ({error.strerror or error})"
    return target, None


def install() -> Status:
    """Point jsii at the one-process runtime unless switched off, overridden or not applicable."""
    global _status
    if not enabled():
        _uninstall_inherited()
        _status = Status("off")
        return _status
    current = os.environ.get("JSII_RUNTIME")
    if current and current != str(RUNTIME):
        _status = Status("own-runtime", reason=f"JSII_RUNTIME={current}")
        return _status
    try:
        directory, reason = kernel_directory()
    except ImportError:
        directory, reason = None, "jsii is not installed"
    if directory is None:
        _uninstall_inherited()
        _status = Status("fallback", reason=reason)
        return _status
    program = str(directory / "lib" / "program.js")
    os.environ["JSII_RUNTIME"] = str(RUNTIME)
    os.environ[PROGRAM] = program
    options = os.environ.get("NODE_OPTIONS", "")
    if not _OPTION.search(options):
        os.environ["NODE_OPTIONS"] = " ".join(filter(None, [options, PRESERVE_SYMLINKS]))
    _status = Status("one-process", program=program)
    return _status


def _uninstall_inherited() -> None:
    """Switched off: drop what a parent process's :func:`install` left in the environment."""
    if os.environ.pop(PROGRAM, None) is None:
        return  # nothing inherited from install(): leave the user's own settings alone
    if os.environ.get("JSII_RUNTIME") == str(RUNTIME):
        del os.environ["JSII_RUNTIME"]
    os.environ["NODE_OPTIONS"] = " ".join(_OPTION.sub(" ", os.environ.get("NODE_OPTIONS", "")).split())


def status() -> Status:
    return _status


def messages() -> list[str]:
    """One line for stderr when the one-process runtime could not apply."""
    if _status.state == "fallback":
        return [f"note: jsii runs with its relay process (more memory, same output): {_status.reason}; "
                "update modules/jsii_one_process.py for this jsii"]
    return []
