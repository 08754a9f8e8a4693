"""Requests through the WSGI application gunicorn serves (``project.wsgi``), in the test's
process and transaction: the webhook's own route outside Django's middleware (``bouncy.wsgi``),
and Django's handler for everything it hands over."""

from __future__ import annotations

from typing import Any

from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.http import HttpResponse
from django.test import RequestFactory

from tests.support.sns import body


def post_through_wsgi(payload: dict | bytes, application: Any = None, **environ: Any) -> Any:
    """POST an envelope (dict) or raw bytes to /mail/bouncy/ as SNS does (text/plain)."""
    data = body(payload) if isinstance(payload, dict) else payload
    request = RequestFactory().post(
        "/mail/bouncy/", data=data, content_type="text/plain; charset=utf-8", **environ
    )
    return call_wsgi(request.environ, application)


def call_wsgi(environ: dict[str, Any], application: Any = None) -> HttpResponse:
    """Run ``application`` (``project.wsgi``'s) on ``environ``; its answer as an HttpResponse.

    ``served_by_route`` says whether the webhook's route answered: Django's middleware adds
    X-Frame-Options to the answers it passes through, the route does not.
    """
    if application is None:
        from project.wsgi import application
    started: list[Any] = []
    # As Django's test client does: a request handed to Django must not close the connection
    # that holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        chunks = application(environ, lambda status, headers: started.append((status, headers)))
        content = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    status, headers = started[0]
    response = HttpResponse(content, status=int(status.split()[0]))
    for name, value in headers:
        response[name] = value
    response.served_by_route = "X-Frame-Options" not in response  # type: ignore[attr-defined]
    return response
