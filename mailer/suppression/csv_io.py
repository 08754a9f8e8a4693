"""CSV of addresses: the one importer (suppression list and campaign audiences) and the export.

``read_rows`` reads any CSV with a header row and an address column; a ``Layout`` says which
header names hold the address and whether an address may come back. Every line is checked and
reported by number (1 is the header), so a person can fix them all in one go.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from mailer.exceptions import InvalidAddress, SuppressionImportError
from mailer.models import Unsubscribe
from mailer.suppression.addresses import address_of
from mailer.suppression.store import Entry

EXPORT_COLUMNS = ("address", "reason", "scope", "source", "note", "created_at", "expires_at")
MAX_ROWS = 500_000
MAX_ERRORS = 200
# Spreadsheets run a cell that starts like a formula; a valid address can ("=cmd|…@x.com"), so
# every exported cell that does gets a leading "'" (OWASP's CSV injection advice), which the
# import removes again from an address.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Scope = Unsubscribe.Scope


@dataclass(frozen=True)
class Layout:
    """What one use expects of a CSV: the header names of its address column, first match wins
    (compared without case or surrounding blanks), and whether an address may come back."""

    address_columns: tuple[str, ...]
    unique: bool = False


# The suppression list: an export reads back ("address"); a repeated address is fine (the
# strongest entry wins, as when suppressed twice).
SUPPRESSION = Layout(address_columns=("address", "email"))


@dataclass(frozen=True)
class Row:
    """One good line: its number, the normalised address and the other columns by header name."""

    line: int
    address: str
    fields: dict[str, str]


@dataclass(frozen=True)
class LineError:
    """Why one line (1 = the header) cannot be imported."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


def read_rows(stream: Iterable[str], layout: Layout) -> Iterator[Row | LineError]:
    """Yield each data line as a Row or a LineError; a bad header or unreadable text stops.

    Lines whose cells are all blank are skipped; a line starts where its record starts (a quoted
    field may span lines). A leading byte order mark is ignored.
    """
    reader = csv.reader(stream)
    try:
        header = _header(next(reader, []), layout)
    except (ValueError, csv.Error) as exc:  # incl. UnicodeDecodeError
        yield LineError(1, str(exc))
        return
    seen: dict[str, int] = {}
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            yield LineError(line, f"unreadable: {exc}")
            return
        if any(cell.strip() for cell in cells):
            yield _row(line, header, cells, seen if layout.unique else None)


def _header(cells: list[str], layout: Layout) -> tuple[str, list[str]]:
    """The address column's name and every column's name (stripped)."""
    names = [cell.strip() for cell in cells]
    if names:
        names[0] = names[0].removeprefix("\ufeff").strip()
    column = next((name for name in names if name.lower() in layout.address_columns), None)
    if column is None:
        wanted = " or ".join(f"'{name}'" for name in layout.address_columns)
        raise ValueError(
            f"the header needs an {wanted} column (found: {', '.join(names) or 'nothing'})."
        )
    if "" in names:
        raise ValueError("a column in the header has no name")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"duplicate column names: {', '.join(duplicates)}")
    return column, names


def _row(
    line: int, header: tuple[str, list[str]], cells: list[str], seen: dict[str, int] | None
) -> Row | LineError:
    column, names = header
    if len(cells) != len(names):
        return LineError(line, f"expected {len(names)} fields, found {len(cells)}")
    if any("\x00" in cell for cell in cells):  # PostgreSQL stores no NUL in text or JSON
        return LineError(line, "contains a NUL character (\\x00), which cannot be stored")
    fields = dict(zip(names, cells, strict=True))
    try:
        address = _address(fields.pop(column))
    except InvalidAddress as exc:
        return LineError(line, exc.messages[0])
    except ValueError as exc:
        return LineError(line, str(exc))
    if seen is not None and address in seen:
        return LineError(line, f"{address} is already on line {seen[address]}")
    if seen is not None:
        seen[address] = line
    return Row(line, address, fields)


def _address(cell: str) -> str:
    """The normalised address of a cell, as exported: "'=…" back to "=…" (no address starts
    with "'" and a formula)."""
    text = cell.strip()
    if not text:
        raise ValueError("no address")
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        text = text[1:]
    return address_of(text)


def read_import(data: bytes, *, scope: str, source: str) -> list[Entry]:
    """Every row as an Entry (reason ``imported``), or SuppressionImportError listing bad lines."""
    entries: list[Entry] = []
    errors: list[str] = []
    for item in read_rows(io.StringIO(_text(data)), SUPPRESSION):
        result = item if isinstance(item, LineError) else _entry(item, scope, source)
        if isinstance(result, LineError):
            errors.append(str(result))
        else:
            entries.append(result)
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


def _entry(row: Row, default_scope: str, source: str) -> Entry | LineError:
    """The row's Entry (reason ``imported``), or why its scope or expiry cannot be used."""
    fields = row.fields
    try:
        return Entry(
            address=row.address,
            reason=Unsubscribe.Reason.IMPORTED,
            scope=_scope(fields.get("scope"), default_scope),
            source=source,
            note=(fields.get("note") or "").strip(),
            expires_at=_expiry(fields.get("expires_at")),
        )
    except ValueError as exc:
        return LineError(row.line, str(exc))


def _scope(value: str | None, default: str) -> str:
    scope = (value or "").strip().lower() or default
    if scope not in Scope.values:
        raise ValueError(f"scope {value!r} is not one of {', '.join(Scope.values)}")
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
        raise ValueError(f"expires_at {text!r} is not a date or date-time (use ISO 8601)")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _midnight(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min) if day else None


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
