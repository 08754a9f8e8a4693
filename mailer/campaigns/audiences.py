"""Audience import from CSV: all lines or none, every bad line reported."""

from __future__ import annotations

from typing import TextIO

from django.db import connection, transaction

from mailer.campaigns.exceptions import AudienceImportError, CampaignExists
from mailer.campaigns.models import Audience, AudienceMember
from mailer.suppression.csv_io import Layout, LineError, Row, read_rows

CHUNK = 2000
MAX_REPORTED = 100
# An ``email`` column; the other columns become the member's template context, so an address
# may appear once (two lines would give it two contexts).
AUDIENCE = Layout(address_columns=("email",), unique=True)


def create_audience(name: str, stream: TextIO) -> Audience:
    """Create the audience ``name`` with the CSV's members (nothing is created on any error)."""
    with transaction.atomic():
        if Audience.objects.filter(name=name).exists():
            raise CampaignExists(f"An audience named {name!r} exists already.")
        audience = Audience.objects.create(name=name)
        import_members(audience, stream)
    return audience


def import_members(audience: Audience, stream: TextIO) -> int:
    """Add the CSV's members to ``audience`` (a known address gets the new context).

    Streams in chunks inside one transaction: any bad line rolls everything back and raises
    AudienceImportError listing every bad line. Returns the number of lines imported.
    """
    errors: list[str] = []
    imported = 0
    batch: list[AudienceMember] = []
    with transaction.atomic():
        for item in read_rows(stream, AUDIENCE):
            if isinstance(item, LineError):
                errors.append(str(item))
            elif not errors:
                batch.append(_member(audience, item))
                imported += _flush(batch) if len(batch) >= CHUNK else 0
        if errors:
            raise AudienceImportError(_capped(errors))
        imported += _flush(batch)
        analyze_members()
    return imported


def analyze_members() -> None:
    """Refresh PostgreSQL's statistics of the member table after a bulk import.

    Until autovacuum gets to it, the planner believes a fresh audience is a few rows and
    reads a fan-out chunk by scanning and sorting the whole audience, every chunk (the
    PostgreSQL manual's advice: run ANALYZE after loading a table). It reads a sample, so
    it costs a fraction of a second even at millions of members.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(AudienceMember._meta.db_table)}")


def _member(audience: Audience, row: Row) -> AudienceMember:
    return AudienceMember(audience=audience, address=row.address, context=row.fields)


def _flush(batch: list[AudienceMember]) -> int:
    AudienceMember.objects.bulk_create(
        batch, update_conflicts=True, unique_fields=["audience", "address"],
        update_fields=["context"],
    )
    count = len(batch)
    batch.clear()
    return count


def _capped(errors: list[str]) -> list[str]:
    if len(errors) <= MAX_REPORTED:
        return errors
    return [*errors[:MAX_REPORTED], f"… and {len(errors) - MAX_REPORTED} more bad lines"]
