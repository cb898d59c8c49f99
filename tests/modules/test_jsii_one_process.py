"""jsii's kernel in one Node process (modules/jsii_one_process.py and .cjs): active, faithful, safe."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from modules import jsii_one_process
from modules.framework import wheel_node

ROOT = Path(__file__).resolve().parents[2]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads the process tree from Linux's /proc")
def test_this_process_talks_to_the_kernel_directly_and_the_kernel_starts_no_other_process(dev):
    # GIVEN a synthesized stack (jsii is running in this process)
    from jsii._runtime import kernel

    process = kernel.provider._process._process
    # THEN the Node process Python started is the kernel itself: it runs the one-process runtime ...
    assert jsii_one_process.status().state == "one-process"
    command = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
    assert str(jsii_one_process.RUNTIME).encode() in command
    # ... and there is no relay process: the kernel has no child (jsii's relay would have one)
    assert _children(process.pid) == []
    assert os.environ[jsii_one_process.PROGRAM].endswith("lib/program.js")
    assert "--preserve-symlinks" in os.environ["NODE_OPTIONS"].split()


RELAY_WAY = """
import os, sys
from pathlib import Path
from modules import jsii_one_process
from modules.framework import Testing, TerraformStack, aws
from jsii._runtime import kernel
assert "JSII_RUNTIME" not in os.environ and jsii_one_process.PROGRAM not in os.environ
assert "--preserve-symlinks" not in os.environ.get("NODE_OPTIONS", "").split()
aws.vpc.Vpc(TerraformStack(Testing.app(), "probe"), "vpc")
relay = kernel.provider._process._process.pid
children = [c for t in Path(f"/proc/{relay}/task").iterdir() for c in (t / "children").read_text().split()]
assert jsii_one_process.status().state == "off" and len(children) == 1, children
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads the process tree from Linux's /proc")
def test_the_switch_keeps_jsii_s_relay_and_drops_what_a_parent_passed_on():
    # GIVEN this process installed the runtime (its children inherit the environment)
    assert os.environ["JSII_RUNTIME"] == str(jsii_one_process.RUNTIME)
    # WHEN a child runs with JSII_ONE_PROCESS=0, THEN it runs jsii's relay (kernel = relay's child)
    subprocess.run([sys.executable, "-c", RELAY_WAY], cwd=ROOT, check=True,
                   env={**os.environ, "JSII_ONE_PROCESS": "0"})


def test_a_runtime_of_your_own_is_left_alone(monkeypatch):
    monkeypatch.setenv("JSII_RUNTIME", "/opt/my-runtime.js")
    monkeypatch.setattr(jsii_one_process, "_status", jsii_one_process.Status("off"))
    assert jsii_one_process.install().state == "own-runtime"
    assert os.environ["JSII_RUNTIME"] == "/opt/my-runtime.js"
    assert jsii_one_process.messages() == []


def _fake_jsii(tmp_path: Path, program: str) -> Path:
    """A package laid out like jsii._embedded.jsii, with the given lib/program.js."""
    package = tmp_path / "fake_embedded"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "lib__program.js").write_text(program)
    (package / "lib__runtime-index-worker.js").write_text("// worker\n")
    return package


def _import_package(path: Path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(path.name, path / "__init__.py",
                                                  submodule_search_locations=[str(path)])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_kernel_files_are_written_once_under_their_hash(tmp_path):
    package = _import_package(_fake_jsii(tmp_path, "new SyncStdio({errorFD:2,readFD:3,writeFD:3})\n"))
    first, reason = jsii_one_process.kernel_directory(package, cache=tmp_path / "cache")
    assert reason is None and (first / "lib" / "program.js").read_text().startswith("new SyncStdio")
    assert (first / "lib" / "runtime-index-worker.js").is_file()  # beside program.js, where the kernel looks
    again, _ = jsii_one_process.kernel_directory(package, cache=tmp_path / "cache")
    assert again == first and [p.name for p in (tmp_path / "cache").iterdir()] == [first.name]


@pytest.mark.parametrize("program, reason", [
    ("new SyncStdio({errorFD:2,readFD:4,writeFD:4})\n", "no longer talks on descriptor 3"),
    (None, "jsii embeds no lib__program.js"),
])
def test_a_jsii_of_another_shape_keeps_the_relay_and_says_so_in_one_line(tmp_path, monkeypatch, program, reason):
    package_dir = _fake_jsii(tmp_path, program or "")
    if program is None:
        (package_dir / "lib__program.js").unlink()
    package = _import_package(package_dir)
    directory, found = jsii_one_process.kernel_directory(package, cache=tmp_path / "cache")
    assert directory is None and reason in found
    # install() with that jsii: nothing set for Node, one note for the summary
    monkeypatch.setattr(jsii_one_process, "_status", jsii_one_process.status())  # this process's, back afterwards
    monkeypatch.setattr(jsii_one_process, "kernel_directory", lambda: (None, found))
    monkeypatch.setenv(jsii_one_process.PROGRAM, "/inherited/lib/program.js")
    monkeypatch.setenv("JSII_RUNTIME", str(jsii_one_process.RUNTIME))
    monkeypatch.setenv("NODE_OPTIONS", "--no-deprecation --preserve-symlinks")
    assert jsii_one_process.install().state == "fallback"
    assert "JSII_RUNTIME" not in os.environ and jsii_one_process.PROGRAM not in os.environ
    assert os.environ["NODE_OPTIONS"] == "--no-deprecation"
    (line,) = jsii_one_process.messages()
    assert line.startswith("note: jsii runs with its relay process (more memory, same output): ") and reason in line


FAKE_KERNEL = r"""
const fs = require("fs");
const buffer = Buffer.alloc(1024);
const read = fs.readSync(3, buffer, 0, buffer.length, null);  // the request, on descriptor 3
console.log("console.log from JavaScript");
process.stderr.write("a warning\n");
fs.writeSync(2, "kernel error line\n");
fs.writeSync(3, Buffer.from(`{"echo":${JSON.stringify(buffer.subarray(0, read).toString().trim())}}\n`), 0);
"""


@pytest.mark.skipif(wheel_node() is None, reason="needs the Node.js of .venv (make install)")
def test_the_protocol_stays_alone_on_stdout_and_javascript_output_is_wrapped_like_the_relay_does(tmp_path):
    program = tmp_path / "lib" / "program.js"
    program.parent.mkdir()
    program.write_text(FAKE_KERNEL)
    done = subprocess.run([wheel_node(), str(jsii_one_process.RUNTIME)], input=b"ping\n", capture_output=True,
                          env={**os.environ, jsii_one_process.PROGRAM: str(program)}, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b'{"echo":"ping"}\n'  # only the response: what Python's jsii reads
    relayed = [json.loads(line) for line in done.stderr.splitlines()]
    assert relayed == [{"stdout": base64.b64encode(b"console.log from JavaScript\n").decode()},
                       {"stderr": base64.b64encode(b"a warning\n").decode()},
                       {"stderr": base64.b64encode(b"kernel error line\n").decode()}]


@pytest.mark.skipif(wheel_node() is None, reason="needs the Node.js of .venv (make install)")
def test_without_the_program_it_stops_with_the_reason():
    env = {k: v for k, v in os.environ.items() if k != jsii_one_process.PROGRAM}
    done = subprocess.run([wheel_node(), str(jsii_one_process.RUNTIME)], input="", capture_output=True,
                          env=env, timeout=60, text=True)
    assert done.returncode != 0 and "JSII_ONE_PROCESS_PROGRAM is not set" in done.stderr


def test_a_cache_that_cannot_be_written_keeps_the_relay_with_the_reason(tmp_path):
    # GIVEN the cache location is a file (as unwritable as a read-only home)
    package = _import_package(_fake_jsii(tmp_path, "new SyncStdio({errorFD:2,readFD:3,writeFD:3})\n"))
    (tmp_path / "cache").write_text("not a directory")
    # THEN no exception reaches the framework's import: the relay is used and the reason names the path
    directory, reason = jsii_one_process.kernel_directory(package, cache=tmp_path / "cache")
    assert directory is None and reason.startswith(f"cannot write {tmp_path / 'cache'}")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging left behind


# -- the tarball digests: kept beside the kernel instead of hashing 37 MB on every start ------------------

def test_the_installed_jsii_s_kernel_got_both_changes(dev):
    # a jsii upgrade that changes either function would silently drop its change: this says so
    program = Path(os.environ[jsii_one_process.PROGRAM]).read_bytes()
    for original, changed in jsii_one_process.KERNEL_CHANGES:
        assert program.count(changed) == 1 and original not in program


def test_the_kernel_asks_the_runtime_for_its_tarball_digests_when_its_function_is_the_known_one(tmp_path):
    known = (b"new SyncStdio({errorFD:2,readFD:3,writeFD:3})\n" + jsii_one_process.DIGEST_FUNCTION + b"\n"
             + jsii_one_process.TYPE_ROW_READ + b"\n")
    package = _import_package(_fake_jsii(tmp_path, known.decode()))
    directory, _ = jsii_one_process.kernel_directory(package, cache=tmp_path / "cache")
    program = (directory / "lib" / "program.js").read_bytes()
    assert program.count(jsii_one_process.DIGEST_MEMOIZED) == 1 and jsii_one_process.DIGEST_FUNCTION not in program
    assert program.count(jsii_one_process.TYPE_ROW_READ_ONE) == 1 and jsii_one_process.TYPE_ROW_READ not in program
    # a kernel whose function differs (or appears twice) is written unchanged: every digest computed
    for index, other in enumerate((b"p.digestFile=function digestFile(e){return 1}\n", known + known)):
        (tmp_path / str(index)).mkdir()
        package = _import_package(_fake_jsii(tmp_path / str(index), (b"readFD:3,writeFD:3\n" + other).decode()))
        directory, _ = jsii_one_process.kernel_directory(package, cache=tmp_path / "cache")
        assert (directory / "lib" / "program.js").read_bytes() == b"readFD:3,writeFD:3\n" + other


ASSERTION = """
let inspected = 0;
const B = { default: (condition, message) => { if (!condition) throw new Error(message); } };
const K = { inspect: (value) => { inspected++; return JSON.stringify(value); } };
const check = new Function("B", "K", "e", process.argv[1] + "; return 'ok';");
const out = { ok: check(B, K, { type: "string" }), inspectedWhenFine: inspected };
try { check(B, K, null); } catch (error) { out.error = error.message; }
console.log(JSON.stringify(out));
"""


@pytest.mark.parametrize("text, inspected", [(jsii_one_process.TYPE_CHECK_MESSAGE, 1),
                                             (jsii_one_process.TYPE_CHECK_MESSAGE_ON_FAILURE, 0)])
def test_the_serializers_assertion_builds_its_message_only_when_it_fails(text, inspected):
    out = subprocess.run([wheel_node(), "-e", ASSERTION, text.decode()], capture_output=True, text=True,
                         check=True, timeout=60)
    assert json.loads(out.stdout) == {"ok": "ok", "inspectedWhenFine": inspected,
                                      "error": "Kernel error: expected type information, got null"}


DIGEST_KERNEL = r"""
const fs = require("fs");
const memo = globalThis.__jsiiTarballDigest;
let computed = 0;
const compute = () => { computed += 1; return Buffer.alloc(32, 7); };
const digest = memo ? memo(process.env.TARBALL, ["name", "1.0.0"], compute) : compute();
fs.writeSync(3, Buffer.from(JSON.stringify({ memo: Boolean(memo), computed, digest: digest.toString("hex") }) + "\n"));
"""


def _fake_kernel(tmp_path: Path, source: str):
    """A kernel of ``source`` run by the one-process runtime: ``run(**env)`` gives what it wrote."""
    program = tmp_path / "kernel" / "lib" / "program.js"
    program.parent.mkdir(parents=True)
    program.write_text(source)

    def run(**env):
        done = subprocess.run([wheel_node(), str(jsii_one_process.RUNTIME)], input=b"", capture_output=True,
                              timeout=60, env={**os.environ, jsii_one_process.PROGRAM: str(program), **env})
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    return run


@pytest.mark.skipif(wheel_node() is None, reason="needs the Node.js of .venv (make install)")
def test_a_digest_is_computed_once_per_tarball_state_and_kept_beside_the_kernel(tmp_path):
    tarball = tmp_path / "package.tgz"
    tarball.write_bytes(b"tarball")
    fake = _fake_kernel(tmp_path, DIGEST_KERNEL)

    def run(**env):
        return fake(TARBALL=str(tarball), **env)

    memo_file = tmp_path / "kernel" / "tarball-digests.json"
    # the first start computes and keeps it; the next one reads it
    assert run() == {"memo": True, "computed": 1, "digest": "07" * 32}
    (key,) = json.loads(memo_file.read_text())
    assert json.loads(key)[0] == str(tarball.resolve()) and json.loads(key)[-1] == ["name", "1.0.0"]
    assert run() == {"memo": True, "computed": 0, "digest": "07" * 32}
    # a changed tarball (size, time) is hashed again, and its old entry dropped
    tarball.write_bytes(b"another tarball")
    assert run()["computed"] == 1 and len(json.loads(memo_file.read_text())) == 1
    # an unreadable memo is no memo; the switch computes every digest without the runtime's help
    memo_file.write_text("[not json")
    assert run()["computed"] == 1
    assert run(JSII_DIGEST_MEMO="0") == {"memo": False, "computed": 1, "digest": "07" * 32}
    assert sorted(p.name for p in memo_file.parent.iterdir()) == ["lib", "tarball-digests.json"]  # no staging left


def test_the_kept_digests_are_jsii_s_own(dev):
    # GIVEN a synth ran (jsii loaded cdktf, constructs and the provider through the one-process runtime)
    import hashlib

    memo_file = Path(os.environ[jsii_one_process.PROGRAM]).parents[1] / "tarball-digests.json"
    memo = json.loads(memo_file.read_text())
    # THEN every digest kept is SHA-256 of the tarball, then NUL + each of the kernel's extra inputs
    assert {Path(json.loads(key)[0]).name.split("@")[0] for key in memo} >= {"cdktf", "constructs", "provider-aws"}
    for key, digest in memo.items():
        path, size, _mtime, _inode, extra = json.loads(key)
        if Path(path).stat().st_size != size:
            continue  # replaced since (another environment's tarball of the same path)
        expected = hashlib.sha256(Path(path).read_bytes())
        for value in extra:
            expected.update(b"\0" + value.encode())
        assert digest == expected.hexdigest(), path


ROW_KERNEL = r"""
const fs = require("fs");
const read = globalThis.__jsiiReadRow;
const rows = read ? [read(process.env.DEFS, 0, 7), read(process.env.DEFS, 8, 18), read(process.env.DEFS, 0, 7)] : null;
let beyond = null;
try { if (read) read(process.env.DEFS, 9, 4000); } catch (error) { beyond = error.message; }
fs.writeSync(3, Buffer.from(JSON.stringify({ rows, beyond }) + "\n"));
"""


@pytest.mark.skipif(wheel_node() is None, reason="needs the Node.js of .venv (make install)")
def test_a_type_row_is_read_alone_from_its_byte_offsets(tmp_path):
    defs = tmp_path / ".jsii.runtime-defs.v1.jsonl"
    defs.write_text('{"a":1}\n{"b":"\u00e9"}\n')  # a multi-byte character: offsets are bytes
    fake = _fake_kernel(tmp_path, ROW_KERNEL)

    def run(**env):
        return fake(DEFS=str(defs), **env)

    result = run()
    assert result["rows"] == ['{"a":1}', '{"b":"\u00e9"}', '{"a":1}']  # each row's bytes, read again on demand
    assert "ends before byte 4000" in result["beyond"]
    assert run(JSII_TYPE_ROWS="0") == {"rows": None, "beyond": None}  # the kernel reads the whole file itself
