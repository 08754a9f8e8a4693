"""Plain HTTP request and response values passed between the server and the protocols."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from email.message import Message

_REGION = re.compile(r"Credential=[^/,]+/\d+/([a-z0-9-]+)/")
_ACCESS_KEY = re.compile(r"Credential=([^/,\s]+)/")


@dataclass(frozen=True)
class Request:
    """What the protocols need from one HTTP request."""

    method: str
    path: str
    query: str
    headers: Message
    body: bytes

    @property
    def region(self) -> str:
        """The region of the SigV4 credential scope (the signature itself is not checked)."""
        found = _REGION.search(self.headers.get("Authorization", ""))
        return found.group(1) if found else "us-east-1"

    @property
    def access_key(self) -> str:
        """The access key ID of the SigV4 credential ("" when the request is not signed)."""
        found = _ACCESS_KEY.search(self.headers.get("Authorization", ""))
        return found.group(1) if found else ""


@dataclass(frozen=True)
class Response:
    """A complete HTTP answer."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(payload: object, status: int = 200, **headers: str) -> Response:
    """A JSON answer."""
    return Response(status, json.dumps(payload).encode(), "application/json", headers)
