"""Read an audience CSV: an ``email`` column plus context columns, every line checked."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

from mailer.exceptions import InvalidAddress
from mailer.suppression.addresses import address_of

EMAIL_COLUMN = "email"


@dataclass(frozen=True)
class Row:
    """One good line: the normalised address and the other columns as template context."""

    line: int
    address: str
    context: dict[str, str]


@dataclass(frozen=True)
class LineError:
    """Why one line (1 = the header) cannot be imported."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


def read_rows(stream: TextIO) -> Iterator[Row | LineError]:
    """Yield each data line as a Row or a LineError; a bad header or unreadable file stops."""
    reader = csv.reader(stream)
    try:
        header = _header(next(reader, []))
    except (ValueError, csv.Error) as exc:  # incl. UnicodeDecodeError
        yield LineError(1, str(exc))
        return
    seen: dict[str, int] = {}
    while True:
        line = reader.line_num + 1  # where the record starts (a quoted field may span lines)
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            yield LineError(line, f"unreadable: {exc}")
            return
        if any(cell.strip() for cell in cells):
            yield _row(line, header, cells, seen)


def _header(cells: list[str]) -> list[str]:
    names = [cell.strip() for cell in cells]
    names = [EMAIL_COLUMN if name.lower() == EMAIL_COLUMN else name for name in names]
    if EMAIL_COLUMN not in names:
        found = ", ".join(names) or "none"
        raise ValueError(f"no '{EMAIL_COLUMN}' column in the header (columns: {found})")
    if "" in names:
        raise ValueError("a column in the header has no name")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"duplicate column names: {', '.join(duplicates)}")
    return names


def _row(line: int, header: list[str], cells: list[str], seen: dict[str, int]) -> Row | LineError:
    if len(cells) != len(header):
        return LineError(line, f"expected {len(header)} fields, found {len(cells)}")
    if any("\x00" in cell for cell in cells):  # PostgreSQL stores no NUL in text or JSON
        return LineError(line, "contains a NUL character (\\x00), which cannot be stored")
    values = dict(zip(header, cells, strict=True))
    try:
        address = address_of(values.pop(EMAIL_COLUMN))
    except InvalidAddress as exc:
        return LineError(line, exc.messages[0])
    if address in seen:
        return LineError(line, f"{address} is already on line {seen[address]}")
    seen[address] = line
    return Row(line, address, values)
