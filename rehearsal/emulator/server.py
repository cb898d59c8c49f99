"""The emulator's lifecycle: moto's threaded server on a free loopback port, the registry's patches
installed while it runs and the fakes answered in front of moto (:class:`CompatibilityMiddleware`)."""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid

from rehearsal.emulator.core import Fake, Replace, RestFake, Undo, clear_stores
from rehearsal.emulator.registry import FAKES, PATCHES


class CompatibilityMiddleware:
    """WSGI wrapper: answers the fakes' requests, passes everything else to moto."""

    def __init__(self, app, fakes: tuple[Fake | RestFake, ...] = FAKES) -> None:
        self.app = app
        self.fakes = tuple(f for f in fakes if isinstance(f, Fake))
        self.rest_fakes = tuple(f for f in fakes if isinstance(f, RestFake))

    def __call__(self, environ, start_response):
        from urllib.parse import unquote

        scope = re.search(r"Credential=[^/]+/\d+/([^/]+)/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
        for fake in self.rest_fakes:
            path = unquote(environ.get("PATH_INFO", ""))
            if scope and scope.group(2) == fake.service and re.fullmatch(fake.path, path):
                length = int(environ.get("CONTENT_LENGTH") or 0)
                raw = environ["wsgi.input"].read(length) if length else b""
                status, answer = fake.handler(environ["REQUEST_METHOD"], path, json.loads(raw or b"{}"), scope.group(1))
                payload = json.dumps(answer).encode()
                headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload))),
                           ("x-amzn-RequestId", str(uuid.uuid4()))]
                if status >= 400:
                    headers.append(("x-amzn-ErrorType", answer.get("__type", "")))
                start_response(f"{status} {'OK' if status == 200 else 'Error'}", headers)
                return [payload]
        service, _, operation = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")
        for fake in self.fakes:
            if service == fake.target_prefix or service.endswith("." + fake.target_prefix):
                length = int(environ.get("CONTENT_LENGTH") or 0)
                raw = environ["wsgi.input"].read(length) if length else b""
                body = json.loads(raw or b"{}")
                match = re.search(r"Credential=[^/]+/\d+/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
                status, answer = fake.handler(operation, body, match.group(1) if match else "us-east-1")
                payload = json.dumps(answer).encode()
                start_response(f"{status} {'OK' if status == 200 else 'Bad Request'}", [
                    ("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(payload))),
                    ("x-amzn-RequestId", str(uuid.uuid4()))])
                return [payload]
        return self.app(environ, start_response)


def _in_front_of(dispatcher):
    def wrapped(*args, **kwargs):
        return CompatibilityMiddleware(dispatcher(*args, **kwargs))

    return wrapped


#: The server's WSGI application, wrapped so that the fakes answer before moto.
FAKES_IN_FRONT_OF_MOTO = Replace("moto.moto_server.threaded_moto_server", "DomainDispatcherApplication", _in_front_of)


class Emulator:
    """moto's threaded server on a free loopback port, with the compatibility layer while it runs.

    ``with Emulator() as url:`` starts it (patches installed) and stops it (patches undone); the
    patches change moto's classes in this process, so only one patched emulator runs at a time.
    ``compatible=False`` gives plain moto (for the probes' "moto still has the gap" side).
    ``wrap`` puts a WSGI middleware in front of everything (the fault injection of
    :mod:`rehearsal.faults`: throttling, 5xx, slow answers); defaults to none.
    """

    _running = threading.Lock()

    def __init__(self, *, compatible: bool = True, host: str = "127.0.0.1", wrap=None) -> None:
        self.compatible = compatible
        self.host = host
        self.wrap = wrap
        self.url = ""
        self._server = None
        self._undo: list[Undo] = []

    def __enter__(self) -> str:
        from moto.moto_server.threaded_moto_server import ThreadedMotoServer

        if not self._running.acquire(blocking=False):
            raise RuntimeError("an emulator is already running in this process")
        try:
            # one log line per request is noise; a request moto fails on is still logged (ERROR)
            werkzeug_log = logging.getLogger("werkzeug")
            level = werkzeug_log.level
            werkzeug_log.setLevel(logging.ERROR)
            self._undo.append(lambda: werkzeug_log.setLevel(level))
            if self.compatible:
                for patch in PATCHES:
                    self._undo.append(patch.install())
                clear_stores()
            server = ThreadedMotoServer(ip_address=self.host, port=0, verbose=False)
            if self.compatible:
                self._undo.append(FAKES_IN_FRONT_OF_MOTO.install())
            if self.wrap is not None:
                wrap = self.wrap
                self._undo.append(Replace("moto.moto_server.threaded_moto_server", "DomainDispatcherApplication",
                                          lambda dispatcher: lambda *a, **k: wrap(dispatcher(*a, **k))).install())
            server.start()
            self._server = server
            host, port = server.get_host_and_port()
            self.url = f"http://{host}:{port}"
        except BaseException:
            self._stop()
            raise
        return self.url

    def __exit__(self, *exc) -> None:
        self._stop()

    def _stop(self) -> None:
        try:
            if self._server is not None:
                self._server.stop()
                self._server = None
        finally:
            for undo in reversed(self._undo):
                undo()
            self._undo.clear()
            clear_stores()
            self._running.release()


def reset(url: str) -> None:
    """Empty every moto backend (between stacks)."""
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=30).close()
    clear_stores()
