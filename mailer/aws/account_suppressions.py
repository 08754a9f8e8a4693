"""SES v2's account-level suppression list: list (paged), put, delete, and the account setting.

Every call goes through the SES client cache and error classifier the rest of the SES boundary
uses: a botocore error becomes SESThrottled, SESTransientError or SESPermanentError.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from mailer.aws import account
from mailer.aws.clients import client
from mailer.aws.errors import classify

T = TypeVar("T")
PAGE_SIZE = 1000  # SES's largest page
NOT_FOUND = "NotFoundException"


class SesReason(StrEnum):
    """Why an address is on SES's list (``Reason``; also what the account suppresses)."""

    BOUNCE = "BOUNCE"
    COMPLAINT = "COMPLAINT"


@dataclass(frozen=True)
class Listed:
    """One address on SES's list (as SES spells it), why, and when SES last updated it."""

    address: str
    reason: str
    last_update_time: datetime


@dataclass(frozen=True)
class Page:
    """One ListSuppressedDestinations answer; ``next_token`` None on the last page."""

    items: list[Listed]
    next_token: str | None


def list_page(
    since: datetime | None = None, token: str | None = None, size: int = PAGE_SIZE
) -> Page:
    """One page of the list, oldest update first, updated at or after ``since`` if given."""
    params: dict[str, Any] = {"PageSize": size}
    if since is not None:
        params["StartDate"] = since
    if token:
        params["NextToken"] = token
    answer = _call(lambda: client("sesv2").list_suppressed_destinations(**params))
    items = [_listed(item) for item in answer.get("SuppressedDestinationSummaries", [])]
    return Page(items, answer.get("NextToken") or None)


def put(address: str, reason: SesReason) -> None:
    """Add (or update) an address on SES's list."""
    _call(lambda: client("sesv2").put_suppressed_destination(EmailAddress=address, Reason=reason))


def delete(address: str) -> bool:
    """Take an address off SES's list; False if it was not there (nothing to do)."""
    try:
        _call(lambda: client("sesv2").delete_suppressed_destination(EmailAddress=address))
    except _NotListed:
        return False
    return True


def suppressed_reasons() -> list[str]:
    """The reasons the account's list suppresses (GetAccount); empty: the list is off."""
    return list(account.get_account().suppressed_reasons)


class _NotListed(Exception):
    """SES answered NotFoundException: the address is not on the list."""


def _call(call: Callable[[], T]) -> T:
    try:
        return call()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == NOT_FOUND:
            raise _NotListed from exc
        raise classify(exc) from exc
    except BotoCoreError as exc:
        raise classify(exc) from exc


def _listed(item: dict[str, Any]) -> Listed:
    return Listed(item["EmailAddress"], item["Reason"], item["LastUpdateTime"])
