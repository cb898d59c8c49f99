"""Node-side lazy index and unchecked bindings: same output, active in a normal run, clean fallback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import main
from modules import node_lazy, unchecked_bindings
from modules import framework, jsii_arguments, jsii_deferred, jsii_one_process
from modules.framework import wheel_node

ROOT = Path(__file__).resolve().parents[2]
NAMESPACES = ("alpha", "beta", "gamma")


def run_main(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "CHECKPOINT_DISABLE": "1", **env}
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, check=True)


# --- the real provider -------------------------------------------------------------------------


DEFAULT_WAY = """
import os, sys
import main
from modules import node_lazy, unchecked_bindings
from modules.framework import Testing, TerraformStack, aws
# the Node jsii starts gets neither the preload nor the parent's settings (inherited from pytest)
assert "node_lazy_preload" not in os.environ.get("NODE_OPTIONS", ""), os.environ["NODE_OPTIONS"]
assert "--max-semi-space-size" not in os.environ.get("NODE_OPTIONS", "")
assert "NODE_LAZY_INDEX_PACKAGE" not in os.environ and "NODE_LAZY_INDEX_REPORT" not in os.environ
assert "NODE_CODE_CACHE_DIR" not in os.environ  # no code cache either
assert "CDKTN_DISABLE_CREATION_STACK" not in os.environ  # tokens record their creation stacks
assert main.main(["--outdir", sys.argv[1]]) == 0
assert node_lazy.status().state == "off", node_lazy.status()
from modules import jsii_one_process
assert jsii_one_process.status().state == "off" and "JSII_RUNTIME" not in os.environ  # jsii's relay
from modules.framework import FRAMEWORK, PROVIDER_PACKAGE
assert not unchecked_bindings.active(FRAMEWORK) and not unchecked_bindings.active(PROVIDER_PACKAGE + ".vpc")
from modules import jsii_arguments
assert not jsii_arguments.active()  # every struct field through its getter, unset ones as null
from modules import jsii_deferred
assert not jsii_deferred.active() and not jsii_deferred.creates_active()  # every read and creation waits for Node
vpc = aws.vpc.Vpc(TerraformStack(Testing.app(), "probe"), "vpc")
assert vpc.id != vpc.id  # each read is a round trip: Node makes a new token every time
"""


@pytest.mark.long  # the default way is the slow way (~8 s): make rehearse and .ci/run, not make test
def test_every_stack_is_byte_identical_with_and_without_the_speedups(tmp_path, all_stacks_output):
    # GIVEN the app synthesized with every speedup on (the run's shared synth: a `python main.py` started
    # from this environment; this process, which has built a provider resource, runs the same way) ...
    framework.aws.vpc.Vpc(framework.TerraformStack(framework.Testing.app(), "speedups"), "vpc")
    assert node_lazy.status().state == "lazy"
    assert unchecked_bindings.active(framework.FRAMEWORK) and unchecked_bindings.active(framework.PROVIDER_PACKAGE + ".vpc")
    assert jsii_one_process.status().state == "one-process"
    assert jsii_arguments.active()
    assert "node_lazy_preload" in os.environ["NODE_OPTIONS"]  # this process passes it on to children
    # ... and in a fresh one the default way: eager index, every type check run (they all pass),
    # every attribute read from Node, jsii's relay process in front of the kernel, no code cache
    parent_report = node_lazy.status()
    default = subprocess.run([sys.executable, "-c", DEFAULT_WAY, str(tmp_path / "eager")], cwd=ROOT,
                             capture_output=True, text=True,
                             env={**os.environ, "NODE_LAZY_INDEX": "0", "BINDINGS_TYPE_CHECKS": "1",
                                  "ATTRIBUTE_TOKEN_CACHE": "0", "JSII_ONE_PROCESS": "0", "JSII_STRUCT_VALUES": "0",
                                  "NODE_LAZY_INDEX_DEBUG": "1"})
    assert default.returncode == 0, default.stderr[-3000:]
    assert node_lazy.status() == parent_report  # the child's Node never reported into this process's file
    assert "node-lazy-index: off (NODE_LAZY_INDEX=0)" in default.stderr.splitlines()  # debug mode says it is off
    # THEN every stack the app writes is the same, byte for byte
    lazy = all_stacks_output
    lazy_files = sorted(p.relative_to(lazy) for p in (lazy / "stacks").rglob("*.json"))
    eager_files = sorted(p.relative_to(tmp_path / "eager") for p in (tmp_path / "eager" / "stacks").rglob("*.json"))
    assert lazy_files == eager_files and len(lazy_files) >= 3
    for relative in lazy_files:
        assert (lazy / relative).read_bytes() == (tmp_path / "eager" / relative).read_bytes(), relative


def test_a_normal_run_loads_only_a_few_dozen_of_the_providers_namespaces(tmp_path):
    result = run_main("dev", "--outdir", str(tmp_path / "out"), NODE_LAZY_INDEX_DEBUG="1")
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("node-lazy-index:")]
    # e.g. "node-lazy-index: @cdktf/provider-aws 21.22.1 (cdktf index): 2212 of 2212 namespaces deferred, 60 loaded"
    deferred, total = (int(x) for x in line.split("): ")[1].split(" namespaces")[0].split(" of "))
    loaded = int(line.rsplit(", ", 1)[1].split()[0])
    assert deferred == total > 2000
    assert 10 < loaded < 150


def test_the_status_of_this_test_process_names_what_node_loaded():
    stack = framework.TerraformStack(framework.Testing.app(), "status")
    framework.aws.security_group.SecurityGroup(stack, "group", vpc_id=framework.aws.vpc.Vpc(stack, "vpc").id)
    status = node_lazy.status()
    assert (status.state, status.package, status.shape) == ("lazy", node_lazy.npm_name(framework.PROVIDER_PACKAGE), framework.FRAMEWORK)
    assert status.rewritten == status.namespaces > 2000
    assert "vpc" in status.loaded and "securityGroup" in status.loaded
    assert "xrayGroup" not in status.loaded
    assert len(status.loaded) < 150
    # cdktf's creation stacks are off through the preload; CDK Terrain reads the switch itself
    assert status.creation_stacks == ("switch" if framework.FRAMEWORK == "cdktf" else None)
    assert os.environ["CDKTN_DISABLE_CREATION_STACK"] == "1"


def test_without_the_bindings_type_checks_a_wrong_type_still_stops_the_synth():
    # Node's jsii kernel checks every value against the assembly: a wrong type never reaches the JSON.
    assert framework.aws.vpc.Vpc and unchecked_bindings.active(framework.PROVIDER_PACKAGE + ".vpc")
    stack = framework.TerraformStack(framework.Testing.app(), "wrong-type")
    # raised at the next call that waits for Node (modules/jsii_deferred.py: creations are not waited for),
    # naming where the object was created
    with pytest.raises(RuntimeError, match="Unable to deserialize value as @cdktf/provider-aws.vpc.VpcConfig") as raised:
        line = sys._getframe().f_lineno + 1
        framework.aws.vpc.Vpc(stack, "vpc", cidr_block=10)
        framework.Testing.synth(stack)
    if jsii_deferred.creates_active():
        assert str(raised.value).endswith(f"— that object was created at {__file__}:{line}")


def test_unchecked_bindings_keep_their_annotations_as_strings():
    # PEP 563: the typing objects only the removed checks read are never built at import
    vpc = framework.aws.vpc
    assert unchecked_bindings.active(framework.PROVIDER_PACKAGE + ".vpc")
    assert vpc.Vpc.__init__.__annotations__["cidr_block"] == "typing.Optional[builtins.str]"
    assert vpc.__cached__ == str(unchecked_bindings.cache_path(vpc.__file__))
    assert unchecked_bindings.cache_path(vpc.__file__).is_file()
    # nothing only the removed checks used: no stubs, no docstrings (-OO)
    assert not [name for name in vars(vpc) if name.startswith("_typecheckingstub__")]
    assert vpc.Vpc.__doc__ is None and vpc.VpcConfig.__doc__ is None


TRIMMED = b'''"""The module's docstring."""
import typing


def _typecheckingstub__0123(value: NotDefinedAnywhere) -> None:
    """Type checking stubs"""
    pass


class Probe:
    """A docstring."""

    @property
    def value(self) -> typing.Optional[int]:
        if __debug__:
            type_hints = typing.get_type_hints(_typecheckingstub__0123)
        return typing.cast(typing.Optional[NotDefinedAnywhere], self._value)

    def _typecheckingstub__kept(self):  # a method of that name is not the module's stub
        return typing.cast(int, 7)

    def other_cast(self, cast):
        return cast(str, 8), typing.cast(str, value=9) if False else 10
'''


def test_the_bindings_are_compiled_without_what_only_the_checks_used():
    namespace = {}
    exec(unchecked_bindings.trimmed_code(TRIMMED, "probe.py"), namespace)
    probe = namespace["Probe"]()
    probe._value = 5
    # typing.cast(<type>, x) is x: its type (here naming nothing that exists) is never built
    assert probe.value == 5
    assert "_typecheckingstub__0123" not in namespace and probe._typecheckingstub__kept() == 7
    assert namespace.get("__doc__") is None and namespace["Probe"].__doc__ is None
    assert probe.other_cast(lambda kind, value: (kind, value)) == ((str, 8), 10)  # other calls unchanged
    # the same source as Python compiles it builds the type on each read: NotDefinedAnywhere is a NameError
    usual = {}
    exec(compile(TRIMMED, "probe.py", "exec"), usual)
    broken = usual["Probe"]()
    broken._value = 5
    with pytest.raises(NameError):
        broken.value


def test_a_cache_file_of_another_loader_version_is_compiled_again(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    source = tmp_path / "bindings_probe" / "__init__.py"
    source.parent.mkdir()
    source.write_bytes(TRIMMED)
    loader = unchecked_bindings._Loader("bindings_probe", str(source))
    loader.get_code("bindings_probe")
    cache = unchecked_bindings.cache_path(str(source))
    data = cache.read_bytes()
    assert int.from_bytes(data[4:8], "little") == unchecked_bindings._VERSION
    # a file an earlier loader wrote (version 0, code that still holds the stub) is not used
    import marshal
    old = compile(TRIMMED, str(source), "exec")
    cache.write_bytes(data[:4] + (0).to_bytes(4, "little") + data[8:16] + marshal.dumps(old))
    code = loader.get_code("bindings_probe")
    assert "_typecheckingstub__0123" not in code.co_names
    assert cache.read_bytes() == data


def test_a_resources_attribute_tokens_are_read_from_node_once():
    stack = framework.TerraformStack(framework.Testing.app(), "tokens")
    bucket = framework.aws.s3_bucket.S3Bucket(stack, "bucket")
    assert bucket.id is bucket.id and bucket.arn is bucket.arn and bucket.bucket is bucket.bucket
    assert bucket.id != bucket.arn != bucket.bucket  # one token per attribute (test_attribute_tokens.py: inputs)
    other = framework.aws.s3_bucket.S3Bucket(stack, "other")
    assert other.id != bucket.id  # per instance, never per class
    policy = framework.aws.s3_bucket_policy.S3BucketPolicy(stack, "policy", bucket=bucket.id, policy="{}")
    synth = json.loads(framework.Testing.synth(stack))
    assert synth["resource"]["aws_s3_bucket_policy"]["policy"]["bucket"] == "${aws_s3_bucket.bucket.id}"
    assert policy.id is policy.id


def test_the_type_checks_switch(monkeypatch):
    monkeypatch.setenv("BINDINGS_TYPE_CHECKS", "1")
    assert unchecked_bindings.checks_kept() and unchecked_bindings.install() is False
    monkeypatch.setenv("BINDINGS_TYPE_CHECKS", "0")
    assert not unchecked_bindings.checks_kept()


def test_the_npm_name_is_read_from_the_python_bindings():
    assert node_lazy.npm_name(framework.FRAMEWORKS["cdktf"][1]) == "@cdktf/provider-aws"
    assert node_lazy.npm_name("no_such_package_here") is None


def test_the_switch_turns_it_off(monkeypatch):
    for value in ("0", "off", "false", "no", "OFF"):
        monkeypatch.setenv("NODE_LAZY_INDEX", value)
        assert not node_lazy.enabled()
    monkeypatch.setenv("NODE_LAZY_INDEX", "1")
    assert node_lazy.enabled()


def test_main_prints_one_line_when_node_fell_back_to_the_eager_index(tmp_path, monkeypatch, capsys):
    fallback = node_lazy.Status("fallback", package="@cdktf/provider-aws", version="21.22.1",
                                rewritten=0, namespaces=2212, reason="no export line has a known shape")
    monkeypatch.setattr(node_lazy, "status", lambda: fallback)
    monkeypatch.delenv("NODE_LAZY_INDEX_DEBUG", raising=False)
    assert main.main(["dev", "--outdir", str(tmp_path / "out")]) == 0
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "loads all of @cdktf/provider-aws 21.22.1 eagerly (slower, same output)" in line
    assert "no export line has a known shape" in line


def test_no_line_when_the_lazy_index_applied(monkeypatch):
    monkeypatch.setattr(node_lazy, "status", lambda: node_lazy.Status("lazy", rewritten=3, namespaces=3))
    monkeypatch.delenv("NODE_LAZY_INDEX_DEBUG", raising=False)
    assert node_lazy.messages() == []


# --- the preload on small packages -------------------------------------------------------------

CDKTF_SHAPE = """"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.gamma = exports.beta = exports.alpha = void 0;
// generated by cdktf get
exports.alpha = require("./alpha");
exports.beta = require("./beta");
exports.gamma = require("./gamma");
//# sourceMappingURL=data:application/json;base64,e30=
"""

CDKTN_SHAPE = """"use strict";
var __importStar = (this && this.__importStar) || function (mod) {
    if (mod && mod.__esModule) return mod;
    var result = {};
    if (mod != null) for (var k in mod) if (k !== "default") result[k] = mod[k];
    result["default"] = mod;
    return result;
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.gamma = exports.beta = exports.alpha = void 0;
exports.alpha = __importStar(require("./alpha/index"));
exports.beta = __importStar(require("./beta/index"));
exports.gamma = __importStar(require("./gamma/index"));
"""

PROBE = """
const pkg = require(process.argv[1]);
const keys = Object.keys(pkg).filter((k) => k !== "__esModule").sort();
const value = pkg.beta.NAME;
const again = pkg.beta.NAME;
console.log(JSON.stringify({ keys, value, again, loadedFiles: Object.keys(require.cache).filter((f) => f.includes("/lib/")).map((f) => f.split("/lib/")[1]).sort() }));
"""


def make_package(root: Path, index: str, *, name: str = "@cdktf/provider-aws", namespaces=NAMESPACES) -> Path:
    package = root / "node_modules" / Path(*name.split("/"))
    (package / "lib").mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": name, "version": "1.2.3", "main": "lib/index.js"}))
    (package / "lib" / "index.js").write_text(index)
    for namespace in namespaces:
        (package / "lib" / namespace).mkdir()
        (package / "lib" / namespace / "index.js").write_text(
            f'"use strict";\nObject.defineProperty(exports, "__esModule", {{ value: true }});\nexports.NAME = "{namespace}";\n')
    return package


def probe(tmp_path: Path, package: Path, wanted: str = "@cdktf/provider-aws") -> tuple[dict, list[dict]]:
    """Require ``package`` in Node with the preload; its exports, files loaded and the report."""
    report = tmp_path / "report.jsonl"
    env = {**os.environ, "NODE_OPTIONS": f'--require "{node_lazy.PRELOAD}"',
           "NODE_LAZY_INDEX_PACKAGE": wanted, "NODE_LAZY_INDEX_REPORT": str(report)}
    out = subprocess.run([wheel_node(), "-e", PROBE, str(package)], env=env, capture_output=True, text=True, check=True)
    records = [json.loads(x) for x in report.read_text().splitlines()] if report.exists() else []
    return json.loads(out.stdout), records


@pytest.mark.parametrize("index, shape", [(CDKTF_SHAPE, "cdktf"), (CDKTN_SHAPE, "cdktn")])
def test_both_index_shapes_load_only_the_namespace_that_is_read(tmp_path, index, shape):
    result, records = probe(tmp_path, make_package(tmp_path, index))
    assert result["keys"] == list(NAMESPACES)  # every export is still there and enumerable
    assert result["value"] == result["again"] == "beta"
    assert result["loadedFiles"] == ["beta/index.js", "index.js"]  # alpha and gamma never loaded
    assert records[0] == {"package": "@cdktf/provider-aws", "version": "1.2.3",
                          "file": str(tmp_path / "node_modules/@cdktf/provider-aws/lib/index.js"),
                          "state": "lazy", "shape": shape, "rewritten": 3, "namespaces": 3}
    assert records[1:] == [{"loaded": "beta"}]  # once, although read twice


@pytest.mark.parametrize("index, reason", [
    (CDKTF_SHAPE.replace('exports.beta = require("./beta");', 'exports.beta = Object.assign({}, require("./beta"));'),
     "export line(s) of an unknown shape (line 6)"),
    (CDKTF_SHAPE.replace('exports.gamma = require("./gamma");\n', ""), "only 2 of 3 namespaces matched"),
    ('"use strict";\n(function (e) { e.alpha = require("./alpha"); e.beta = require("./beta"); })(exports);\n',
     "no export line has a known shape"),
])
def test_a_changed_index_shape_is_left_as_it_is_and_reported(tmp_path, index, reason):
    package = make_package(tmp_path, index)
    result, records = probe(tmp_path, package)
    # THEN Node ran the original index: every namespace it names was loaded eagerly
    assert "index.js" in result["loadedFiles"] and "alpha/index.js" in result["loadedFiles"]
    assert [r["state"] for r in records] == ["fallback"]
    assert records[0]["reason"] == reason


def test_a_package_with_another_name_is_never_touched(tmp_path):
    package = make_package(tmp_path, CDKTF_SHAPE, name="@someone/provider-aws")
    result, records = probe(tmp_path, package)
    assert result["loadedFiles"] == ["alpha/index.js", "beta/index.js", "gamma/index.js", "index.js"]
    assert records == []


def test_only_the_main_index_of_the_package_is_rewritten(tmp_path):
    # A namespace's own index.js has the same file name but is not the package's main file.
    package = make_package(tmp_path, CDKTF_SHAPE)
    (package / "lib" / "beta" / "index.js").write_text('"use strict";\nexports.NAME = require("../gamma").NAME;\n')
    result, records = probe(tmp_path, package)
    assert result["value"] == "gamma"
    assert [r.get("state") for r in records if "state" in r] == ["lazy"]


# --- the preload's code cache -------------------------------------------------------------------

SEMANTICS = {
    "lib/index.js": '"use strict";\nconst helper = require("./helper");\nmodule.exports = function probe() {\n'
                    '  return { dirname: __dirname.split("/").slice(-2).join("/"), file: __filename.split("/").pop(),\n'
                    '           helper: helper.value, resolved: require.resolve("./helper").split("/").pop(),\n'
                    '           paths: Array.isArray(require.resolve.paths("x")), cached: Boolean(require.cache[__filename]),\n'
                    '           thisIsExports: this === undefined };\n};\n',
    "lib/helper.js": 'exports.value = "from the helper";\n',
}
CACHE_PROBE = """
const probe = require(process.argv[1]);
import(require("path").join(process.argv[1], "lib", "helper.js")).then((m) => {
  console.log(JSON.stringify({ ...probe(), dynamicImport: m.value }));
});
"""


def _code_cache_run(tmp_path: Path, package: Path, cache: Path | None, options: str = "",
                    probe: str = CACHE_PROBE) -> dict:
    env = {**os.environ, "NODE_OPTIONS": f'--require "{node_lazy.PRELOAD}" {options}'.strip(),
           "TMPDIR": str(tmp_path / "tmp")}
    env.pop(node_lazy.CODE_CACHE_DIR, None)
    if cache is not None:
        env[node_lazy.CODE_CACHE_DIR] = str(cache)
    (tmp_path / "tmp").mkdir(exist_ok=True)
    out = subprocess.run([wheel_node(), "-e", probe, str(package)], env=env, capture_output=True, text=True,
                         check=True, timeout=60)
    return json.loads(out.stdout)


def _entries(cache: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} if cache.is_dir() else {}


def _node_package(root: Path, name: str, files: dict[str, str]) -> Path:
    """A package ``name`` in ``root/node_modules`` with ``files`` (its main file: lib/index.js)."""
    package = root / "node_modules" / name
    (package / "lib").mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": name, "version": "1.0.0", "main": "lib/index.js"}))
    for relative, text in files.items():
        (package / relative).write_text(text)
    return package


@pytest.mark.skipif(wheel_node() is None, reason="needs the Node.js of .venv (make install)")
def test_a_packages_modules_are_compiled_once_then_read_from_the_code_cache_and_behave_the_same(tmp_path):
    # GIVEN a package in a node_modules directory (outside the temporary directory)
    package = _node_package(tmp_path / "work", "probe", SEMANTICS)
    cache = tmp_path / "cache"
    usual = _code_cache_run(tmp_path, package, None)
    # WHEN it is loaded with the code cache: compiled and kept (one entry per module) ...
    first = _code_cache_run(tmp_path, package, cache)
    kept = _entries(cache)
    assert len(kept) == 2
    # ... then read back: nothing compiled or written again
    second = _code_cache_run(tmp_path, package, cache)
    assert _entries(cache) == kept
    # THEN the module sees what Node's own loader gives it, cached or not
    assert usual == first == second == {
        "dirname": "probe/lib", "file": "index.js", "helper": "from the helper", "resolved": "helper.js",
        "paths": True, "cached": True, "thisIsExports": True, "dynamicImport": "from the helper"}
    # a changed module is compiled again (its own new entry), never served stale
    (package / "lib" / "helper.js").write_text('exports.value = "changed, and longer";\n')
    assert _code_cache_run(tmp_path, package, cache)["helper"] == "changed, and longer"
    assert len(_entries(cache)) == 3


@pytest.mark.skipif(wheel_node() is None, reason="needs the Node.js of .venv (make install)")
def test_modules_in_the_temporary_directory_or_outside_node_modules_get_no_entry(tmp_path):
    in_tmp = _node_package(tmp_path / "tmp", "probe", SEMANTICS)
    plain = tmp_path / "work" / "plain"  # the same package, in a directory that is not node_modules
    plain.parent.mkdir(parents=True)
    in_tmp.rename(plain)
    in_tmp = _node_package(tmp_path / "tmp", "probe", SEMANTICS)
    for package in (in_tmp, plain):
        assert _code_cache_run(tmp_path, package, tmp_path / "cache")["helper"] == "from the helper"
    assert _entries(tmp_path / "cache") == {}


def test_the_code_cache_is_on_by_default_and_has_its_own_switch():
    assert os.environ[node_lazy.CODE_CACHE_DIR] == str(node_lazy.code_cache_dir())
    check = ("import os\nfrom modules import node_lazy\nnode_lazy._installed.clear()\nnode_lazy.install()\n"
             "assert node_lazy.CODE_CACHE_DIR not in os.environ, os.environ.get(node_lazy.CODE_CACHE_DIR)\n")
    subprocess.run([sys.executable, "-c", check], cwd=ROOT, check=True, timeout=60,
                   env={**os.environ, node_lazy.CODE_CACHE: "0"})


MAPPED = {
    # not strict: the module reads its own wrapper's source (what V8 keeps for the process's life)
    "lib/index.js": 'exports.source = arguments.callee.toString();\nexports.value = 42;\n'
                    '//# sourceMappingURL=data:application/json;base64,' + "QUJD" * 2000 + "\n",
    "lib/helper.js": 'exports.value = "from the helper";\n',
}
MAPPED_PROBE = """
const probe = require(process.argv[1]);
console.log(JSON.stringify({ value: probe.value, mapped: probe.source.includes("sourceMappingURL"),
                             length: probe.source.length }));
"""


@pytest.mark.skipif(wheel_node() is None, reason="needs the Node.js of .venv (make install)")
def test_a_cached_module_is_kept_without_its_inline_source_map_unless_source_maps_are_on(tmp_path):
    package = _node_package(tmp_path / "work", "mapped", MAPPED)

    def run(cache: Path | None, options: str = "") -> dict:
        return _code_cache_run(tmp_path, package, cache, options, probe=MAPPED_PROBE)

    usual = run(None)
    assert usual["value"] == 42 and usual["mapped"] and usual["length"] > 8000
    # with the code cache: the same module, its last line (the map) left out, cached or not
    for _ in range(2):
        assert run(tmp_path / "cache") == {"value": 42, "mapped": False, "length": usual["length"] - 8051}
    # with --enable-source-maps Node reads the maps: the usual compile, no entry, the map kept
    assert run(tmp_path / "maps", "--enable-source-maps")["mapped"] is True
    assert _entries(tmp_path / "maps") == {}


@pytest.mark.skipif(wheel_node() is None, reason="needs the Node.js of .venv (make install)")
def test_a_run_that_writes_to_a_full_code_cache_removes_the_least_recently_read_entries(tmp_path):
    # GIVEN a cache over its limit (6 > 5): entries last read at times 1..6, and a package not in it yet
    cache = tmp_path / "cache"
    cache.mkdir()
    for n in range(1, 7):
        entry = cache / f"{n:032x}"
        entry.write_bytes(b"old")
        os.utime(entry, (n, n))
    (cache / "not-an-entry").write_text("left alone")
    package = _node_package(tmp_path / "work", "probe", SEMANTICS)
    # WHEN a run compiles (and keeps) the package's two modules
    env = {node_lazy.CODE_CACHE_DIR: str(cache), "NODE_CODE_CACHE_LIMIT": "5"}
    out = subprocess.run([wheel_node(), "-e", CACHE_PROBE, str(package)], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "NODE_OPTIONS": f'--require "{node_lazy.PRELOAD}"', **env}, check=True)
    assert json.loads(out.stdout)["helper"] == "from the helper"
    # THEN 8 entries were too many: the least recently read go, down to two thirds of the limit (3)
    kept = {p.name for p in cache.iterdir()}
    assert "not-an-entry" in kept and f"{6:032x}" in kept  # not an entry: never touched; the newest old one
    assert {f"{n:032x}" for n in range(1, 6)}.isdisjoint(kept)  # the five least recently read are gone
    assert len(kept - {"not-an-entry", f"{6:032x}"}) == 2  # the run's own two entries stay


# --- cdktf's creation stacks -------------------------------------------------------------------

# lib/tokens/private/stack-trace.js of cdktf 0.21.0, as published
CDKTF_STACK_TRACE = '''"use strict";
// Copyright (c) HashiCorp, Inc
// SPDX-License-Identifier: MPL-2.0
// copied from https://github.com/aws/constructs/blob/e01e47f78ef1e9b600efcd23ff7705aa8d384017/lib/private/stack-trace.ts
Object.defineProperty(exports, "__esModule", { value: true });
exports.captureStackTrace = captureStackTrace;
/**
 * Captures a complete stack trace at the point of invocation.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
function captureStackTrace(below) {
    below = below || captureStackTrace; // hide myself if nothing else
    const object = { stack: "" };
    const previousLimit = Error.stackTraceLimit;
    try {
        Error.stackTraceLimit = Number.MAX_SAFE_INTEGER;
        Error.captureStackTrace(object, below);
    }
    finally {
        Error.stackTraceLimit = previousLimit;
    }
    if (!object.stack) {
        return [];
    }
    return object.stack
        .split("\\n")
        .slice(1)
        .map((s) => s.replace(/^\\s*at\\s+/, ""));
}
//# sourceMappingURL=data:application/json;base64,e30=
'''
STACK_PROBE = """
const file = require("path").join(process.argv[1], "lib", "tokens", "private", "stack-trace.js");
const { captureStackTrace } = require(file);
function makeToken() { return captureStackTrace(); }
console.log(JSON.stringify({ stack: makeToken() }));
"""


def _stack_probe(tmp_path: Path, name: str, text: str, **env: str) -> tuple[dict, list[dict]]:
    package = _node_package(tmp_path / "work", name, {})
    (package / "lib" / "tokens" / "private").mkdir(parents=True)
    (package / "lib" / "tokens" / "private" / "stack-trace.js").write_text(text)
    report = tmp_path / "report.jsonl"
    environment = {**os.environ, "NODE_OPTIONS": f'--require "{node_lazy.PRELOAD}"',
                   "NODE_LAZY_INDEX_REPORT": str(report), **env}
    for variable in ("NODE_LAZY_INDEX_PACKAGE", node_lazy.CODE_CACHE_DIR, node_lazy.CREATION_STACK):
        environment.pop(variable, None) if variable not in env else None
    out = subprocess.run([wheel_node(), "-e", STACK_PROBE, str(package)], env=environment, capture_output=True,
                         text=True, check=True, timeout=60)
    records = [json.loads(x) for x in report.read_text().splitlines()] if report.exists() else []
    return json.loads(out.stdout), records


@pytest.mark.skipif(wheel_node() is None, reason="needs the Node.js of .venv (make install)")
@pytest.mark.parametrize("value, recorded", [("1", False), ("true", False), ("0", True), (None, True)])
def test_cdktfs_creation_stacks_follow_cdk_terrains_switch(tmp_path, value, recorded):
    env = {} if value is None else {node_lazy.CREATION_STACK: value}
    result, records = _stack_probe(tmp_path, "cdktf", CDKTF_STACK_TRACE, **env)
    if recorded:  # the full stack, as cdktf records it: its caller first
        assert result["stack"][0].startswith("makeToken ") and len(result["stack"]) > 3
    else:
        assert result["stack"] == []
    assert records == [{"creation_stack_file": str(tmp_path / "work/node_modules/cdktf/lib/tokens/private/stack-trace.js"),
                        "package": "cdktf", "version": "1.0.0", "creation_stacks": "switch"}]


@pytest.mark.skipif(wheel_node() is None, reason="needs the Node.js of .venv (make install)")
def test_a_changed_stack_trace_module_or_another_package_is_compiled_as_it_is(tmp_path):
    changed = CDKTF_STACK_TRACE.replace("below = below || captureStackTrace;", "below = below || captureStackTrace ;")
    result, records = _stack_probe(tmp_path / "changed", "cdktf", changed, **{node_lazy.CREATION_STACK: "1"})
    assert result["stack"][0].startswith("makeToken ")  # recorded: the switch was not added
    assert [(r["creation_stacks"], r["reason"]) for r in records] == [("unchanged", "its text is not cdktf 0.21's")]
    result, records = _stack_probe(tmp_path / "other", "constructs", CDKTF_STACK_TRACE, **{node_lazy.CREATION_STACK: "1"})
    assert result["stack"][0].startswith("makeToken ") and records == []


def test_install_sets_the_creation_stack_switch_only_when_the_environment_has_none(monkeypatch):
    monkeypatch.setattr(node_lazy, "_installed", {})
    monkeypatch.delenv(node_lazy.CREATION_STACK, raising=False)
    monkeypatch.delenv("NODE_LAZY_CREATION_STACK_SET", raising=False)
    for variable in ("NODE_OPTIONS", node_lazy.PACKAGES, node_lazy.REPORT, node_lazy.CODE_CACHE_DIR):
        monkeypatch.setenv(variable, os.environ.get(variable, ""))
    assert node_lazy.install()
    assert os.environ[node_lazy.CREATION_STACK] == "1"
    # a child switched off (NODE_LAZY_INDEX=0) drops what install() set: the default way records them
    monkeypatch.setattr(node_lazy, "_installed", {})
    monkeypatch.setenv("NODE_LAZY_INDEX", "0")
    assert not node_lazy.install()
    assert node_lazy.CREATION_STACK not in os.environ
    # the user's own value is kept, by install() and by the switched-off child alike
    monkeypatch.setenv(node_lazy.CREATION_STACK, "0")
    assert not node_lazy.install()
    assert os.environ[node_lazy.CREATION_STACK] == "0"
    monkeypatch.setenv("NODE_LAZY_INDEX", "1")
    assert node_lazy.install() and os.environ[node_lazy.CREATION_STACK] == "0"


def test_one_line_when_cdktfs_stack_trace_module_changed(monkeypatch):
    monkeypatch.setattr(node_lazy, "status", lambda: node_lazy.Status("lazy", creation_stacks="unchanged"))
    monkeypatch.delenv("NODE_LAZY_INDEX_DEBUG", raising=False)
    monkeypatch.setenv(node_lazy.CREATION_STACK, "1")
    (line,) = node_lazy.messages()
    assert "records every token's creation stack (slower, same output)" in line
    monkeypatch.setenv(node_lazy.CREATION_STACK, "0")  # asked for: nothing to say
    assert node_lazy.messages() == []
