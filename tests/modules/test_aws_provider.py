"""The lazy provider loader: fast because it imports only what is used, loud when the layout changes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from modules import aws_provider, framework
from modules.aws_provider import ProviderLayoutError, _LazyProvider

ROOT = Path(__file__).resolve().parents[2]


def test_loading_one_resource_module_imports_nothing_else_of_the_provider():
    # GIVEN a fresh interpreter WHEN one resource class is used through the loader
    script = textwrap.dedent("""
        import sys
        from modules.framework import PROVIDER_PACKAGE, aws
        assert aws.vpc.Vpc.TF_RESOURCE_TYPE == "aws_vpc"
        loaded = sorted(m for m in sys.modules if m.startswith(PROVIDER_PACKAGE + ".") and m.count(".") == 1)
        print(PROVIDER_PACKAGE, ",".join(loaded))
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    # THEN only the jsii assembly loader and that one submodule are imported (not ~2,200),
    # of the provider package of the framework this Python has (cdktf's or CDK Terrain's)
    package, loaded = out.stdout.split()
    assert package == framework.PROVIDER_PACKAGE
    assert loaded.split(",") == [f"{package}._jsii", f"{package}.vpc"]


def test_the_stacks_load_only_a_few_dozen_provider_submodules(dev):
    loaded = aws_provider.loaded_submodules()
    assert "vpc" in loaded and "security_group" in loaded
    assert "xray_group" not in loaded
    # Every resource type of every system (and of the modules' unit tests run earlier in the session):
    # about a hundred with EKS, Lambda and friends, a small fraction of the ~2,200 submodules.
    assert len(loaded) < 200


def test_unknown_submodule_names_the_problem_and_the_fix():
    with pytest.raises(ProviderLayoutError, match="has no submodule 'vpcc'.*check the resource name"):
        _LazyProvider().vpcc


def _fake_provider(tmp_path: Path, monkeypatch, *, with_jsii: bool) -> None:
    package = tmp_path / "fake_provider_pkg"
    (package / "vpc").mkdir(parents=True)
    (package / "__init__.py").write_text("raise RuntimeError('the eager __init__ must never run')\n")
    (package / "vpc" / "__init__.py").write_text("LOADED = True\n")
    if with_jsii:
        (package / "_jsii").mkdir()
        (package / "_jsii" / "__init__.py").write_text("ASSEMBLY = 'loaded'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(aws_provider, "PACKAGE", "fake_provider_pkg")
    for name in [m for m in sys.modules if m.startswith("fake_provider_pkg")]:
        monkeypatch.delitem(sys.modules, name)


def test_submodules_load_without_running_the_package_init(tmp_path, monkeypatch):
    _fake_provider(tmp_path, monkeypatch, with_jsii=True)
    assert _LazyProvider().vpc.LOADED is True
    assert sys.modules["fake_provider_pkg._jsii"].ASSEMBLY == "loaded"


def test_a_package_without_its_jsii_loader_is_reported_as_a_changed_layout(tmp_path, monkeypatch):
    _fake_provider(tmp_path, monkeypatch, with_jsii=False)
    with pytest.raises(ProviderLayoutError, match="no _jsii/__init__.py.*layout changed.*pin the version"):
        _LazyProvider().vpc


def test_a_missing_package_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(aws_provider, "PACKAGE", "no_such_provider_pkg")
    with pytest.raises(ProviderLayoutError, match="not installed.*make install"):
        _LazyProvider().vpc


def test_jsii_runs_on_the_node_installed_from_pypi():
    import os

    from modules.framework import wheel_node

    assert wheel_node() is not None
    assert os.environ["JSII_NODE"] == wheel_node()


def test_the_loader_uses_the_provider_package_of_the_selected_framework(dev):
    assert aws_provider.PACKAGE == framework.PROVIDER_PACKAGE == framework.FRAMEWORKS[framework.FRAMEWORK][1]
    assert aws_provider.loaded_submodules()  # the shared stacks loaded some, under that package name


def test_importing_the_loader_first_works_too():
    # modules.framework and modules.aws_provider import each other: either may come first
    script = "import modules.aws_provider as p; assert p.aws.vpc.Vpc.TF_RESOURCE_TYPE == 'aws_vpc'; print(p.PACKAGE)"
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == framework.PROVIDER_PACKAGE
