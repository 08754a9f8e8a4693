"""A minimal SNS: the signing certificate, SubscribeURL/UnsubscribeURL, ListSubscriptionsByTopic."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from .errors import SandboxError
from .state import SandboxState
from .topic import Topic
from .wire import Request, Response

NS = "http://sns.amazonaws.com/doc/2010-03-31/"
CERT_PATH = re.compile(r"/(SimpleNotificationService-[0-9a-f]+\.pem)")
_ACTION = re.compile(rb"(?:^|&)Action=([A-Za-z]+)(?:&|$)")
Params = dict[str, str]


class SnsError(Exception):
    """An SNS error answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message = status, code, message


def claims(request: Request) -> bool:
    """True for requests this module answers (checked before SES's Query API)."""
    if CERT_PATH.fullmatch(request.path):
        return True
    source = request.query.encode() if request.method == "GET" else request.body
    found = _ACTION.search(source)
    return found is not None and found.group(1).decode() in ACTIONS


def handle(state: SandboxState, request: Request) -> Response:
    """Answer one SNS request."""
    try:
        found = CERT_PATH.fullmatch(request.path)
        if found:
            return _certificate(state, found.group(1))
        source = request.query if request.method == "GET" else request.body.decode("utf-8")
        params = dict(parse_qsl(source, keep_blank_values=True))
        action = params.get("Action", "")
        return _envelope(action, ACTIONS[action](state.feedback.topic, params))
    except SnsError as err:
        return render_error(err)


def render_error(err: Exception) -> Response:
    """SNS's XML ErrorResponse (an SES SandboxError keeps its v1 status and code)."""
    if isinstance(err, SandboxError):
        err = SnsError(err.fault.v1_status, err.fault.v1_code, err.message)
    elif not isinstance(err, SnsError):
        err = SnsError(500, "InternalError", "The request processing has failed.")
    body = (
        f'<ErrorResponse xmlns="{NS}"><Error><Type>Sender</Type><Code>{err.code}</Code>'
        f"<Message>{escape(err.message)}</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    )
    return Response(err.status, body.encode(), "text/xml")


def _certificate(state: SandboxState, filename: str) -> Response:
    pem = state.feedback.certificate(filename)
    if pem is None:
        raise SnsError(404, "NotFound", f"No certificate {filename}.")
    return Response(200, pem, "application/x-x509-ca-cert")


def _envelope(action: str, result: str) -> Response:
    body = (
        f'<{action}Response xmlns="{NS}"><{action}Result>{result}</{action}Result>'
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    )
    return Response(200, body.encode(), "text/xml")


def _our_topic(topic: Topic, params: Params) -> None:
    if params.get("TopicArn") != topic.arn:
        raise SnsError(404, "NotFound", "Topic does not exist")


def _list_subscriptions_by_topic(topic: Topic, params: Params) -> str:
    _our_topic(topic, params)
    members = "".join(
        "<member>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in item.items()) + "</member>"
        for item in topic.subscriptions()
    )
    return f"<Subscriptions>{members}</Subscriptions>"


def _list_topics(topic: Topic, params: Params) -> str:
    return f"<Topics><member><TopicArn>{escape(topic.arn)}</TopicArn></member></Topics>"


def _confirm_subscription(topic: Topic, params: Params) -> str:
    _our_topic(topic, params)
    arn = topic.confirm(params.get("TopicArn", ""), params.get("Token", ""))
    if arn is None:
        raise SnsError(400, "InvalidParameter", "Invalid token")
    return f"<SubscriptionArn>{escape(arn)}</SubscriptionArn>"


def _unsubscribe(topic: Topic, params: Params) -> str:
    if not topic.unsubscribe(params.get("SubscriptionArn", "")):
        raise SnsError(404, "NotFound", "Subscription does not exist")
    return ""


ACTIONS: dict[str, Callable[[Topic, Params], str]] = {
    "ListSubscriptionsByTopic": _list_subscriptions_by_topic,
    "ListTopics": _list_topics,
    "ConfirmSubscription": _confirm_subscription,
    "Unsubscribe": _unsubscribe,
}
