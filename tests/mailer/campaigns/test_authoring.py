"""Creating campaigns: names, templates and senders are checked before anything is stored."""

from __future__ import annotations

import io

import pytest

from mailer.campaigns.authoring import Draft, create_with_audience
from mailer.campaigns.exceptions import (
    AudienceImportError,
    CampaignExists,
    InvalidCampaign,
    InvalidTemplate,
)
from mailer.campaigns.models import Audience, Campaign

pytestmark = pytest.mark.django_db
CSV = "email,first_name\na@example.com,Ann\n"


def draft(**overrides: str) -> Draft:
    values = {
        "name": "Spring News",
        "subject": "Hi {{ first_name }}",
        "text": "Hello",
        "from_email": "News <news@Example.com>",
    }
    return Draft(**{**values, **overrides})


def test_a_campaign_and_its_audience_are_created_together():
    campaign = create_with_audience(draft(), io.StringIO(CSV))
    assert campaign.status == "draft" and campaign.audience.name == "Spring News"
    assert campaign.list_id == "spring-news.example.com"
    assert campaign.audience.members.get().context == {"first_name": "Ann"}


def test_the_default_sender_is_django_s(settings):
    settings.DEFAULT_FROM_EMAIL = "Ops <ops@example.org>"
    campaign = create_with_audience(draft(from_email=""), io.StringIO(CSV))
    assert campaign.from_email == "Ops <ops@example.org>" and campaign.list_id.endswith(
        ".example.org"
    )


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({"subject": "Hi {% x %}"}, InvalidTemplate, "The subject template does not compile"),
        ({"text": "{% if %}"}, InvalidTemplate, "The text template does not compile"),
        ({"html": "{% for %}"}, InvalidTemplate, "The html template does not compile"),
        ({"from_email": "nobody"}, InvalidCampaign, "From address: 'nobody' cannot be used"),
        ({"name": "  "}, InvalidCampaign, "A campaign needs a name."),
    ],
)
def test_bad_drafts_store_nothing(overrides, error, message):
    with pytest.raises(error, match=message):
        create_with_audience(draft(**overrides), io.StringIO(CSV))
    assert not Audience.objects.exists() and not Campaign.objects.exists()


def test_a_taken_name_or_bad_csv_stores_nothing():
    create_with_audience(draft(), io.StringIO(CSV))
    with pytest.raises(CampaignExists):
        create_with_audience(draft(), io.StringIO(CSV))
    with pytest.raises(AudienceImportError):
        create_with_audience(draft(name="Other"), io.StringIO("email\nbad\n"))
    assert Campaign.objects.count() == 1 and Audience.objects.count() == 1


@pytest.mark.parametrize("field, label", [
    ("from_email", "From"), ("list_id", "List-Id"), ("subject", "Subject")])
@pytest.mark.parametrize("brk", ["\r\n", "\n", "\r"])
def test_a_line_break_in_a_header_field_is_refused_before_anything_is_stored(field, label, brk):
    value = {"from_email": "News <news@example.com>", "list_id": "news.example.com",
             "subject": "Hi {{ first_name }}"}[field]
    forged = value[:4] + brk + "Bcc: victim@example.com" + value[4:]
    with pytest.raises(InvalidCampaign, match=f"{label} must be one line"):
        create_with_audience(draft(**{field: forged}), io.StringIO(CSV))
    assert not Campaign.objects.exists() and not Audience.objects.exists()
