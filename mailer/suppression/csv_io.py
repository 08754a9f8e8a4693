"""CSV for the suppression list: read an import (every bad line reported), write an export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from mailer.exceptions import InvalidAddress, SuppressionImportError
from mailer.models import Unsubscribe
from mailer.suppression.addresses import address_of
from mailer.suppression.store import Entry

ADDRESS_COLUMNS = ("address", "email")
EXPORT_COLUMNS = ("address", "reason", "scope", "source", "note", "created_at", "expires_at")
MAX_ROWS = 500_000
MAX_ERRORS = 200
# Spreadsheets run a cell that starts like a formula; a valid address can ("=cmd|…@x.com"), so
# every exported cell that does gets a leading "'" (OWASP's CSV injection advice), which the
# import removes again from an address.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Scope = Unsubscribe.Scope


class LineError(ValueError):
    """One bad field of one CSV line."""


def read_import(data: bytes, *, scope: str, source: str) -> list[Entry]:
    """Every row as an Entry (reason ``imported``), or SuppressionImportError listing bad lines."""
    reader = csv.DictReader(io.StringIO(_text(data)))
    column = _address_column(reader.fieldnames or [])
    entries, errors = [], []
    for row in reader:
        try:
            entries.append(_entry(row, column, scope, source))
        except (LineError, InvalidAddress) as exc:
            errors.append(f"line {reader.line_num}: {_message(exc)}")
        if len(errors) >= MAX_ERRORS or len(entries) > MAX_ROWS:
            break
    _raise_if(errors, entries)
    return entries


def export_rows(rows: Iterable[Unsubscribe]) -> Iterator[str]:
    """CSV lines (header first) for the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield _line(writer, buffer, EXPORT_COLUMNS)
    for row in rows:
        yield _line(writer, buffer, [_cell(getattr(row, name)) for name in EXPORT_COLUMNS])


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problem = f"The file is not UTF-8 text ({exc.reason} at byte {exc.start})."
        raise SuppressionImportError(problem) from None


def _address_column(fieldnames: Sequence[str]) -> str:
    for name in fieldnames:
        if name.strip().lower() in ADDRESS_COLUMNS:
            return name
    found = ", ".join(fieldnames) or "nothing"
    raise SuppressionImportError(
        f"line 1: the header needs an 'address' or 'email' column (found: {found})."
    )


def _entry(row: dict[str, Any], column: str, default_scope: str, source: str) -> Entry:
    if None in row:
        raise LineError("more fields than the header has")
    address = _unescaped((row.get(column) or "").strip())
    if not address:
        raise LineError("no address")
    return Entry(
        address=address_of(address),
        reason=Unsubscribe.Reason.IMPORTED,
        scope=_scope(row.get("scope"), default_scope),
        source=source,
        note=(row.get("note") or "").strip(),
        expires_at=_expiry(row.get("expires_at")),
    )


def _unescaped(address: str) -> str:
    """An address as exported: "'=…" back to "=…" (no address starts with "'" and a formula)."""
    if address.startswith("'") and address[1:].startswith(FORMULA_START):
        return address[1:]
    return address


def _scope(value: str | None, default: str) -> str:
    scope = (value or "").strip().lower() or default
    if scope not in Scope.values:
        raise LineError(f"scope {value!r} is not one of {', '.join(Scope.values)}")
    return scope


def _expiry(value: str | None) -> datetime | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        parsed = parse_datetime(text) or _midnight(parse_date(text))
    except ValueError:
        parsed = None
    if parsed is None:
        raise LineError(f"expires_at {text!r} is not a date or date-time (use ISO 8601)")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _midnight(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min) if day else None


def _message(exc: Exception) -> str:
    return exc.messages[0] if isinstance(exc, InvalidAddress) else str(exc)


def _raise_if(errors: list[str], entries: list[Entry]) -> None:
    if len(errors) >= MAX_ERRORS:
        errors.append(f"stopped after {MAX_ERRORS} bad lines")
    if len(entries) > MAX_ROWS:
        errors.append(f"the file has more than {MAX_ROWS} rows: split it")
    if not errors and not entries:
        errors.append("the file has no rows below its header")
    if errors:
        raise SuppressionImportError(errors)


def _cell(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def _line(writer: Any, buffer: io.StringIO, values: Iterable[object]) -> str:
    buffer.seek(0)
    buffer.truncate()
    writer.writerow(values)
    return buffer.getvalue()
