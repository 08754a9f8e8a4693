"""suppression_csv: an export a spreadsheet opens without running anything, and reads back."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from mailer.models import Unsubscribe
from mailer.suppression import csv_io
from mailer.suppression.addresses import normalize

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
