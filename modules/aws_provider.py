"""Fast, lazy access to the prebuilt AWS provider bindings.

The provider package's ``__init__.py`` imports all ~2,200 resource
submodules eagerly (about 15 s on a small machine) although an app uses a
few dozen. Every submodule only needs the package's ``_jsii`` module (which
loads the jsii assembly), so this module registers the package in
``sys.modules`` *without* running its ``__init__`` and imports submodules on
first attribute access::

    from modules.aws_provider import aws
    aws.vpc.Vpc(self, "vpc", cidr_block="10.0.0.0/16")

If the package was already imported the normal way, that module is used as
it is. If its layout ever changes (no ``_jsii`` loader, a submodule renamed)
a :class:`ProviderLayoutError` says what is missing and how to fix it.

The package is the one :mod:`modules.framework` selected with the framework
(cdktf's or CDK Terrain's prebuilt bindings, same layout): this module names
neither.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from pathlib import Path

from modules import attribute_tokens

PACKAGE: str  # set at the end of this module, from modules.framework


class ProviderLayoutError(ImportError):
    """The provider package does not have the layout this loader relies on."""


def _stub_package() -> types.ModuleType:
    existing = sys.modules.get(PACKAGE)
    if existing is not None:
        return existing
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ProviderLayoutError(
            f"Python package {PACKAGE!r} is not installed — run 'make install' "
            "(FRAMEWORK=cdktf|cdktn; the lock files pin the provider bindings)"
        )
    locations = list(spec.submodule_search_locations)
    if not any((Path(p) / "_jsii" / "__init__.py").is_file() for p in locations):
        raise ProviderLayoutError(
            f"{PACKAGE} has no _jsii/__init__.py in {locations}: the package layout "
            "changed — pin the version in the lock file or update modules/aws_provider.py"
        )
    stub = types.ModuleType(PACKAGE, "Lazily loaded AWS provider bindings (see modules.aws_provider)")
    stub.__path__ = locations
    stub.__spec__ = spec
    stub.__file__ = spec.origin
    stub.__package__ = PACKAGE
    sys.modules[PACKAGE] = stub
    # The assembly must be loaded before any submodule defines its classes.
    importlib.import_module(f"{PACKAGE}._jsii")
    return stub


class _LazyProvider:
    """Attribute access imports ``<PACKAGE>.<name>`` once and caches it."""

    def __getattr__(self, name: str) -> types.ModuleType:
        if name.startswith("__"):
            raise AttributeError(name)
        package = _stub_package()
        full = f"{PACKAGE}.{name}"
        if full in sys.modules:
            module = sys.modules[full]
        else:
            if importlib.util.find_spec(full) is None:
                raise ProviderLayoutError(
                    f"{PACKAGE} has no submodule {name!r}: check the resource name "
                    "(e.g. 'vpc', 'security_group') against the pinned provider version"
                )
            module = importlib.import_module(full)
            attribute_tokens.cache(module)  # id/arn read from Node once per resource
        setattr(self, name, module)
        setattr(package, name, module)
        return module


def loaded_submodules() -> list[str]:
    """Names of the provider submodules imported so far (for tests and benchmarks)."""
    prefix = PACKAGE + "."
    return sorted(
        name[len(prefix):] for name in sys.modules if name.startswith(prefix) and name.count(".") == 1
    )


aws = _LazyProvider()


# Last, so that importing this module first works too: modules.framework imports ``aws``
# from here, and defines PROVIDER_PACKAGE before it does.
from modules.framework_selection import PROVIDER_PACKAGE as PACKAGE  # noqa: E402
