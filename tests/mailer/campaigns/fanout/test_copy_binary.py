"""Binary COPY rows: what PostgreSQL reads back is exactly what was written."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection, models
from django.test.utils import isolate_apps
from post_office.models import Email

from mailer.campaigns.fanout import copy_binary
from mailer.campaigns.fanout.copy_rows import COLUMNS, copy_rows
from mailer.campaigns.models import CampaignRecipient

pytestmark = pytest.mark.django_db

TRICKY = ["plain", "tab\there", "new\nline", "cr\rlf\r\n", "back\\slash", "\\N", "", "ünï ✓"]
PROBE = ("CREATE TEMP TABLE copy_probe "
         "(n int, s smallint, b bigint, t text, j jsonb, at timestamptz)")
ENCODERS = (copy_binary.int4, copy_binary.int2, copy_binary.int8, copy_binary.text,
            copy_binary.jsonb, copy_binary.timestamptz)


def test_postgresql_reads_back_what_was_written():
    east = timezone(timedelta(hours=5, minutes=30))
    values = [
        (i, -i, 2**40 + i, text, json.dumps({"v": text}),
         datetime(2026, 1, 2, 3, 4, 5, i, tzinfo=UTC if i % 2 else east))
        for i, text in enumerate(TRICKY)
    ]
    values.append((99, None, None, None, None, None))
    with connection.cursor() as cursor:
        cursor.execute(PROBE)

    copy_rows("copy_probe", ["n", "s", "b", "t", "j", "at"],
              (copy_binary.encode(ENCODERS, row) for row in values))

    with connection.cursor() as cursor:
        cursor.execute("SELECT n, s, b, t, j::text, at FROM copy_probe ORDER BY n")
        back = cursor.fetchall()
    assert [row[:4] for row in back] == [row[:4] for row in values]
    assert [json.loads(row[4]) if row[4] else None for row in back] == [
        json.loads(row[4]) if row[4] else None for row in values
    ]
    assert [row[5] for row in back] == [row[5] for row in values]  # same instants


def test_encoders_follow_the_model_fields():
    assert [e.__name__ for e in copy_binary.encoders(Email, COLUMNS)] == [
        "int4", "text", "text", "text", "text", "text", "text", "text", "int2", "int2",
        "timestamptz", "timestamptz", "jsonb", "text", "text",
    ]
    assert copy_binary.encoders(CampaignRecipient, ["campaign_id", "email_id"]) == (
        copy_binary.int8, copy_binary.int4,  # each relation takes its target's type
    )


@isolate_apps("mailer.campaigns")
def test_an_unknown_field_type_or_a_naive_stamp_is_refused():
    class Probe(models.Model):
        price = models.DecimalField(max_digits=5, decimal_places=2)

        class Meta:
            app_label = "campaigns"
            managed = False

        def __str__(self) -> str:
            return str(self.price)

    with pytest.raises(TypeError, match=r"Probe.price \(DecimalField\)"):
        copy_binary.encoders(Probe, ["price"])
    with pytest.raises(ValueError, match="aware"):
        copy_binary.timestamptz(datetime(2026, 1, 1))
