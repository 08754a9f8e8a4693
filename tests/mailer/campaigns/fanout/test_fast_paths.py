"""Fan-out's fast paths give exactly what the slow ones give: tokens, rendering, Email rows."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from post_office.models import PRIORITY, STATUS, Email

from mailer.campaigns.fanout.headers import FastSigner, header_maker, message_headers
from mailer.campaigns.fanout.render import compile_templates, plan_of, render
from mailer.campaigns.models import CampaignRecipient
from mailer.suppression.unsubscribe import make_token, read_token
from tests.support.campaigns import csv_text, run_fanout

ADDRESSES = ["a@example.com", "x.y+z@ex.org", "Upper@Example.COM", "o'neil@ex.com", "j@bücher.de"]


def test_fast_tokens_are_identical_and_readable():
    signer = FastSigner("news.example.com")
    for address in ["a@example.com", "x.y+z@mail.example.org", "o'neil@ex.com", "a_b-c@s.ex.co.uk"]:
        token = signer.token(address)
        assert token == make_token(address, "news.example.com")
        assert read_token(token).address == address


@pytest.mark.parametrize("mailto", [None, "unsubscribe@example.com"])
def test_fast_headers_are_identical(settings, mailto):
    settings.MAILROOM_UNSUBSCRIBE_MAILTO = mailto
    make = header_maker("news.example.com", 'The "News"', ADDRESSES[0])
    for address in ADDRESSES:  # "Upper@…" is not normalised: it takes the slow path
        assert make(address) == message_headers(address, "news.example.com", 'The "News"')


CASES = [
    ("Hi {{ name }}", {"name": "Tom & <Jerry>"}),
    ("n={{ n }} f={{ f }} b={{ b }} none={{ z }} d={{ d }} l={{ l }}",
     {"n": 1234567, "f": 1234.5, "b": True, "z": None, "d": {"k": "<v>"}, "l": [1, "x"]}),
    ("missing: {{ nothing }}!", {}),
    ("{{ True }} {{ name|upper }} {{ d.k }}", {"name": "x", "d": {"k": "v"}}),
    ("static only", {}),
]


@pytest.mark.parametrize(("source", "values"), CASES)
@pytest.mark.parametrize("thousands", [False, True])
def test_fast_rendering_matches_django(settings, source, values, thousands):
    settings.USE_THOUSAND_SEPARATOR = thousands
    rendered = render(compile_templates(source, source, source), values)
    template = Template(source)
    assert rendered.text == template.render(Context(values, autoescape=False))
    assert rendered.html == template.render(Context(values))


def test_only_bare_names_take_the_fast_path():
    assert plan_of(Template("a {{ b }} c")) is not None
    for source in ["{{ b|upper }}", "{{ b.c }}", "{% if b %}x{% endif %}", "{{ 1 }}"]:
        assert plan_of(Template(source)) is None


def test_copied_emails_equal_what_the_orm_would_save(sending, settings):
    settings.MAILROOM_CAMPAIGN_CHUNK_SIZE = 3
    campaign = sending(csv_text(7), html="<p>{{ first_name }} <a href='{{ unsubscribe_url }}'>")

    run_fanout(campaign.id)

    recipients = CampaignRecipient.objects.filter(campaign=campaign).select_related("email")
    assert recipients.count() == 7 and Email.objects.count() == 7
    for r in recipients:
        email = r.email
        assert r.state == "queued" and r.error == "" and r.opens == r.clicks == 0
        assert email.cc == [] and email.bcc == [] and email.backend_alias == ""
        assert email.status == STATUS.queued and email.priority == PRIORITY.low
        assert email.created and email.last_updated and email.scheduled_time is None
        assert email.headers == message_headers(email.to[0], campaign.list_id, campaign.name)
    email = Email.objects.create(from_email="a@example.com", to=["b@example.com"])
    assert email.id > max(r.email_id for r in recipients)  # the sequence moved past the block
