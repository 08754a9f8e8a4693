"""Running code in several threads at once, as concurrent workers would."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def run_in_threads(
    target: Callable[[], object], count: int, timeout: float = 60
) -> list[BaseException]:
    """Run ``target`` in ``count`` threads at once and wait for them; returns what they raised.

    Each thread has its own database connection, closed when it ends (else the test database
    could not be dropped)."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            target()
        except BaseException as exc:  # noqa: BLE001  (returned to the test, which asserts)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return errors
