"""The HTTP server: keep-alive handler threads routing to SES v1/v2, SNS or the inspection pages."""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from . import inspection, protocol_v1, protocol_v2, s3_api, sns_api
from .errors import SandboxError
from .state import SandboxState
from .wire import Request, Response

log = logging.getLogger(__name__)


class SandboxServer(ThreadingHTTPServer):
    """A threading HTTP server holding the sandbox state and its open connections."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], state: SandboxState) -> None:
        self.state = state
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, SandboxHandler)

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        """A client that went away (a stopped worker's keep-alive connection) is no error."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("client %s disconnected", client_address)
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """Shut down every open keep-alive connection (their threads then end)."""
        with self.connections_lock:
            open_sockets = list(self.connections)
        for sock in open_sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def protocol_for(request: Request) -> ModuleType:
    """The module that answers this request."""
    if request.path.startswith(inspection.PREFIX):
        return inspection
    if request.path.startswith("/v2/"):
        return protocol_v2
    if sns_api.claims(request):
        return sns_api
    if s3_api.claims(request):
        return s3_api
    return protocol_v1


def route(state: SandboxState, request: Request) -> Response:
    """Answer a request; an unexpected exception becomes the protocol's InternalFailure."""
    protocol = protocol_for(request)
    refused = not state.account.knows_key(request.access_key) or state.switches.refusing()
    if protocol is not inspection and refused:
        state.count_failure("rejected")
        rejection: Response = protocol.render_error(SandboxError("InvalidClientTokenId"))
        return rejection
    try:
        answer: Response = protocol.handle(state, request)
        return answer
    except Exception:
        log.exception("sandbox failed on %s %s", request.method, request.path)
        state.count_failure("errors")
        if protocol is inspection:
            return Response(500, b'{"error": "internal error"}')
        failed: Response = protocol.render_error(SandboxError("InternalFailure"))
        return failed


class SandboxHandler(BaseHTTPRequestHandler):
    """One keep-alive connection; every response goes out in a single write."""

    protocol_version = "HTTP/1.1"
    server: SandboxServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        request = Request(self.command, parts.path, parts.query, self.headers, body)
        self._write(route(self.server.state, request))

    do_POST = do_PUT = do_DELETE = do_GET

    def _write(self, response: Response) -> None:
        reason = self.responses.get(response.status, ("",))[0]
        lines = [
            f"HTTP/1.1 {response.status} {reason}",
            f"Content-Type: {response.content_type}",
            f"Content-Length: {len(response.body)}",
            *(f"{name}: {value}" for name, value in response.headers.items()),
        ]
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            self.wfile.write(head + response.body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (its read timeout)
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        """Silence the per-request log lines."""
