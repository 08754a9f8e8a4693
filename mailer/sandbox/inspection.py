"""The /_sandbox/ endpoints: what the sandbox received and published, counters, reset, faults,
the account's suppression list."""

from __future__ import annotations

import json
import time
from html import escape
from typing import Any
from urllib.parse import parse_qs

from .inbound import Inbound
from .state import SandboxState
from .wire import Request, Response, json_response

PREFIX = "/_sandbox"
PAGE_SIZE = 100


def handle(state: SandboxState, request: Request) -> Response:
    """Answer one inspection request."""
    route = (request.method, request.path.removeprefix(PREFIX).rstrip("/"))
    if route == ("GET", ""):
        published = state.feedback.log.entries(PAGE_SIZE)
        html = page(state.messages(PAGE_SIZE)) + feedback_page(published)
        return Response(200, html.encode(), "text/html; charset=utf-8")
    if route == ("GET", "/messages"):
        return json_response(state.messages(_last(request.query)))
    if route == ("GET", "/notifications"):
        return json_response(state.feedback.log.entries(_last(request.query)))
    if route == ("GET", "/subscription"):
        return json_response(state.feedback.topic.describe())
    if route == ("POST", "/subscription-confirmation"):
        return json_response(state.feedback.request_confirmation())
    if route == ("POST", "/inbound"):
        return _receive(state, request.body)
    if route == ("GET", "/stats"):
        return json_response(state.stats())
    if route == ("POST", "/reset"):
        state.reset()
        return json_response({"ok": True})
    if route == ("GET", "/suppression"):
        return json_response(state.suppression.describe())
    if route == ("GET", "/faults"):
        return json_response(state.pending_faults())
    if route == ("POST", "/faults"):
        return _add_fault(state, request.body)
    if route == ("GET", "/switches"):
        return json_response(state.switches.describe())
    if route == ("POST", "/switches"):
        return _set_switches(state, request.body)
    return json_response({"error": f"no such endpoint: {request.method} {request.path}"}, 404)


def _last(query: str) -> int | None:
    """The `last=N` query parameter, if any."""
    value = parse_qs(query).get("last", [""])[0]
    return int(value) if value.isdigit() else None


def _add_fault(state: SandboxState, body: bytes) -> Response:
    try:
        spec = json.loads(body or b"{}")
        if spec.get("operation"):  # a suppression API call, not a send
            count, after = int(spec.get("count", 1)), int(spec.get("after", 0))
            state.suppression.add_fault(spec["code"], count, spec["operation"], after)
        else:
            state.add_fault(spec["code"], int(spec.get("count", 1)), spec.get("match"))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return json_response({"error": f"bad fault: {exc!s}"}, 400)
    return json_response({"ok": True, "pending": state.pending_faults()})


def _set_switches(state: SandboxState, body: bytes) -> Response:
    try:
        state.switches.apply(json.loads(body or b"{}"))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return json_response({"error": f"bad switches: {exc!s}"}, 400)
    return json_response(state.switches.describe())


def _receive(state: SandboxState, body: bytes) -> Response:
    """POST /_sandbox/inbound {"raw": MIME text, "recipients", "sender", "verdicts", "encoding"}."""
    try:
        spec = json.loads(body or b"{}")
        raw = spec.pop("raw").encode("utf-8")
        spec["recipients"] = tuple(spec.get("recipients") or ())
        published = state.feedback.receive(Inbound(raw, **spec))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return json_response({"error": f"bad inbound message: {exc!s}"}, 400)
    return json_response(published)


def page(messages: list[dict[str, Any]]) -> str:
    """A small HTML table of the given messages, newest first."""
    rows = "".join(_row(record) for record in reversed(messages))
    return (
        "<!doctype html><meta charset=utf-8><title>SES sandbox</title>"
        "<style>body{font:14px sans-serif}td,th{padding:2px 8px;text-align:left}</style>"
        f"<h1>SES sandbox: last {len(messages)} messages received</h1>"
        "<table><tr><th>Time</th><th>From</th><th>To</th><th>Subject</th><th>API</th></tr>"
        f"{rows}</table>"
    )


def feedback_page(entries: list[dict[str, Any]]) -> str:
    """A small HTML table of the SNS messages published, newest first."""
    rows = "".join(_feedback_row(entry) for entry in reversed(entries))
    return (
        f"<h2>Feedback: last {len(entries)} SNS messages published</h2>"
        "<table><tr><th>Time</th><th>Type</th><th>Recipients</th><th>SES MessageId</th>"
        f"<th>Webhook</th><th>Result</th></tr>{rows}</table>"
    )


def _feedback_row(entry: dict[str, Any]) -> str:
    statuses = ", ".join(str(a["status"] or a["error"]) for a in entry["attempts"])
    cells = (
        _when(entry["created_at"]),
        entry["kind"],
        ", ".join(entry["recipients"]),
        entry["ses_message_id"],
        entry["url"] or "(no feedback URL)",
        f"{entry['outcome']} ({statuses})" if statuses else entry["outcome"],
    )
    return "<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in cells) + "</tr>"


def _when(moment: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(moment))


def _row(record: dict[str, Any]) -> str:
    cells = (
        _when(record["received_at"]),
        record["source"],
        ", ".join(record["destinations"]),
        record["subject"],
        record["api"],
    )
    return "<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in cells) + "</tr>"
