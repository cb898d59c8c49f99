"""A resource's string attribute read without waiting for Node: its token registered with the next message.

``bucket.arn`` on a provider resource is a jsii round trip: Python sends ``get``,
Node runs the getter (``this.getStringAttribute("arn")``: a reference token,
registered in cdktf's token map under a key such as ``TOKEN.417``) and answers
``${TfToken[TOKEN.417]}``. Every stack's synth made ~1,480 of them; Node's part
is ~35 µs, the rest of the ~200 µs is the message both ways and Python waiting.

Here Python answers at once with a token string of its own key
(``${TfToken[TOKEN.py<n>]}``, the characters cdktf's keys allow) and queues
``[object, property, key]``. The queue goes to Node in front of the next
message Python sends (one write, no answer of its own): the one-process runtime
(``modules/jsii_one_process.cjs``) takes that line off the kernel's input, runs
the same getter on the same object, and enters its token in cdktf's token map a
second time, under Python's key. Node reads the next message only after that, and
Python's string can reach Node only inside a later message: wherever cdktf meets
the key, it finds the token the getter made. The synthesized JSON is the same
(tested for every stack); a getter that does not answer a single string token
(it never happens for the attributes deferred) makes its key resolve to an error
that names the object and the property.

Only where it cannot go wrong: jsii's one-process runtime is in use (the relay
process would hand the line to the kernel), and only properties of provider
resource and data source classes whose getter is exactly
``return jsii.get(self, "<name>")`` typed ``str`` (:mod:`modules.attribute_tokens`
asks :func:`eligible`). ``JSII_DEFERRED_GETS=0`` turns it off.
"""

from __future__ import annotations

import itertools
import json
import os
from typing import Any

SWITCH = "JSII_DEFERRED_GETS"
LINE_KEY = "x-deferred-gets"  # the runtime's own message: {"x-deferred-gets": [[ref, property, key], ...]}
_ALLOWED_NAMES = {"typing", "cast", "builtins", "str", "jsii", "get"}
_pending: list[list[str]] = []
_counter = itertools.count(1)
_state: dict[str, Any] = {}


def enabled() -> bool:
    return os.environ.get(SWITCH, "1").strip().lower() not in ("0", "off", "false", "no")


def active() -> bool:
    """Whether reads are deferred in this process (the send hook is in place and Node understands it)."""
    return bool(_state.get("installed"))


def install() -> bool:
    """Put the queue in front of every message to Node; only with jsii's one-process runtime. Idempotent."""
    if _state.get("installed"):
        return True
    if not enabled():
        return False
    from modules import jsii_one_process

    if not all(jsii_one_process.applied(change) for change in jsii_one_process.DEFERRED_GETS_CHANGES):
        return False  # jsii's relay, or a kernel whose reader or object table changed shape
    from jsii._kernel.providers import process

    send = process._NodeProcess.send

    def send_after_the_queue(self, request, response_type):
        if _pending:
            line = json.dumps({LINE_KEY: _pending}).encode() + b"\n"
            _pending.clear()
            self._process.stdin.write(line)  # flushed with the request, in the same write
        return send(self, request, response_type)

    send_after_the_queue.__wrapped__ = send
    process._NodeProcess.send = send_after_the_queue
    _state.update(installed=True, send=send)
    return True


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
    if not _state.get("installed") or not isinstance(ref, str):
        return None
    key = f"TOKEN.py{next(_counter)}"
    _pending.append([ref, name, key])
    return "${TfToken[" + key + "]}"
