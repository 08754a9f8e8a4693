"""SES v2's suppression endpoints: list, get, put and delete an address, the account setting.

Shapes as botocore's sesv2 model has them: ``ListSuppressedDestinations`` is
``GET /v2/email/suppression/addresses`` with ``Reason`` (repeated), ``StartDate``, ``EndDate``
(ISO 8601), ``PageSize`` and ``NextToken`` in the query; ``LastUpdateTime`` is answered in Unix
time; an unknown address is a 404 ``NotFoundException``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote

from .errors import SandboxError
from .state import SandboxState
from .suppression import AccountSuppressionList
from .wire import Request

ADDRESSES = "/v2/email/suppression/addresses"
ACCOUNT_SETTING = "/v2/email/account/suppression"

Json = dict[str, Any]
Answer = Callable[[AccountSuppressionList, Request, Json], Json]


def route(request: Request) -> tuple[str, str] | None:
    """(operation name, address or "") for a suppression request, else None."""
    path, method = request.path.rstrip("/"), request.method
    if path == ADDRESSES:
        name = {"GET": "ListSuppressedDestinations", "PUT": "PutSuppressedDestination"}
        return (name[method], "") if method in name else None
    if path.startswith(ADDRESSES + "/"):
        address = unquote(path.removeprefix(ADDRESSES + "/"))
        name = {"GET": "GetSuppressedDestination", "DELETE": "DeleteSuppressedDestination"}
        return (name[method], address) if method in name else None
    if path == ACCOUNT_SETTING and method == "PUT":
        return ("PutAccountSuppressionAttributes", "")
    return None


def answer(state: SandboxState, request: Request, payload: Json) -> Json | None:
    """The JSON answer of a suppression request (None if the request is not one)."""
    found = route(request)
    if found is None:
        return None
    operation, address = found
    listed = state.suppression
    listed.enter(operation)
    return _OPERATIONS[operation](listed, request, payload | {"address": address})


def _list(listed: AccountSuppressionList, request: Request, payload: Json) -> Json:
    query = parse_qs(request.query)
    page = listed.page(
        reasons=query.get("Reason", []),
        start=_time(query, "StartDate"),
        end=_time(query, "EndDate"),
        size=_size(query),
        token=query.get("NextToken", [None])[0],
    )
    result: Json = {"SuppressedDestinationSummaries": [item.summary() for item in page.items]}
    if page.next_token:
        result["NextToken"] = page.next_token
    return result


def _get(listed: AccountSuppressionList, request: Request, payload: Json) -> Json:
    return {"SuppressedDestination": listed.get(payload["address"]).detail()}


def _put(listed: AccountSuppressionList, request: Request, payload: Json) -> Json:
    listed.put(str(payload.get("EmailAddress") or ""), str(payload.get("Reason") or ""))
    return {}


def _delete(listed: AccountSuppressionList, request: Request, payload: Json) -> Json:
    listed.delete(payload["address"])
    return {}


def _set_reasons(listed: AccountSuppressionList, request: Request, payload: Json) -> Json:
    reasons = payload.get("SuppressedReasons") or []
    if not isinstance(reasons, list):
        raise SandboxError("InvalidParameterValue", detail="SuppressedReasons must be a list.")
    listed.set_reasons(reasons)
    return {}


_OPERATIONS: dict[str, Answer] = {
    "ListSuppressedDestinations": _list,
    "GetSuppressedDestination": _get,
    "PutSuppressedDestination": _put,
    "DeleteSuppressedDestination": _delete,
    "PutAccountSuppressionAttributes": _set_reasons,
}


def _time(query: dict[str, list[str]], key: str) -> float | None:
    value = query.get(key, [""])[0]
    if not value:
        return None
    try:
        return float(value) if value.replace(".", "", 1).isdigit() else _iso(value)
    except ValueError as exc:
        raise SandboxError("InvalidParameterValue", detail=f"{key} is not a date.") from exc


def _iso(value: str) -> float:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _size(query: dict[str, list[str]]) -> int:
    value = query.get("PageSize", ["100"])[0]
    if not value.isdigit():
        raise SandboxError("InvalidParameterValue", detail="PageSize must be a number.")
    return int(value)
