"""SES v2 REST JSON API: SendEmail, GetAccount, event destinations, the suppression list."""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from typing import Any
from urllib.parse import unquote

from . import suppression_api
from .errors import SandboxError
from .state import SandboxState
from .submission import Submission, from_raw, from_simple
from .wire import Request, Response, json_response

SEND = ("POST", "/v2/email/outbound-emails")
ACCOUNT = ("GET", "/v2/email/account")
EVENT_DESTINATIONS = re.compile(r"/v2/email/configuration-sets/([^/]+)/event-destinations")


def handle(state: SandboxState, request: Request) -> Response:
    """Answer one REST JSON request."""
    try:
        route = (request.method, request.path.rstrip("/"))
        if route == SEND:
            record = state.submit(_submission(_json(request.body), request.region))
            return _ok({"MessageId": record["message_id"]})
        if route == ACCOUNT:
            return _ok(_account(state))
        suppression = suppression_api.answer(state, request, _json(request.body))
        if suppression is not None:
            return _ok(suppression)
        found = EVENT_DESTINATIONS.fullmatch(route[1])
        if request.method == "GET" and found:
            return _ok(_event_destinations(state, unquote(found.group(1))))
        raise SandboxError("UnknownOperation", detail=f"{request.method} {request.path}")
    except SandboxError as err:
        state.count_failure(err.fault.category)
        return render_error(err)


def render_error(err: SandboxError) -> Response:
    """v2's error shape: status, x-amzn-ErrorType header, {"message": …} body."""
    return json_response(
        {"message": err.message},
        err.fault.v2_status,
        **{"x-amzn-ErrorType": err.fault.v2_code, "x-amzn-RequestId": str(uuid.uuid4())},
    )


def _ok(payload: dict[str, Any]) -> Response:
    return json_response(payload, 200, **{"x-amzn-RequestId": str(uuid.uuid4())})


def _json(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body or b"{}")
    except ValueError as exc:
        raise SandboxError("InvalidParameterValue", detail="Body is not JSON.") from exc
    if not isinstance(payload, dict):
        raise SandboxError("InvalidParameterValue", detail="Body is not a JSON object.")
    return payload


def _submission(payload: dict[str, Any], region: str) -> Submission:
    content = payload.get("Content") or {}
    destination = payload.get("Destination") or {}
    config = payload.get("ConfigurationSetName")
    source = payload.get("FromEmailAddress")
    if "Raw" in content:
        raw = _decode(content["Raw"].get("Data", ""))
        recipients = _addresses(destination, "ToAddresses", "CcAddresses", "BccAddresses")
        return from_raw("v2-raw", raw, recipients, source, config, region)
    if "Simple" in content:
        return _simple(content["Simple"], destination, payload, region)
    raise SandboxError("InvalidParameterValue", detail="Content must be Simple or Raw.")


def _simple(
    simple: dict[str, Any], destination: dict[str, Any], payload: dict[str, Any], region: str
) -> Submission:
    body = simple.get("Body") or {}
    return from_simple(
        "v2-simple",
        payload.get("FromEmailAddress"),
        _addresses(destination, "ToAddresses"),
        _addresses(destination, "CcAddresses"),
        _addresses(destination, "BccAddresses"),
        payload.get("ReplyToAddresses") or [],
        (simple.get("Subject") or {}).get("Data", ""),
        (body.get("Text") or {}).get("Data"),
        (body.get("Html") or {}).get("Data"),
        payload.get("ConfigurationSetName"),
        region,
    )


def _addresses(destination: dict[str, Any], *keys: str) -> list[str]:
    return [address for key in keys for address in destination.get(key) or []]


def _decode(data: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SandboxError("InvalidParameterValue", detail="Raw.Data is not base64.") from exc


def _event_destinations(state: SandboxState, configuration_set: str) -> dict[str, Any]:
    return {"EventDestinations": state.account.event_destinations(configuration_set)}


def _account(state: SandboxState) -> dict[str, Any]:
    return {
        "DedicatedIpAutoWarmupEnabled": False,
        "EnforcementStatus": "HEALTHY",
        "ProductionAccessEnabled": state.account.production_access,
        "SendQuota": state.quota(),
        "SendingEnabled": True,
        "SuppressionAttributes": {"SuppressedReasons": state.suppression.reasons},
    }
