"""The headers every campaign message carries: one-click unsubscribe (RFC 8058) and List-Id."""

from __future__ import annotations

import re

from django.utils.text import slugify

from mailer.suppression.addresses import address_of, domain_of
from mailer.suppression.unsubscribe import MAX_LIST_ID, unsubscribe_headers

HTTP_LINK = re.compile(r"<(https?://[^>]+)>")


def default_list_id(name: str, from_email: str) -> str:
    """An RFC 2919 list identifier from the campaign's name and its sender's domain."""
    label = slugify(name)[:40] or "campaign"
    return f"{label}.{domain_of(address_of(from_email))}"[:MAX_LIST_ID]


def message_headers(address: str, list_id: str, list_name: str) -> dict[str, str]:
    """List-Unsubscribe, List-Unsubscribe-Post and List-Id for one recipient."""
    name = " ".join(list_name.replace('"', "").replace("\\", "").split())
    return {**unsubscribe_headers(address, list_id), "List-Id": f'"{name}" <{list_id}>'}


def unsubscribe_link(headers: dict[str, str]) -> str:
    """The one-click https URL in List-Unsubscribe (RFC 8058 requires exactly one)."""
    match = HTTP_LINK.search(headers["List-Unsubscribe"])
    return match.group(1) if match else ""
