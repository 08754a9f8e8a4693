"""Compose the next fan-out chunk in a thread while the current one is written.

Writing a chunk is mostly waiting: PostgreSQL inserts the rows, checks the indexes and
flushes the commit while psycopg waits with the GIL released. Composing is pure Python.
Doing both at once keeps both cores busy (docs/decisions.md §14). The composed chunk is
used only if the campaign's cursor is still where it was read from; otherwise it is
dropped (its Email ids are just unused sequence values) and the chunk is composed again.
"""

from __future__ import annotations

import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType

from django.db import connections
from django.utils import translation

from mailer.campaigns.fanout import one_pass
from mailer.campaigns.fanout.one_pass import Chunk, ChunkRows

# CPython hands the GIL to a waiting thread only after this long: the writer, back from
# each database round trip, would wait up to 5 ms (the default) for the composer.
SWITCH_INTERVAL = 0.0005


class Ahead:
    """At most one chunk composed ahead; a context manager that owns the thread."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._future: Future[ChunkRows] | None = None

    def __enter__(self) -> Ahead:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            _fast_switching(False)

    def start(self, chunk: Chunk) -> None:
        """Compose ``chunk`` in the thread (replacing any chunk composed ahead before)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fan-out-compose")
            _fast_switching(True)
        self._future = self._pool.submit(_compose, chunk, translation.get_language())

    def take(self, after: int) -> ChunkRows | None:
        """The chunk composed ahead if it follows cursor ``after``, else None (and drop it)."""
        future, self._future = self._future, None
        if future is None:
            return None
        rows = future.result()  # a bug in composing is raised here, in the caller's thread
        return rows if rows.chunk.after == after else None


_switching = threading.Lock()
_switching_users = 0
_switch_interval_before = sys.getswitchinterval()


def _fast_switching(on: bool) -> None:
    """Shorten the interpreter's switch interval while any run composes ahead, then restore it.

    Counted, because the interval is the process's: runs may overlap in a threaded pool.
    """
    global _switching_users, _switch_interval_before
    with _switching:
        if on and _switching_users == 0:
            _switch_interval_before = sys.getswitchinterval()
            sys.setswitchinterval(SWITCH_INTERVAL)
        _switching_users += 1 if on else -1
        if not on and _switching_users == 0:
            sys.setswitchinterval(_switch_interval_before)


def _compose(chunk: Chunk, language: str | None) -> ChunkRows:
    """one_pass.compose in the caller's language (number formats follow it).

    Composing needs no database, but a custom template tag may query one: Django then opens
    this thread's own connection, closed here (nothing else would close it).
    """
    try:
        with translation.override(language):
            return one_pass.compose(chunk)
    finally:
        connections.close_all()
