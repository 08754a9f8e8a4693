"""The account-level suppression list, enforced as SES enforces it, with its API's faults.

SES refuses to deliver to a listed address only when the address's reason (BOUNCE or
COMPLAINT) is one the account suppresses (``PutAccountSuppressionAttributes``); it still
accepts the send, counts it against the quota, and reports an ``OnAccountSuppressionList``
bounce. Accounts created since November 2019 suppress both reasons, as the sandbox does.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from .errors import Fault, SandboxError, lookup
from .simulator import bare

REASONS = ("BOUNCE", "COMPLAINT")
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
NOT_FOUND = Fault(
    "SuppressedDestinationNotFound", "rejected", 400, "Sender", "NotFoundException",
    404, "NotFoundException", "Email address {detail} does not exist on your suppression list.",
)  # fmt: skip
BAD_TOKEN = Fault(
    "InvalidNextToken", "rejected", 400, "Sender", "InvalidNextTokenException",
    400, "InvalidNextTokenException", "The NextToken is not valid.",
)  # fmt: skip


@dataclass(frozen=True)
class Listed:
    """One address on the list, as GetSuppressedDestination describes it."""

    email_address: str
    reason: str
    last_update_time: float
    message_id: str = ""
    feedback_id: str = ""

    def summary(self) -> dict[str, Any]:
        """A SuppressedDestinationSummary."""
        return {
            "EmailAddress": self.email_address,
            "Reason": self.reason,
            "LastUpdateTime": self.last_update_time,
        }

    def detail(self) -> dict[str, Any]:
        """A SuppressedDestination (with its Attributes when known)."""
        attributes = {"MessageId": self.message_id, "FeedbackId": self.feedback_id}
        found = {key: value for key, value in attributes.items() if value}
        return self.summary() | ({"Attributes": found} if found else {})


@dataclass(frozen=True)
class Page:
    """One ListSuppressedDestinations answer."""

    items: list[Listed]
    next_token: str | None


@dataclass
class ApiFault:
    """A queued error answer for `remaining` suppression calls (of `operation`), once `skip`
    more calls have been answered normally."""

    fault: Fault
    remaining: int
    operation: str | None
    skip: int = 0


class AccountSuppressionList:
    """Thread-safe: the listed addresses (keyed case-insensitively) and the account setting."""

    def __init__(self, reasons: Iterable[str] = REASONS) -> None:
        self._lock = threading.Lock()
        self._reasons = tuple(check_reasons(reasons))
        self._entries: dict[str, Listed] = {}
        self._faults: list[ApiFault] = []
        self.calls: dict[str, int] = {}

    @property
    def reasons(self) -> list[str]:
        """The reasons SES suppresses on (GetAccount's SuppressedReasons)."""
        with self._lock:
            return list(self._reasons)

    def set_reasons(self, reasons: Iterable[str]) -> None:
        """PutAccountSuppressionAttributes: suppress on these reasons (none: list off)."""
        checked = tuple(check_reasons(reasons))
        with self._lock:
            self._reasons = checked

    def put(self, address: str, reason: str, when: float | None = None, **ids: str) -> Listed:
        """Add or update an address (PutSuppressedDestination, or SES itself after feedback)."""
        [reason] = check_reasons([reason])
        address = _address(address)
        entry = Listed(address, reason, when if when is not None else time.time(), **ids)
        with self._lock:
            self._entries[address.lower()] = entry
        return entry

    def get(self, address: str) -> Listed:
        """GetSuppressedDestination; NotFoundException if the address is not listed."""
        with self._lock:
            entry = self._entries.get(bare(address).lower())
        if entry is None:
            raise SandboxError(NOT_FOUND, detail=address)
        return entry

    def delete(self, address: str) -> None:
        """DeleteSuppressedDestination; NotFoundException if the address is not listed."""
        with self._lock:
            entry = self._entries.pop(bare(address).lower(), None)
        if entry is None:
            raise SandboxError(NOT_FOUND, detail=address)

    def addresses(self) -> list[str]:
        """Every listed address, for inspection."""
        with self._lock:
            return sorted(entry.email_address for entry in self._entries.values())

    def page(
        self,
        reasons: Iterable[str] = (),
        start: float | None = None,
        end: float | None = None,
        size: int = DEFAULT_PAGE_SIZE,
        token: str | None = None,
    ) -> Page:
        """ListSuppressedDestinations: by last update time, then address; keyset tokens."""
        wanted = set(check_reasons(reasons)) or set(REASONS)
        if not 1 <= size <= MAX_PAGE_SIZE:
            detail = f"PageSize must be 1-{MAX_PAGE_SIZE}."
            raise SandboxError("InvalidParameterValue", detail=detail)
        after = _decode_token(token) if token else None
        with self._lock:
            chosen = sorted(
                (e for e in self._entries.values() if _matches(e, wanted, start, end)),
                key=_order,
            )
        if after is not None:
            chosen = [entry for entry in chosen if _order(entry) > after]
        items = chosen[:size]
        more = len(chosen) > size
        return Page(items, _encode_token(_order(items[-1])) if more else None)

    def blocked(self, recipients: Iterable[str]) -> frozenset[str]:
        """The recipients (bare, lower-cased) SES would not deliver to."""
        with self._lock:
            return frozenset(
                address
                for address in (bare(r).lower() for r in recipients)
                if (entry := self._entries.get(address)) and entry.reason in self._reasons
            )

    def add_fault(
        self, code: str, count: int = 1, operation: str | None = None, after: int = 0
    ) -> None:
        """Answer `count` suppression calls (of `operation`, else any) with `code`, after
        `after` more of them succeed (e.g. a throttle on the second page of a listing)."""
        if count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._faults.append(ApiFault(lookup(code), count, operation, after))

    def enter(self, operation: str) -> None:
        """Count a call of `operation`; raise a queued fault that applies to it."""
        with self._lock:
            self.calls[operation] = self.calls.get(operation, 0) + 1
            for pending in self._faults:
                if pending.operation not in (None, operation):
                    continue
                if pending.skip:  # the first fault that applies decides this call
                    pending.skip -= 1
                    return
                pending.remaining -= 1
                if pending.remaining <= 0:
                    self._faults.remove(pending)
                raise SandboxError(pending.fault)

    def forget_faults(self) -> None:
        """Drop the queued faults and the call counts (the list and the setting stay)."""
        with self._lock:
            self._faults.clear()
            self.calls.clear()

    def reset(self) -> None:
        """Empty the list, the faults and the call counts; suppress both reasons again."""
        self.forget_faults()
        with self._lock:
            self._entries.clear()
            self._reasons = REASONS

    def describe(self) -> dict[str, Any]:
        """The whole list and setting, for the inspection endpoint."""
        with self._lock:
            entries = [asdict(entry) for entry in sorted(self._entries.values(), key=_order)]
            return {"SuppressedReasons": list(self._reasons), "entries": entries}


def check_reasons(reasons: Iterable[str]) -> list[str]:
    """The reasons given, each BOUNCE or COMPLAINT (BadRequestException otherwise)."""
    given = list(reasons)
    unknown = [reason for reason in given if reason not in REASONS]
    if unknown:
        raise SandboxError(
            "InvalidParameterValue", detail=f"Reason must be BOUNCE or COMPLAINT, not {unknown[0]}."
        )
    return sorted(set(given), key=REASONS.index)


def _address(address: str) -> str:
    found = bare(address or "")
    if "@" not in found:
        raise SandboxError("InvalidParameterValue", detail="EmailAddress is not an address.")
    return found


def _matches(entry: Listed, reasons: set[str], start: float | None, end: float | None) -> bool:
    if entry.reason not in reasons:
        return False
    return (start is None or entry.last_update_time >= start) and (
        end is None or entry.last_update_time <= end
    )


def _order(entry: Listed) -> tuple[float, str]:
    return (entry.last_update_time, entry.email_address.lower())


def _encode_token(after: tuple[float, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(after).encode()).decode()


def _decode_token(token: str) -> tuple[float, str]:
    try:
        when, address = json.loads(base64.urlsafe_b64decode(token.encode()))
        return float(when), str(address)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise SandboxError(BAD_TOKEN) from exc
