"""The SNS webhook: read the body (bounded), run the pipeline, answer 200 or a one-line reason.

Served two ways with the same answers: as a Django view (``bouncy.urls``), and straight from
WSGI by ``bouncy.wsgi.WebhookRoute``, which skips Django's middleware and URL resolving for the
one POST SNS makes per notification.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from bouncy import pipeline
from bouncy.conf import get_settings
from bouncy.exceptions import (
    BodyTooLarge,
    CertificateNotFound,
    CertificateNotValidAtTimestamp,
    CertificateUnavailable,
    InvalidCertificate,
    InvalidNotification,
    InvalidSignature,
    Rejection,
    UnknownTopic,
    UntrustedURL,
)

logger = logging.getLogger(__name__)

# Rejections → HTTP status; the first class in the exception's MRO found here wins.
# SNS does not retry a 4xx; CertificateUnavailable answers 503 so that SNS retries later.
STATUS: dict[type[Rejection], int] = {
    BodyTooLarge: 413,
    UnknownTopic: 403,
    UntrustedURL: 403,
    InvalidCertificate: 403,
    CertificateNotFound: 403,
    CertificateNotValidAtTimestamp: 403,
    InvalidSignature: 403,
    InvalidNotification: 400,
    CertificateUnavailable: 503,
}
RETRY_AFTER_SECONDS = "60"


@csrf_exempt
def webhook(request: HttpRequest) -> HttpResponse:
    """POST /mail/bouncy/: one SNS message per request."""
    if request.method != "POST":
        return text("POST only", 405, Allow="POST")
    try:
        body = read_body(request)
    except Rejection as exc:
        return reject(request, exc)
    return answer(request, body)


def answer(request: HttpRequest, body: bytes) -> HttpResponse:
    """Verify and store ``body``: 200 with the outcome, or the rejection's status and reason."""
    try:
        outcome = pipeline.process(body)
    except Rejection as exc:
        return reject(request, exc)
    return text(outcome.status, 200)


def read_body(request: HttpRequest) -> bytes:
    """At most BOUNCY_MAX_BODY_BYTES + 1 bytes, refusing early on a larger Content-Length."""
    limit = get_settings().max_body_bytes
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"the body is over {limit} bytes")
    return request.read(limit + 1)


def reject(request: HttpRequest, exc: Rejection) -> HttpResponse:
    status = next(STATUS[cls] for cls in type(exc).__mro__ if cls in STATUS)
    reason = " ".join(str(exc).split())[:300] or type(exc).__name__
    logger.warning("bouncy: %s %s from %s: %s", status, type(exc).__name__,
                   request.META.get("REMOTE_ADDR", "?"), reason)
    headers = {"Retry-After": RETRY_AFTER_SECONDS} if status == 503 else {}
    return text(reason, status, **headers)


def text(content: str, status: int, **headers: str) -> HttpResponse:
    """A one-line plain-text answer."""
    response = HttpResponse(content + "\n", status=status, content_type="text/plain; charset=utf-8")
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response
