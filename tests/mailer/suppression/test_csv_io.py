"""csv_io: the one CSV importer (header rule, line errors) and an export a spreadsheet opens
without running anything, and reads back."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from mailer.exceptions import SuppressionImportError
from mailer.models import Unsubscribe
from mailer.suppression import csv_io
from mailer.suppression.addresses import normalize
from mailer.suppression.csv_io import SUPPRESSION, Layout, LineError, Row, read_rows

FORMULA_ADDRESS = "=cmd|'/ccalc'!a0@example.com"  # every character is allowed in a local part


def exported(**fields: object) -> dict[str, str]:
    values = {"address": "x@example.com", "reason": "manual", "scope": "all", **fields}
    row = Unsubscribe(created_at=timezone.now(), **values)
    text = "".join(csv_io.export_rows([row]))
    return next(csv.DictReader(io.StringIO(text)))


def test_a_formula_like_address_is_valid_and_exported_escaped():
    assert normalize(FORMULA_ADDRESS) == FORMULA_ADDRESS.lower()
    assert exported(address=FORMULA_ADDRESS.lower())["address"] == "'" + FORMULA_ADDRESS.lower()


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
@pytest.mark.parametrize("column", ["address", "source", "note"])
def test_every_cell_starting_like_a_formula_is_escaped(start, column):
    value = f"{start}1+1" + ("@example.com" if column == "address" else "")
    assert exported(**{column: value})[column] == "'" + value


def test_an_ordinary_export_is_unchanged():
    row = exported(source="bouncy notification #3", note="asked")
    assert (row["address"], row["source"], row["note"]) == (
        "x@example.com",
        "bouncy notification #3",
        "asked",
    )


def test_an_escaped_address_imports_as_the_address_it_was():
    text = "".join(
        csv_io.export_rows(
            [
                Unsubscribe(
                    address=FORMULA_ADDRESS.lower(),
                    reason="manual",
                    scope="all",
                    created_at=timezone.now(),
                )
            ]
        )
    )
    entries = csv_io.read_import(text.encode(), scope="all", source="test")
    assert [e.address for e in entries] == [FORMULA_ADDRESS.lower()]


def read(text: str, layout: Layout = SUPPRESSION) -> list[str | Row]:
    """Rows as they are, errors as the person reads them."""
    return [item if isinstance(item, Row) else str(item) for item in read_rows(
        io.StringIO(text), layout)]


@pytest.mark.parametrize("name", ["address", "email", " Email ", "ADDRESS"])
def test_either_header_name_holds_the_address_in_any_case(name):
    assert read(f"{name},note\nAnn@Example.COM,hi\n") == [Row(2, "ann@example.com", {"note": "hi"})]


def test_the_first_address_column_wins_and_the_other_is_an_ordinary_field():
    assert read("email,address\na@example.com,b@example.com\n") == [
        Row(2, "a@example.com", {"address": "b@example.com"})
    ]


def test_each_use_names_its_own_address_columns():
    audience = Layout(address_columns=("email",))
    assert read("address\na@example.com\n", audience) == [
        "line 1: the header needs an 'email' column (found: address)."
    ]
    assert read("name\na@example.com\n") == [
        "line 1: the header needs an 'address' or 'email' column (found: name)."
    ]


def test_a_byte_order_mark_is_not_part_of_the_first_column_name():
    assert read("\ufeffemail\na@example.com\n") == [Row(2, "a@example.com", {})]
    entries = csv_io.read_import("\ufeffaddress\na@example.com\n".encode(), scope="all", source="t")
    assert [e.address for e in entries] == ["a@example.com"]


def test_bad_lines_are_reported_by_number_and_good_ones_still_read():
    text = "address,note\nnope,x\n,only a note\nb@example.com,ok\nc@example.com\n"
    assert read(text) == [
        "line 2: 'nope' cannot be used: it needs a local part, an @ and a domain.",
        "line 3: no address",
        Row(4, "b@example.com", {"note": "ok"}),
        "line 5: expected 2 fields, found 1",
    ]


def test_blank_lines_are_skipped_and_a_quoted_line_break_keeps_the_numbering():
    text = 'address,note\n\n,\n a@example.com ,"two\nlines"\n  ,  \nbad,x\n'
    assert read(text) == [
        Row(4, "a@example.com", {"note": "two\nlines"}),
        "line 7: 'bad' cannot be used: it needs a local part, an @ and a domain.",
    ]


def test_a_repeated_address_is_refused_only_where_the_use_wants_each_once():
    text = "email\na@example.com\nA@example.com\n"
    assert read(text) == [Row(2, "a@example.com", {}), Row(3, "a@example.com", {})]
    assert read(text, Layout(("email",), unique=True)) == [
        Row(2, "a@example.com", {}), "line 3: a@example.com is already on line 2"
    ]


def test_a_suppression_import_reports_the_shared_line_errors_with_its_own():
    data = b"address,scope\nx@example.com,all\x00\ny@example.com,some\n"
    with pytest.raises(SuppressionImportError) as caught:
        csv_io.read_import(data, scope="all", source="test")
    assert caught.value.messages == [
        "line 2: contains a NUL character (\\x00), which cannot be stored",
        "line 3: scope 'some' is not one of all, bulk",
    ]


def test_line_error_reads_as_the_line_and_the_reason():
    assert str(LineError(7, "no address")) == "line 7: no address"
