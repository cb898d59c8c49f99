"""Messages to Node that Python does not wait for: string attribute reads and object creations.

Every call on a jsii object is a round trip: Python sends a message, Node
answers, Python waits. Two kinds of message need no answer Python cannot know
beforehand, and together they were ~3,800 of the ~4,000 round trips of every
stack's synth. Both ride the one-process runtime (``modules/jsii_one_process.cjs``),
which reads a line of its own (never passed to the kernel) before the kernel
reads the next message:

* **A string attribute** (``bucket.arn``): Node would run the getter
  (``this.getStringAttribute("arn")``: a reference token, entered in cdktf's
  token map under a key such as ``TOKEN.417``) and answer ``${TfToken[TOKEN.417]}``.
  Here Python answers at once with a token string of its own key
  (``${TfToken[TOKEN.py<n>]}``, characters cdktf's keys allow) and queues
  ``[object, property, key]``; the queue goes in front of the next message
  Python sends (same write). The runtime runs the same getter on the same
  object and enters its token in cdktf's token map a second time, under
  Python's key. Only properties of provider resource and data source classes
  whose getter is exactly ``return jsii.get(self, "<name>")`` typed ``str``
  (:mod:`modules.attribute_tokens` asks :func:`eligible`). A getter that does
  not answer a single string token makes the key resolve to an error naming
  the object and the property. ``JSII_DEFERRED_GETS=0`` turns it off.
* **An object creation** (every construct, resource, output: ~2,350): Node
  would construct it and answer its reference, ``<fqn>@<n>`` from the kernel's
  counter. Here Python names it (``<fqn>@<10⁹ + n>``, a range the counter never
  reaches), writes the creation at once and goes on building while Node
  constructs — the two processes work at the same time on the two cores. The
  kernel registers the object under Python's name (a kernel change honours a
  chosen name once). Only creations without Python overrides (Node never calls
  back into Python for them). If one fails, Node answers the next message
  Python waits for with that error, which Python reports with the file and line
  of the creation: an error in a constructor's arguments is raised at the
  next call that waits for Node (at the latest the synth), not at the
  constructor. ``JSII_DEFERRED_CREATES=0`` turns it off.

Node handles every line in the order Python wrote it, and Python's names and
tokens reach Node only inside later lines: the kernel does exactly the work it
did before, on the same objects. The synthesized JSON is byte-identical (tested
for every stack). Nothing is deferred unless jsii's one-process runtime runs the
kernel with the changes it needs (:data:`modules.jsii_one_process.DEFERRED_CHANGES`).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import sys
from typing import Any

SWITCH = "JSII_DEFERRED_GETS"
CREATES_SWITCH = "JSII_DEFERRED_CREATES"
LINE_KEY = "x-deferred-gets"  # the runtime's own message: {"x-deferred-gets": [[ref, property, key], ...]}
CREATE_KEY = "x-deferred-create"  # {"x-deferred-create": [ref, the create request]}
FIRST_NAME = 10**9  # Python's object names: <fqn>@<FIRST_NAME + n>; the kernel's counter starts at 10,000
_DEFERRED_REF = re.compile(r"\(deferred create of (\S+@\d+)\)")
_names = itertools.count(FIRST_NAME + 1)
_MARK = "_jsii_deferred"
# Files that stand between a construct and jsii (every jsii call passes through them): never the place of
# an error (tooling/failures.py skips them too).
OWN_FILES = frozenset({__file__, __file__.replace("jsii_deferred.py", "attribute_tokens.py"),
                       __file__.replace("jsii_deferred.py", "jsii_arguments.py")})
_created_at: dict[str, tuple[str, int]] = {}  # Python's name of an object -> (file, line) of its creation
_ALLOWED_NAMES = {"typing", "cast", "builtins", "str", "jsii", "get"}
_pending: list[list[str]] = []
_counter = itertools.count(1)
_state: dict[str, Any] = {}


def _switched_on(name: str) -> bool:
    return os.environ.get(name, "1").strip().lower() not in ("0", "off", "false", "no")


def enabled() -> bool:
    return _switched_on(SWITCH)


def creates_enabled() -> bool:
    return _switched_on(CREATES_SWITCH)


def active() -> bool:
    """Whether reads are deferred in this process (the send hook is in place and Node understands it)."""
    return bool(_state.get("installed")) and bool(_state.get("gets"))


def creates_active() -> bool:
    """Whether creations are deferred in this process."""
    return bool(_state.get("creates"))


def install() -> bool:
    """Defer what is switched on, when the kernel has the changes it needs; idempotent. Whether any is."""
    if _state.get("installed"):
        return True
    gets, creates = enabled(), creates_enabled()
    if not (gets or creates):
        return False
    from modules import jsii_one_process

    if not all(jsii_one_process.applied(change) for change in jsii_one_process.DEFERRED_CHANGES):
        return False  # jsii's relay, or a kernel whose reader, object table or naming changed shape
    from jsii._kernel.providers import process

    if getattr(process._NodeProcess.send, _MARK, False):  # hooked before (a test reset the state)
        _state.update(installed=True, gets=gets, creates=getattr(process.ProcessProvider.create, _MARK, False),
                      send=process._NodeProcess.send.__wrapped__,
                      create=getattr(process.ProcessProvider.create, "__wrapped__", None))
        return True
    send = process._NodeProcess.send

    def send_after_the_queue(self, request, response_type):
        _write_queue(self._process.stdin)  # flushed with the request, in the same write
        try:
            return send(self, request, response_type)
        except (RuntimeError, process.JSIIError) as error:
            where = _creation_of(error)
            if where is None:
                raise
            located = type(error)(f"{error} — that object was created at {where[0]}:{where[1]}")
            located.created_at = where  # what tooling/failures.py reports as the error's place
            raise located from error

    send_after_the_queue.__wrapped__ = send
    setattr(send_after_the_queue, _MARK, True)
    process._NodeProcess.send = send_after_the_queue
    _state.update(installed=True, gets=gets, send=send)
    if creates:
        create = process.ProcessProvider.create

        def create_without_waiting(self, request):
            if request.overrides:  # Node may call back into Python while it constructs: wait for it
                return create(self, request)
            name = f"{request.fqn}@{next(_names)}"
            node = self._process
            body = node._serializer.unstructure(request)
            line = json.dumps({CREATE_KEY: [name, body]}, default=process.jdefault).encode() + b"\n"
            stdin = node._process.stdin
            _write_queue(stdin)
            stdin.write(line)
            stdin.flush()  # Node constructs it while Python goes on
            _created_at[name] = _caller()
            return process.CreateResponse(ref=name)

        create_without_waiting.__wrapped__ = create
        setattr(create_without_waiting, _MARK, True)
        process.ProcessProvider.create = create_without_waiting
        _state.update(creates=True, create=create)
    return True


def _write_queue(stdin) -> None:
    if _pending:
        line = json.dumps({LINE_KEY: _pending}).encode() + b"\n"
        _pending.clear()
        stdin.write(line)


def _caller() -> tuple[str, int]:
    """(file, line) of the first frame outside jsii, the bindings and this module."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if "site-packages" not in name and name not in OWN_FILES:
            return name, frame.f_lineno
        frame = frame.f_back
    return "an unknown place", 0


def _creation_of(error: BaseException) -> tuple[str, int] | None:
    found = _DEFERRED_REF.search(str(error))
    return _created_at.get(found.group(1)) if found else None


def eligible(prop: property) -> str | None:
    """The jsii property name when ``prop``'s getter is exactly ``return jsii.get(self, "<name>")``
    (``typing.cast`` to ``str`` around it allowed) and typed ``str``; otherwise None."""
    fget = prop.fget
    code = getattr(fget, "__code__", None)
    if code is None or code.co_argcount != 1 or code.co_kwonlyargcount or code.co_varnames[:1] != ("self",):
        return None
    if getattr(fget, "__annotations__", {}).get("return") not in ("builtins.str", str):
        return None
    if not set(code.co_names) <= _ALLOWED_NAMES or not {"jsii", "get"} <= set(code.co_names):
        return None
    names = [c for c in code.co_consts if isinstance(c, str)]
    if len(names) != 1 or not names[0].isidentifier():
        return None
    return names[0]


def token(instance: Any, name: str) -> str | None:
    """A token string for ``instance``'s property ``name``, queued for Node; None when not deferred."""
    ref = getattr(getattr(instance, "__jsii_ref__", None), "ref", None)
    if not _state.get("gets") or not isinstance(ref, str):
        return None
    key = f"TOKEN.py{next(_counter)}"
    _pending.append([ref, name, key])
    return "${TfToken[" + key + "]}"


def wait_for_node() -> None:
    """Return once Node has handled every line Python wrote (one round trip; none when nothing is deferred)."""
    if _state.get("installed"):
        from jsii._runtime import kernel

        kernel.stats()
