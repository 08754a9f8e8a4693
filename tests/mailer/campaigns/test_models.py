"""Recipient relations have no database constraints (fan-out speed): Django enforces them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import ProtectedError
from post_office.models import Email

from mailer.campaigns.fanout.steps import run
from mailer.campaigns.models import AudienceMember, Campaign, CampaignRecipient
from tests.support.campaigns import csv_text


@pytest.fixture
def fanned_out(sending, redis_client) -> Campaign:
    campaign = sending(csv_text(3))
    run(campaign.id, chunks=3)
    return campaign


def test_the_recipient_table_has_no_foreign_key_constraints(db):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(
            cursor, CampaignRecipient._meta.db_table
        )
    assert not [name for name, c in constraints.items() if c["foreign_key"]]


def test_a_member_with_recipient_rows_cannot_be_deleted(fanned_out):
    member = AudienceMember.objects.first()
    with pytest.raises(ProtectedError):
        member.delete()


def test_deleting_a_campaign_deletes_its_recipients(fanned_out):
    fanned_out.delete()
    assert not CampaignRecipient.objects.exists()


def test_deleting_an_email_unlinks_its_recipient(fanned_out):
    recipient = CampaignRecipient.objects.first()

    Email.objects.filter(pk=recipient.email_id).delete()

    recipient.refresh_from_db()
    assert recipient.email_id is None and recipient.state == "queued"
