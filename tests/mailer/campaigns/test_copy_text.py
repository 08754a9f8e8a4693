"""COPY text lines: what PostgreSQL reads back is exactly what was written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from mailer.campaigns import copy_text
from mailer.campaigns.writing import copy_lines

pytestmark = pytest.mark.django_db

TRICKY = ["plain", "tab\there", "new\nline", "cr\rlf\r\n", "back\\slash", "\\N", "", "ünï ✓"]


def test_fields_escape_and_format_each_type():
    stamp = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert copy_text.line(["a\tb", None, 7, True, stamp, {"k": "v\n"}]) == (
        'a\\tb\t\\N\t7\tt\t2026-01-02T03:04:05.000006+00:00\t{"k": "v\\\\n"}\n'
    )
    with pytest.raises(TypeError, match="No COPY text form for float"):
        copy_text.field(1.5)


def test_postgresql_reads_back_every_tricky_string():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE copy_probe (n int, t text, j jsonb)")
    lines = (copy_text.line([i, text, {"v": text}]) for i, text in enumerate(TRICKY))

    copy_lines("copy_probe", ["n", "t", "j"], lines)

    with connection.cursor() as cursor:
        cursor.execute("SELECT t, j->>'v' FROM copy_probe ORDER BY n")
        assert cursor.fetchall() == [(text, text) for text in TRICKY]
