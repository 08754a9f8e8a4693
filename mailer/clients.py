"""Process-wide clients, kept one way: each built once per process under one lock, dropped by
kind after a fork or a settings change. The Redis client every part of Mailroom shares (the
limiter, its shared state, the wake-ups) is made here."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import redis

from mailer.conf import get_settings

T = TypeVar("T")
Key = tuple[str | None, ...]  # (kind, …): the kind names what ``forget`` drops

_lock = threading.RLock()  # a client's build may take another shared client
_clients: dict[Key, Any] = {}


def shared(key: Key, build: Callable[[], T]) -> T:
    """The process's client under ``key``, built by ``build`` the first time it is asked for."""
    found: T | None = _clients.get(key)
    if found is None:
        with _lock:
            found = _clients.get(key)
            if found is None:
                found = _clients[key] = build()
    return found


def forget(kind: str) -> None:
    """Drop every client of ``kind`` (the next use builds a fresh one)."""
    with _lock:
        for key in [key for key in _clients if key[0] == kind]:
            del _clients[key]


def redis_client() -> redis.Redis:
    """The process's Redis client for REDIS_URL: one connection pool, shared by every thread."""
    url = get_settings().redis_url
    return shared(
        ("redis", url),
        lambda: redis.Redis.from_url(url, socket_timeout=10, health_check_interval=30),
    )
