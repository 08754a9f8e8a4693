"""One address identity: suppressing the parsed address blocks every way of writing it.

Hypothesis writes one mailbox many ways (display names, quoted names, comments, angle
brackets, case, whitespace, Unicode or punycode domains, group syntax) and each form goes
through the three roads to SES: the send-time filter of queued mail, post_office's priority
"now" backend and the campaign fan-out. A form that is not exactly one mailbox (a group) is
never sent either: the email fails with the reason, the audience line is refused.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest
from django.core.mail import EmailMessage
from django.utils.encoding import punycode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from post_office import mail
from post_office.models import STATUS, Email

from mailer.campaigns import audiences, control
from mailer.campaigns.authoring import Draft, create_campaign
from mailer.campaigns.exceptions import AudienceImportError
from mailer.campaigns.models import CampaignRecipient
from mailer.exceptions import AllRecipientsSuppressed, InvalidAddress, InvalidRecipient
from mailer.models import Delivery, Unsubscribe
from mailer.sending.backend import SESBackend
from mailer.suppression import filtering
from mailer.suppression.addresses import address_of, lookup_key
from tests.support.campaigns import run_fanout
from tests.support.waiting import wait_until

LOCAL = st.text("abcdefghijklmnopqrstuvwxyz0123456789._+-", min_size=1, max_size=12).filter(
    lambda s: not s.startswith(".") and not s.endswith(".") and ".." not in s
)
ASCII_LABEL = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10)
IDN_LABEL = st.sampled_from(["bücher", "exämple", "münchen", "köln", "日本", "пример"])
NAME = st.text(st.characters(categories=["L", "Nd", "Zs"]), max_size=15)
SPECIAL_NAME = st.text(
    st.characters(categories=["L", "P", "Zs"], exclude_characters='"\\'), max_size=15
)
COMMENT = st.text(st.characters(categories=["L", "Nd", "Zs"]), max_size=10)
SPACE = st.sampled_from(["", " ", "  ", "\t"])


@dataclass(frozen=True)
class Form:
    """One way of writing ``mailbox``; ``one_mailbox`` is False for group syntax."""

    text: str
    mailbox: str
    one_mailbox: bool = True


@st.composite
def mailboxes(draw) -> tuple[str, str]:
    """(the address as written, its canonical identity)."""
    local = draw(LOCAL)
    labels = [draw(st.one_of(ASCII_LABEL, IDN_LABEL)), draw(st.sampled_from(["com", "de", "org"]))]
    domain = ".".join(labels)
    if draw(st.booleans()):
        domain = punycode(domain)  # the same mailbox, written as SES's wire form
    written = f"{local}@{domain}"
    if draw(st.booleans()):
        written = "".join(c.upper() if draw(st.booleans()) else c for c in written)
    return written, f"{local}@{punycode(domain)}".lower()


@st.composite
def forms(draw) -> Form:
    written, mailbox = draw(mailboxes())
    pad = draw(SPACE), draw(SPACE)
    shape = draw(
        st.sampled_from(
            [
                "bare",
                "angle",
                "name",
                "quoted",
                "comment_after",
                "comment_before",
                "name_comment",
                "group",
            ]
        )
    )
    comment = f"({draw(COMMENT)})"
    quoted = draw(SPECIAL_NAME).replace("(", "[").replace(")", "]")
    text = {
        "bare": written,
        "angle": f"<{written}>",
        "name": f"{draw(NAME).strip() or 'Ann'} <{written}>",
        "quoted": f'"{quoted}" <{written}>',
        "comment_after": f"{written} {comment}",
        "comment_before": f"{comment} {written}",
        "name_comment": f"{draw(NAME).strip() or 'Ann'} <{written}> {comment}",
        "group": draw(st.sampled_from([f"team: {written};", f"team: <{written}>;"])),
    }[shape]
    return Form(pad[0] + text + pad[1], mailbox, one_mailbox=shape != "group")


HYPOTHESIS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@given(form=forms())
@HYPOTHESIS
def test_every_form_has_the_identity_of_its_mailbox(form):
    if form.one_mailbox:
        assert address_of(form.text) == form.mailbox
        assert lookup_key(form.text) == form.mailbox
    else:
        with pytest.raises(InvalidAddress):
            lookup_key(form.text)


def suppress(address: str) -> None:
    Unsubscribe.objects.get_or_create(address=address, defaults={"reason": "hard_bounce"})


def queue(*to: str, subject: str = "s") -> Email:
    """Queue like Django's send_mail does through post_office's backend."""
    EmailMessage(subject, "m", "from@example.com", list(to)).send()
    return Email.objects.filter(subject=subject).latest("id")


def queued_row(*to: str) -> Email:
    """A queued row written without post_office's address check (as the fan-out's COPY does):
    post_office's Email.save() refuses some forms ("a@x (c)"); the filter must not rely on it."""
    row = Email(
        from_email="from@example.com", to=list(to), subject="s", message="m", status=STATUS.queued
    )
    return Email.objects.bulk_create([row])[0]


@pytest.mark.django_db
@given(form=forms())
@HYPOTHESIS
def test_the_send_time_filter_blocks_every_form(form):
    suppress(form.mailbox)
    email = queued_row("ok@example.com", form.text)

    decision = filtering.filter_batch([email])[email.id]

    assert decision.to == ["ok@example.com"]
    if form.one_mailbox:
        assert decision.dropped == [{"address": form.mailbox, "reason": "hard_bounce"}]
    else:
        assert decision.invalid and "exactly one mailbox" in decision.invalid[0]


@pytest.mark.django_db
@given(form=forms())
@HYPOTHESIS
def test_the_now_backend_sends_no_form_to_ses(form, ses_sandbox, redis_client):
    """post_office's priority "now" hands the message to this backend (send_mail can too)."""
    suppress(form.mailbox)
    before = len(ses_sandbox.messages())
    message = EmailMessage("now", "m", "from@example.com", [form.text])

    refusal = AllRecipientsSuppressed if form.one_mailbox else InvalidRecipient
    with pytest.raises(refusal):
        SESBackend().send_messages([message])

    assert len(ses_sandbox.messages()) == before


@pytest.mark.django_db
@given(form=forms())
@settings(HYPOTHESIS, max_examples=25)
def test_the_campaign_fan_out_sends_no_form(form, redis_client):
    suppress(form.mailbox)
    out = io.StringIO()
    csv.writer(out).writerows([["email", "n"], [form.text, "1"], ["ok@example.com", "2"]])
    name = f"identity {CampaignRecipient.objects.count()} {Unsubscribe.objects.count()}"
    try:
        audience = audiences.create_audience(name, io.StringIO(out.getvalue()))
    except AudienceImportError as exc:
        assert not form.one_mailbox and "exactly one mailbox" in " ".join(exc.lines)
        return
    assert form.one_mailbox
    draft = Draft(name=name, subject="Hi", text="Hello", from_email="News <news@example.com>")
    campaign = control.send(create_campaign(draft, audience).id)

    run_fanout(campaign.id)

    states = dict(campaign.recipients.values_list("member__address", "state"))
    assert states == {form.mailbox: "suppressed", "ok@example.com": "queued"}


@pytest.mark.parametrize("recipient", ["Name <foo@example.com> (comment)", "<foo@example.com> (x)"])
def test_the_reported_comment_forms_are_blocked_by_a_real_worker(
    recipient, start_worker, ses_sandbox
):
    """The finding as reported: suppressed foo@example.com, mail to a commented form."""
    Unsubscribe.objects.create(address="foo@example.com", reason="hard_bounce", scope="all")
    email = queue(recipient, subject="comment")
    start_worker()
    wait_until(
        lambda: Delivery.objects.filter(email=email, state="suppressed").exists(),
        60,
        "the worker did not suppress the email",
    )
    assert ses_sandbox.messages() == []


def test_a_group_recipient_fails_its_email_with_the_reason(start_worker, ses_sandbox):
    """A group is two mailboxes in one recipient: the email fails, nothing is sent."""
    Unsubscribe.objects.create(address="b@example.com", reason="hard_bounce", scope="all")
    group = "team: <a@example.com>, <b@example.com>;"
    with pytest.raises(InvalidAddress, match="exactly one mailbox"):  # Django's send_mail road
        EmailMessage("group", "m", "from@example.com", [group]).send()
    # post_office's own API checks the first <...> only and queues it as it is
    email = mail.send([group], "from@example.com", subject="group", message="m")
    start_worker()
    wait_until(
        lambda: Delivery.objects.filter(email=email, state="failed").exists(),
        60,
        "the worker did not fail the email",
    )
    assert "exactly one mailbox" in Delivery.objects.get(email=email).error
    assert ses_sandbox.messages() == []
