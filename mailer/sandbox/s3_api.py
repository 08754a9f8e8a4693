"""A minimal S3: GetObject in the bucket where the S3 receipt action stored received mail."""

from __future__ import annotations

from urllib.parse import unquote
from xml.sax.saxutils import escape

from .errors import SandboxError
from .inbound import BUCKET
from .state import SandboxState
from .wire import Request, Response

PREFIX = f"/{BUCKET}/"


def claims(request: Request) -> bool:
    """True for GET requests of an object in the sandbox's bucket (path-style addressing)."""
    return request.method == "GET" and request.path.startswith(PREFIX)


def handle(state: SandboxState, request: Request) -> Response:
    """The stored message, or S3's NoSuchKey."""
    key = unquote(request.path.removeprefix(PREFIX))
    data = state.feedback.stored.get(key)
    if data is None:
        return _error(404, "NoSuchKey", f"The specified key does not exist: {key}")
    return Response(200, data, "message/rfc822", {"ETag": f'"{len(data)}"'})


def render_error(err: SandboxError) -> Response:
    """An error as S3 words it (the access key ID is refused before any bucket is read)."""
    return _error(403, "InvalidAccessKeyId", err.message)


def _error(status: int, code: str, message: str) -> Response:
    body = f"<Error><Code>{code}</Code><Message>{escape(message)}</Message></Error>"
    return Response(status, body.encode(), "application/xml")
