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
only the properties defined on the class itself: every attribute getter
(``name``, ``key_id``, ``bucket``, …: each returns the attribute's reference
token whatever was set), never an ``*_input`` getter (it returns what was set,
which a setter changes). Meta-arguments (``depends_on``, ``count``,
``provider``, …) are the framework's properties, not the class's, and stay
uncached. :mod:`modules.aws_provider` calls :func:`cache` on each provider
submodule it imports.

:func:`cache_constructs` does the same for what never changes once a construct
exists: ``construct.node``, ``node.id`` and ``node.path``; and it records, on the
Python side, the scope a construct of ours (a Python subclass of
``Construct``) was created in, so :func:`enclosing` finds the enclosing stack
without asking Node (``TerraformStack.of`` was ~400 round trips for every stack).
A construct whose scope was not recorded (one the framework created) is
answered by Node, as before.

A string attribute's first read does not wait for Node either: :mod:`modules.jsii_deferred`
makes its token in Python and registers it with the next message (``JSII_DEFERRED_GETS=0``).

``ATTRIBUTE_TOKEN_CACHE=0`` turns all of it off.
"""

from __future__ import annotations

import os
import sys
import types

from modules import jsii_deferred

SWITCH = "ATTRIBUTE_TOKEN_CACHE"
INPUT_SUFFIX = "_input"  # getters of what was set: never cached
SCOPE = "_construct_scope"  # where a Python construct records the scope it was created in
_MARK = "_attribute_token_cache"


def enabled() -> bool:
    return os.environ.get(SWITCH, "1").strip().lower() not in ("0", "off", "false", "no")


def _caching(prop: property, name: str, deferrable: bool = False) -> property:
    slot = f"__{name}_token"
    jsii_name = jsii_deferred.eligible(prop) if deferrable else None

    if jsii_name is None:
        def fget(self):
            try:
                return self.__dict__[slot]
            except KeyError:
                value = self.__dict__[slot] = prop.fget(self)
                return value
    else:
        def fget(self):  # a string attribute: its token made in Python, registered with the next message
            try:
                return self.__dict__[slot]
            except KeyError:
                value = jsii_deferred.token(self, jsii_name)
                if value is None:
                    value = prop.fget(self)
                self.__dict__[slot] = value
                return value

    fget.__doc__ = prop.__doc__
    fget.__dict__.update(getattr(prop.fget, "__dict__", {}))  # __jsii_name__: a Python override is still one
    fget.__wrapped_property__ = prop  # the bindings' own property (tests ask Node through it)
    setattr(fget, _MARK, True)
    return property(fget, prop.fset, prop.fdel, prop.__doc__)


def _cache_property(klass: type, name: str, deferrable: bool = False) -> bool:
    prop = klass.__dict__.get(name)
    if isinstance(prop, property) and prop.fget and not getattr(prop.fget, _MARK, False):
        setattr(klass, name, _caching(prop, name, deferrable))
        return True
    return False


def cache(module: types.ModuleType) -> int:
    """Make the attribute getters of ``module``'s resource and data source classes cache their token;
    how many."""
    framework = sys.modules.get("cdktf") or sys.modules.get("cdktn")  # cdktn: CDK Terrain
    if not enabled() or framework is None:  # without the framework loaded there is no resource class
        return 0
    TerraformResource, TerraformDataSource = framework.TerraformResource, framework.TerraformDataSource

    changed = 0
    for value in list(vars(module).values()):
        if not (isinstance(value, type) and value.__module__ == module.__name__
                and issubclass(value, (TerraformResource, TerraformDataSource))):
            continue
        for name in [n for n, v in vars(value).items() if isinstance(v, property) and not n.endswith(INPUT_SUFFIX)]:
            changed += _cache_property(value, name, deferrable=True)
    return changed


def cache_constructs(constructs: types.ModuleType) -> int:
    """``Construct.node``, ``Node.id`` and ``Node.path`` read once per object, and the scope of every
    construct created from Python recorded on it (:func:`enclosing`); how many members changed."""
    if not enabled():
        return 0
    changed = sum(_cache_property(klass, name) for klass, name in
                  ((constructs.Construct, "node"), (constructs.Node, "id"), (constructs.Node, "path")))
    init = constructs.Construct.__init__
    if not getattr(init, _MARK, False):
        def __init__(self, scope, id: str) -> None:
            init(self, scope, id)
            self.__dict__[SCOPE] = scope

        __init__.__doc__ = init.__doc__
        setattr(__init__, _MARK, True)
        constructs.Construct.__init__ = __init__
        changed += 1
    return changed


def enclosing(construct: object, kind: type) -> object | None:
    """The first of ``construct`` and its recorded scopes that is a ``kind``; None when the chain of
    recorded scopes ends before one (the caller then asks Node)."""
    current = construct
    while current is not None:
        if isinstance(current, kind):
            return current
        current = getattr(current, "__dict__", {}).get(SCOPE)
    return None
