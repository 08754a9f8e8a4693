"""The webhook straight from WSGI: POST /mail/bouncy/ without Django's middleware stack.

SNS POSTs one request per notification, and a busy account sends a thousand a second. Through
Django's handler each one pays for the whole middleware stack (sessions, auth, messages, CSRF,
clickjacking: nothing a signed webhook uses), URL resolving, and a health check of the database
connection (``SELECT 1``, armed by the request signals) before its one INSERT. ``WebhookRoute``
serves those POSTs with the same view code (``bouncy.views``), so the answers are the same:
200, or a 4xx/503 with a one-line reason and nothing stored.

What it keeps from Django's path: ``ALLOWED_HOSTS`` and ``SECURE_SSL_REDIRECT`` (a request that
fails either is handed to Django, which answers it as before), ``CONN_MAX_AGE`` and closing a
connection after an error. Instead of a health check per request, a request whose connection
died while idle is tried once more on a new one; if the database is down the answer is 503 with
Retry-After, so that SNS retries (the INSERT is idempotent: a retry stores nothing twice).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.urls import reverse

from bouncy import views
from bouncy.exceptions import Rejection

logger = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class WebhookRoute:
    """WSGI middleware: POST at ``path`` is answered here; every other request goes to ``app``."""

    def __init__(self, app: WSGIApp, path: str | None = None) -> None:
        self.app = app
        self.path = path or reverse("bouncy:webhook")

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != self.path:
            return self.app(environ, start_response)
        request = WebhookRequest(environ)
        if not _direct(request):
            return self.app(environ, start_response)
        response = serve(request)
        start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
        # The content, not the response: closing a response sends request_finished, which
        # would arm the health check this route does without.
        return [response.content]


class WebhookRequest(WSGIRequest):
    """A WSGIRequest that does not parse Content-Type's parameters (a fifth of its cost): the
    webhook reads the body as bytes, whatever SNS declares (text/plain; charset=UTF-8)."""

    def _set_content_type_params(self, meta: dict[str, Any]) -> None:
        self.content_type, self.content_params = meta.get("CONTENT_TYPE", ""), {}


def _direct(request: WSGIRequest) -> bool:
    """Whether Django's middleware would let the request through to the view unchanged."""
    try:
        request.get_host()
    except DisallowedHost:
        return False  # Django answers 400 (and logs it as it always does)
    return request.is_secure() or not settings.SECURE_SSL_REDIRECT


def serve(request: WSGIRequest) -> HttpResponse:
    """The view's answer to one POST; the database connection tidied as Django would."""
    try:
        try:
            body = views.read_body(request)
        except Rejection as exc:
            return views.reject(request, exc)
        return _answer(request, body)
    except Exception:
        logger.exception("bouncy: the webhook failed")
        got_request_exception.send(sender=WSGIHandler, request=request)
        return views.text("internal error", 500)
    finally:
        tidy_connections()


def _answer(request: WSGIRequest, body: bytes) -> HttpResponse:
    """``views.answer``, tried once more on a new connection if the database connection failed."""
    for attempt in (1, 2):
        try:
            return views.answer(request, body)
        except (OperationalError, InterfaceError) as exc:
            if any(c.in_atomic_block for c in connections.all(initialized_only=True)):
                raise  # a caller's transaction (tests): not this route's to end
            close_connections()
            if attempt == 2:
                logger.error("bouncy: the database is unavailable: %s", exc)
    return views.text("the database is unavailable", 503, Retry_After=views.RETRY_AFTER_SECONDS)


def close_connections() -> None:
    for conn in connections.all(initialized_only=True):
        with contextlib.suppress(DatabaseError):  # closed anyway
            conn.close()


def tidy_connections() -> None:
    """Django's end of a request (``close_old_connections``) without arming the health check:
    close a connection past ``CONN_MAX_AGE``, one that saw an error, or one left outside
    autocommit; leave a caller's transaction alone."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is None or conn.in_atomic_block:
            continue
        expired = conn.close_at is not None and time.monotonic() >= conn.close_at
        if expired or conn.errors_occurred or not conn.get_autocommit():
            conn.close()
