"""Reading audience CSV lines (audiences.AUDIENCE, read by suppression.csv_io): the email
column, context columns and a reason per bad line."""

from __future__ import annotations

import io

from mailer.campaigns.audiences import AUDIENCE
from mailer.suppression.csv_io import LineError, Row, read_rows


def read(text: str) -> list[Row | LineError]:
    return list(read_rows(io.StringIO(text), AUDIENCE))


def test_good_lines_become_normalised_rows_with_context():
    rows = read("Name,EMAIL,city\nAnn,Ann@Example.COM,Paris\n\n Bob ,bob@example.com,\n")
    assert rows == [
        Row(2, "ann@example.com", {"Name": "Ann", "city": "Paris"}),
        Row(4, "bob@example.com", {"Name": " Bob ", "city": ""}),
    ]


def test_each_bad_line_is_reported_with_its_number_and_reading_goes_on():
    text = (
        "email,first\nok@example.com,A\nnot-an-address,B\nok@example.com,C\n"
        "short@example.com\nlast@example.com,D\n"
    )
    rows = read(text)
    errors = [str(r) for r in rows if isinstance(r, LineError)]
    assert errors == [
        "line 3: 'not-an-address' cannot be used: it needs a local part, an @ and a domain.",
        "line 4: ok@example.com is already on line 2",
        "line 5: expected 2 fields, found 1",
    ]
    assert [r.address for r in rows if isinstance(r, Row)] == ["ok@example.com", "last@example.com"]


def test_a_header_without_email_stops_at_line_one():
    assert [str(r) for r in read("mail,name\na@example.com,A\n")] == [
        "line 1: the header needs an 'email' column (found: mail, name)."
    ]


def test_duplicate_or_unnamed_columns_stop_at_line_one():
    assert str(read("email,a,a\n")[0]) == "line 1: duplicate column names: a"
    assert str(read("email,,b\n")[0]) == "line 1: a column in the header has no name"


def test_an_empty_file_has_no_email_column():
    assert str(read("")[0]) == "line 1: the header needs an 'email' column (found: nothing)."


def test_a_quoted_multi_line_field_counts_its_lines():
    rows = read('email,note\na@example.com,"one\ntwo"\nbad,x\n')
    assert rows[0] == Row(2, "a@example.com", {"note": "one\ntwo"})
    assert str(rows[1]).startswith("line 4: 'bad' cannot be used")


def test_bytes_that_are_not_utf8_are_reported():
    stream = io.TextIOWrapper(io.BytesIO(b"email\n\xff@example.com\n"), encoding="utf-8")
    [error] = list(read_rows(stream, AUDIENCE))
    assert error.line == 1 and "codec can't decode" in error.reason


def test_a_nul_character_is_a_bad_line_not_a_database_error():
    rows = read("email,first\na@example.com,Ann\x00\nb@example.com,Bob\n")
    assert [str(r) for r in rows if isinstance(r, LineError)] == [
        "line 2: contains a NUL character (\\x00), which cannot be stored"
    ]
    assert rows[1] == Row(3, "b@example.com", {"first": "Bob"})
