"""An SES-compatible HTTP server (v1 Query + v2 JSON) for tests, benchmarks and the demo."""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import Self

from .server import SandboxServer
from .state import Limits, SandboxState

__all__ = ["SESSandbox"]


class SESSandbox:
    """Start, inspect and stop an in-process SES sandbox."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        max_send_rate: float | None = None,
        max_24h_send: int | None = None,
        reported_max_send_rate: float | None = None,
        keep_raw: bool = True,
        on_accept: Callable[[dict], None] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        limits = Limits(max_send_rate, max_24h_send, reported_max_send_rate)
        self.state = SandboxState(limits, keep_raw=keep_raw, on_accept=on_accept)
        self._server: SandboxServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        """Serve in a daemon thread (binding the port now; port 0 picks a free one)."""
        if self._server is not None:
            raise RuntimeError("SESSandbox already started")
        self._server = SandboxServer((self.host, self.port), self.state)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"ses-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the port and any open connections."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.close_connections()
        if self._thread is not None:
            self._thread.join()

    @property
    def url(self) -> str:
        """The endpoint_url to give boto3."""
        if self._server is None:
            raise RuntimeError("SESSandbox not started")
        return f"http://{self.host}:{self.port}"

    def messages(self) -> list[dict]:
        """Accepted messages, oldest first."""
        return self.state.messages()

    def stats(self) -> dict[str, int]:
        """Counters: accepted, accepted_recipients, throttled, rejected, errors, 1 s peak."""
        return self.state.stats()

    def reset(self) -> None:
        """Forget messages, counters, limit history and queued faults."""
        self.state.reset()

    def add_fault(self, code: str, count: int = 1, match: str | None = None) -> None:
        """Answer the next `count` sends (with a recipient containing `match`) with `code`."""
        self.state.add_fault(code, count, match)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
