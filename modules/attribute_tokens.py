"""Read each resource's ``id`` and ``arn`` token from Node once, not on every access.

``resource.id`` / ``resource.arn`` on a provider resource is a jsii round trip
to Node, which answers ``this.getStringAttribute('id')``: a token that
resolves to ``${<type>.<logical id>.id}`` whatever the resource's settings
(the setter stores the *input* ``id``; the getter never returns it). The
three environments read these two attributes 493 times, 241 of them again on
a resource already read: a sixth of all round trips. :func:`cache` makes the
provider classes' ``id`` and ``arn`` properties keep the first answer on the
instance; the JSON is the same (a token is a reference, and the same token
resolves to the same string).

Only classes that are Terraform resources or data sources are touched, and
only properties named ``id`` or ``arn`` defined on the class itself;
``ATTRIBUTE_TOKEN_CACHE=0`` turns it off. :mod:`modules.aws_provider` calls
:func:`cache` on each provider submodule it imports.
"""

from __future__ import annotations

import os
import sys
import types

SWITCH = "ATTRIBUTE_TOKEN_CACHE"
ATTRIBUTES = ("id", "arn")
_MARK = "_attribute_token_cache"


def enabled() -> bool:
    return os.environ.get(SWITCH, "1").strip().lower() not in ("0", "off", "false", "no")


def _caching(prop: property, name: str) -> property:
    slot = f"__{name}_token"

    def fget(self):
        try:
            return self.__dict__[slot]
        except KeyError:
            value = self.__dict__[slot] = prop.fget(self)
            return value

    fget.__doc__ = prop.__doc__
    setattr(fget, _MARK, True)
    return property(fget, prop.fset, prop.fdel, prop.__doc__)


def cache(module: types.ModuleType) -> int:
    """Make the ``id``/``arn`` getters of ``module``'s resource classes cache their token; how many."""
    framework = sys.modules.get("cdktf") or sys.modules.get("cdktn")  # cdktn: CDK Terrain
    if not enabled() or framework is None:  # without the framework loaded there is no resource class
        return 0
    TerraformResource, TerraformDataSource = framework.TerraformResource, framework.TerraformDataSource

    changed = 0
    for value in list(vars(module).values()):
        if not (isinstance(value, type) and value.__module__ == module.__name__
                and issubclass(value, (TerraformResource, TerraformDataSource))):
            continue
        for name in ATTRIBUTES:
            prop = value.__dict__.get(name)
            if isinstance(prop, property) and prop.fget and not getattr(prop.fget, _MARK, False):
                setattr(value, name, _caching(prop, name))
                changed += 1
    return changed
