"""The shape of a correction, and what every service module of the layer shares.

A correction is a declarative record: what moto does (``moto``), what AWS does instead (``aws``),
the API reference that says so (``reference``), the probe that shows the gap and retires the
correction when a moto upgrade closes it (``probe``), and the correction itself:

* :class:`Patch`: attributes of moto's own code replaced while the emulator runs (``replaces``,
  each a :class:`Replace`: where, which attribute, and the new value built from moto's original);
  installed and undone by :meth:`Patch.install`, the same way for every patch;
* :class:`Fake`: a JSON-protocol API moto lacks, answered before moto sees the request (by the
  ``X-Amz-Target`` prefix);
* :class:`RestFake`: part of a REST-JSON API moto lacks (by SigV4 service and path).

What the layer keeps beside moto's backends (tags, connections, add-ons) lives in a :func:`store`,
emptied with moto's own reset. :class:`ProbeSession` gives the probes their boto3 clients.
"""

from __future__ import annotations

import importlib
import json
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

ACCOUNT_ID = "123456789012"  # moto's default account
Undo = Callable[[], None]
Probe = Callable[["ProbeSession"], bool]  # True when the gap shows


# --------------------------------------------------------------------------- replacing moto's attributes


def swap(owner: Any, name: str, new: Any) -> Undo:
    """Set ``owner.name = new``; return the function that restores the original (or removes it)."""
    missing = object()
    old = owner.__dict__.get(name, missing) if isinstance(owner, type) else getattr(owner, name, missing)
    setattr(owner, name, new)

    def undo() -> None:
        if old is missing:
            delattr(owner, name)
        else:
            setattr(owner, name, old)

    return undo


def chain(*undos: Undo) -> Undo:
    """One undo for several, run in reverse order."""

    def undo() -> None:
        for u in reversed(undos):
            u()

    return undo


def resolve(target: str) -> Any:
    """``"moto.s3.models:FakeBucket"`` -> the class; ``"moto.iam.models"`` -> the module."""
    module, _, name = target.partition(":")
    owner = importlib.import_module(module)
    return getattr(owner, name) if name else owner


@dataclass(frozen=True)
class Replace:
    """Replace ``attribute`` of ``target`` (``"module:Class"`` or ``"module"``) with
    ``build(original)`` while the emulator runs; ``original`` is moto's value (``None`` when moto
    has no such attribute, which is then removed again on undo)."""

    target: str
    attribute: str
    build: Callable[[Any], Any] = field(repr=False)

    def install(self) -> Undo:
        owner = resolve(self.target)
        return swap(owner, self.attribute, self.build(getattr(owner, self.attribute, None)))


def constant(value: Any) -> Callable[[Any], Any]:
    """A ``Replace.build`` that ignores moto's original: the attribute becomes ``value``."""
    return lambda _original: value


# --------------------------------------------------------------------------- the shape of a correction


@dataclass(frozen=True, kw_only=True)
class Correction:
    """What every correction states (the layer's docs table is made of these fields)."""

    name: str
    moto: str
    aws: str
    reference: str
    probe: Probe = field(repr=False)  # (ProbeSession) -> the gap shows


@dataclass(frozen=True, kw_only=True)
class Patch(Correction):
    """One correction of moto's behaviour, installed while the emulator runs."""

    replaces: tuple[Replace, ...] = field(repr=False)

    def install(self) -> Undo:
        undos: list[Undo] = []
        try:
            for replace in self.replaces:
                undos.append(replace.install())
        except BaseException:
            chain(*undos)()
            raise
        return chain(*undos)


@dataclass(frozen=True, kw_only=True)
class Fake(Correction):
    """An API moto does not implement at all, answered by the compatibility layer."""

    target_prefix: str  # the service part of X-Amz-Target (boto3 sends it with a namespace, Go without)
    handler: Callable[[str, dict, str], tuple[int, dict]] = field(repr=False)  # (operation, body, region)


@dataclass(frozen=True, kw_only=True)
class RestFake(Correction):
    """Part of a REST-JSON API moto does not implement, answered by the compatibility layer: requests
    signed for ``service`` whose path matches ``path`` (moto answers them with a bare 404 otherwise)."""

    service: str  # the service of the request's SigV4 credential scope, e.g. "eks"
    path: str  # regular expression the (URL-decoded) path must match in full
    handler: Callable[[str, str, dict, str], tuple[int, dict]] = field(repr=False)  # (method, path, body, region)


# --------------------------------------------------------------------------- what the layer keeps

LAYER_LOCK = threading.Lock()  # guards every store (the server answers on several threads)
_STORES: list[dict] = []


def store() -> dict:
    """A dict the layer keeps beside moto's backends; emptied by :func:`clear_stores` (moto's reset,
    the emulator's start and stop). Read and write it under :data:`LAYER_LOCK`."""
    kept: dict = {}
    _STORES.append(kept)
    return kept


def clear_stores() -> None:
    """Forget what the layer keeps beside moto's backends (with moto's own reset)."""
    with LAYER_LOCK:
        for kept in _STORES:
            kept.clear()


# --------------------------------------------------------------------------- probes


@dataclass(frozen=True)
class ProbeSession:
    """boto3 clients for the emulator at ``endpoint_url`` (fake credentials, path-style S3)."""

    endpoint_url: str
    region_name: str = "ap-northeast-2"

    def client(self, service: str):
        import boto3
        from botocore.config import Config

        return boto3.client(service, region_name=self.region_name, endpoint_url=self.endpoint_url,
                            aws_access_key_id="testing", aws_secret_access_key="testing",
                            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))


def client_error(call: Callable[[], Any], *codes: str) -> bool:
    """True when ``call`` fails the way an emulator gap does (a 500, a not-implemented, or ``codes``)."""
    from botocore.exceptions import ClientError

    try:
        call()
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return status >= 500 or code in codes or "not been implemented" in str(error)
    except Exception:  # a malformed answer the SDK cannot parse is the gap too
        return True
    return False


def raw_json(session: ProbeSession, service: str, target: str, body: dict, shows_gap: Callable[[dict], bool]) -> bool:
    """POST one JSON-protocol request (unsigned headers are enough for moto) and judge the raw body."""
    import urllib.request

    request = urllib.request.Request(
        session.endpoint_url, data=json.dumps(body).encode(), method="POST",
        headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1",
                 "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20250101/{session.region_name}/{service}/aws4_request, SignedHeaders=host, Signature=0"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return shows_gap(json.loads(response.read()))
