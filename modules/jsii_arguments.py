"""jsii's argument conversion, with a struct read from the values it was given.

Every value Python sends to Node (a construct's config, a method's arguments)
passes through jsii's ``_make_reference_for_native``, which turns a struct into
``{"$jsii.struct": {"fqn": ..., "data": {...}}}`` by calling the struct's
Python getter for *every* field it declares: each getter evaluates its
``typing.cast(typing.Optional[typing.Union[...]], ...)`` (~15,800 calls for
the three environments of one system), and every unset field travels to Node as ``null``.

A struct the bindings generate keeps what it was given in ``self._values``
(its getters are ``self._values.get("<name>")``), and holds only the fields
that were set. :func:`install` converts such a struct from ``_values``
directly, sends only the fields that were set, and converts plain values
(``str``, ``int``, ``float``, ``bool``, ``None``, ``dict``, ``list``) without
the chain of ``isinstance`` checks. The kernel drops a ``null`` optional field
of a struct (its ``mapValues`` skips what deserializes to ``undefined``), so
Node builds the same object either way: the JSON is byte-identical (tested
for every stack). Anything else — an object reference, an enum, a date, a
struct of a class the bindings did not generate, a subclass of ``dict`` —
goes to jsii's own function, unchanged.

``JSII_STRUCT_VALUES=0`` turns it off.
"""

from __future__ import annotations

import os

SWITCH = "JSII_STRUCT_VALUES"
_PLAIN = (str, int, float, bool, type(None))
_installed: dict[str, object] = {}


def enabled() -> bool:
    return os.environ.get(SWITCH, "1").strip().lower() not in ("0", "off", "false", "no")


def _generated(cls: type, packages: tuple[str, ...]) -> bool:
    """A struct class the bindings generated: its module is in one of ``packages``."""
    return cls.__module__.partition(".")[0] in packages


def install(packages: tuple[str, ...]) -> bool:
    """Convert the structs of classes in ``packages`` (top-level names) from their values; idempotent."""
    if not enabled():
        return False
    if _installed:
        return True
    import jsii._kernel as kernel_module

    original = kernel_module._make_reference_for_native
    structs: dict[type, tuple[str, dict[str, str]] | None] = {}

    def struct_of(cls: type):
        try:
            return structs[cls]
        except KeyError:
            mapping = getattr(cls, "__jsii_name_mapping__", None)
            fqn = getattr(cls, "__jsii_type__", None)
            known = (fqn, dict(mapping)) if mapping is not None and fqn and _generated(cls, packages) else None
            structs[cls] = known
            return known

    def convert(kernel, value):
        cls = type(value)
        if cls in _PLAIN:
            return value
        if cls is dict:
            return {"$jsii.map": {k: convert(kernel, v) for k, v in value.items()}}
        if cls is list:
            return [convert(kernel, item) for item in value]
        struct = struct_of(cls)
        if struct is not None:
            values = value.__dict__.get("_values")
            if type(values) is dict:
                fqn, mapping = struct
                return {"$jsii.struct": {"fqn": fqn, "data": {
                    jsii_name: convert(kernel, values[python_name])
                    for python_name, jsii_name in mapping.items()
                    if values.get(python_name) is not None}}}
        return original(kernel, value)

    convert.__wrapped__ = original
    kernel_module._make_reference_for_native = convert
    _installed.update(original=original, convert=convert)
    return True


def active() -> bool:
    """Whether jsii converts arguments through :func:`install`'s function in this process."""
    if not _installed:
        return False
    import jsii._kernel as kernel_module

    return kernel_module._make_reference_for_native is _installed["convert"]
