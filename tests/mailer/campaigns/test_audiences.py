"""Audience import: all lines or none, every bad line listed, re-import updates context."""

from __future__ import annotations

import io

import pytest

from mailer.campaigns.audiences import create_audience, import_members
from mailer.campaigns.exceptions import AudienceImportError, CampaignExists
from mailer.campaigns.models import Audience, AudienceMember

pytestmark = pytest.mark.django_db


def test_a_csv_with_bad_lines_imports_nothing_and_lists_every_bad_line(monkeypatch):
    monkeypatch.setattr("mailer.campaigns.audiences.CHUNK", 2)  # some chunks are written first
    audience = Audience.objects.create(name="list")
    text = "email,n\n" + "".join(f"u{i}@example.com,{i}\n" for i in range(5)) + "oops,5\nx@y,6\n"

    with pytest.raises(AudienceImportError) as caught:
        import_members(audience, io.StringIO(text))

    assert caught.value.lines == [
        "line 7: 'oops' cannot be used: it needs a local part, an @ and a domain.",
        "line 8: 'x@y' cannot be used: it is not a valid email address.",
    ]
    assert not AudienceMember.objects.exists()


def test_a_good_csv_imports_in_chunks_and_a_re_import_updates_context(monkeypatch):
    monkeypatch.setattr("mailer.campaigns.audiences.CHUNK", 2)
    audience = create_audience(
        "list", io.StringIO("email,n\na@example.com,1\nb@example.com,2\nc@example.com,3\n")
    )
    assert (
        import_members(audience, io.StringIO("email,n\nB@example.com,20\nd@example.com,4\n")) == 2
    )

    members = dict(AudienceMember.objects.values_list("address", "context"))
    assert members == {
        "a@example.com": {"n": "1"},
        "b@example.com": {"n": "20"},
        "c@example.com": {"n": "3"},
        "d@example.com": {"n": "4"},
    }


def test_create_audience_refuses_a_taken_name_and_rolls_back_on_bad_lines():
    create_audience("list", io.StringIO("email\na@example.com\n"))
    with pytest.raises(CampaignExists):
        create_audience("list", io.StringIO("email\nb@example.com\n"))
    with pytest.raises(AudienceImportError):
        create_audience("other", io.StringIO("email\nbad\n"))
    assert list(Audience.objects.values_list("name", flat=True)) == ["list"]


def test_more_than_a_hundred_bad_lines_are_capped():
    audience = Audience.objects.create(name="list")
    text = "email\n" + "bad\n" * 150
    with pytest.raises(AudienceImportError) as caught:
        import_members(audience, io.StringIO(text))
    assert len(caught.value.lines) == 101
    assert caught.value.lines[-1] == "… and 50 more bad lines"


def test_an_import_refreshes_the_planners_statistics():
    """A fresh audience must not look empty to PostgreSQL's planner (fan-out reads it in order)."""
    from django.db import connection

    def estimated_rows() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s",
                           [AudienceMember._meta.db_table])
            return cursor.fetchone()[0]

    before = estimated_rows()
    text = "email\n" + "".join(f"u{i}@example.com\n" for i in range(300))

    create_audience("analysed", io.StringIO(text))

    assert estimated_rows() >= 300 > before
