"""SES v1 Query API: form-encoded `Action=` requests in, the real XML shapes out."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from .errors import SandboxError
from .state import SandboxState
from .submission import from_raw, from_simple
from .wire import Request, Response

NS = "http://ses.amazonaws.com/doc/2010-12-01/"
Params = dict[str, str]


def handle(state: SandboxState, request: Request) -> Response:
    """Answer one Query API request."""
    try:
        params = dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
        action = params.get("Action", "")
        handler = ACTIONS.get(action)
        if handler is None:
            raise SandboxError("UnknownOperation", detail=action or "(none)")
        return _envelope(action, handler(state, params, request))
    except SandboxError as err:
        state.count_failure(err.fault.category)
        return render_error(err)


def render_error(err: SandboxError) -> Response:
    """The XML ErrorResponse for `err`."""
    fault = err.fault
    body = (
        f'<ErrorResponse xmlns="{NS}"><Error><Type>{fault.v1_type}</Type>'
        f"<Code>{fault.v1_code}</Code><Message>{escape(err.message)}</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    )
    return Response(fault.v1_status, body.encode(), "text/xml")


def _envelope(action: str, result: str) -> Response:
    request_id = str(uuid.uuid4())
    body = (
        f'<{action}Response xmlns="{NS}"><{action}Result>{result}</{action}Result>'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    )
    return Response(200, body.encode(), "text/xml", {"x-amzn-RequestId": request_id})


def members(params: Params, prefix: str) -> list[str]:
    """The values of `prefix.member.1`, `prefix.member.2`, …"""
    values: list[str] = []
    while (value := params.get(f"{prefix}.member.{len(values) + 1}")) is not None:
        values.append(value)
    return values


def _send_raw_email(state: SandboxState, params: Params, request: Request) -> str:
    try:
        raw = base64.b64decode(params.get("RawMessage.Data", ""), validate=True)
    except binascii.Error as exc:
        detail = "RawMessage.Data is not base64."
        raise SandboxError("InvalidParameterValue", detail=detail) from exc
    submission = from_raw(
        "v1-raw",
        raw,
        members(params, "Destinations"),
        params.get("Source"),
        params.get("ConfigurationSetName"),
        request.region,
    )
    return _message_id(state.submit(submission))


def _send_email(state: SandboxState, params: Params, request: Request) -> str:
    submission = from_simple(
        "v1-simple",
        params.get("Source"),
        members(params, "Destination.ToAddresses"),
        members(params, "Destination.CcAddresses"),
        members(params, "Destination.BccAddresses"),
        members(params, "ReplyToAddresses"),
        params.get("Message.Subject.Data", ""),
        params.get("Message.Body.Text.Data"),
        params.get("Message.Body.Html.Data"),
        params.get("ConfigurationSetName"),
        request.region,
    )
    return _message_id(state.submit(submission))


def _message_id(record: dict[str, Any]) -> str:
    return f"<MessageId>{record['message_id']}</MessageId>"


def _get_send_quota(state: SandboxState, params: Params, request: Request) -> str:
    return "".join(f"<{key}>{value}</{key}>" for key, value in state.quota().items())


def _get_account_sending_enabled(state: SandboxState, params: Params, request: Request) -> str:
    return "<Enabled>true</Enabled>"


def _verify_email_identity(state: SandboxState, params: Params, request: Request) -> str:
    state.verify_identity(params.get("EmailAddress", ""))
    return ""


def _list_identities(state: SandboxState, params: Params, request: Request) -> str:
    kind = params.get("IdentityType")
    emails = kind == "EmailAddress"
    wanted = [i for i in state.identities() if kind is None or ("@" in i) == emails]
    listed = "".join(f"<member>{escape(identity)}</member>" for identity in wanted)
    return f"<Identities>{listed}</Identities>"


def verification_status(state: SandboxState, identity: str) -> str | None:
    """Success for verified identities, Pending for ones only asked for, else None (unknown)."""
    if state.account.is_verified(identity):
        return "Success"
    return "Pending" if identity in state.identities() else None


def _get_identity_verification_attributes(
    state: SandboxState, params: Params, request: Request
) -> str:
    entries = ""
    for identity in members(params, "Identities"):
        status = verification_status(state, identity)
        if status is not None:
            entries += (
                f"<entry><key>{escape(identity)}</key><value>"
                f"<VerificationStatus>{status}</VerificationStatus></value></entry>"
            )
    return f"<VerificationAttributes>{entries}</VerificationAttributes>"


def _get_identity_notification_attributes(
    state: SandboxState, params: Params, request: Request
) -> str:
    topics = state.account.notification_topics()
    forwarding = "false" if topics else "true"
    values = "".join(f"<{key}>{escape(arn)}</{key}>" for key, arn in topics.items())
    entries = "".join(
        f"<entry><key>{escape(identity)}</key><value><ForwardingEnabled>{forwarding}"
        f"</ForwardingEnabled>{values}</value></entry>"
        for identity in members(params, "Identities")
        if verification_status(state, identity) is not None
    )
    return f"<NotificationAttributes>{entries}</NotificationAttributes>"


def _describe_active_receipt_rule_set(state: SandboxState, params: Params, request: Request) -> str:
    rule_set = state.account.receipt_rule_set()
    if rule_set is None:
        return ""
    rules = "".join(_rule(rule) for rule in rule_set["Rules"])
    return f"<Metadata><Name>{escape(rule_set['Name'])}</Name></Metadata><Rules>{rules}</Rules>"


def _rule(rule: dict[str, Any]) -> str:
    recipients = "".join(f"<member>{escape(r)}</member>" for r in rule["Recipients"])
    actions = "".join(
        f"<member><SNSAction><TopicArn>{escape(a['SNSAction']['TopicArn'])}</TopicArn>"
        f"<Encoding>{a['SNSAction']['Encoding']}</Encoding></SNSAction></member>"
        for a in rule["Actions"]
    )
    return (
        f"<member><Name>{escape(rule['Name'])}</Name><Enabled>true</Enabled>"
        f"<ScanEnabled>true</ScanEnabled><Recipients>{recipients}</Recipients>"
        f"<Actions>{actions}</Actions></member>"
    )


ACTIONS: dict[str, Callable[[SandboxState, Params, Request], str]] = {
    "SendRawEmail": _send_raw_email,
    "SendEmail": _send_email,
    "GetSendQuota": _get_send_quota,
    "GetAccountSendingEnabled": _get_account_sending_enabled,
    "VerifyEmailIdentity": _verify_email_identity,
    "ListIdentities": _list_identities,
    "GetIdentityVerificationAttributes": _get_identity_verification_attributes,
    "GetIdentityNotificationAttributes": _get_identity_notification_attributes,
    "DescribeActiveReceiptRuleSet": _describe_active_receipt_rule_set,
}
