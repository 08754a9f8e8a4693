"""End to end: mailer.aws.send → sandbox simulator → signed SNS → bouncy's live webhook → rows."""

from __future__ import annotations

import pytest
from django.core.mail import EmailMessage

from bouncy import processing
from bouncy.models import Bounce, Complaint, Delivery, Notification
from mailer import aws
from mailer.models import Unsubscribe
from mailer.sandbox import SESSandbox
from tests.support.sandbox import trust_feedback_from, wait_for

SIMULATOR = "simulator.amazonses.com"


@pytest.fixture
def wired(settings, live_server, transactional_db, redis_client, make_sandbox):
    """A sandbox whose feedback goes to the live Django server, trusted as a dev cert host."""

    def wire(**options) -> SESSandbox:
        box = make_sandbox(feedback_url=f"{live_server.url}/mail/bouncy/", feedback_delay=0,
                           **options)  # fmt: skip
        trust_feedback_from(box, settings)
        return box

    yield wire
    aws.reset_client()


def apply_feedback() -> None:
    """What the mailer.apply_feedback task does once the webhook has stored the notifications."""
    processing.process_pending(100)


def send(*to: str) -> str:
    message = EmailMessage("Hi", "Body", "Mailroom <mailroom@example.com>", list(to))
    return aws.send(message).message_id


@pytest.mark.parametrize(
    ("signature_version", "configuration_set", "ses_format"),
    [("2", None, "notification"), ("1", None, "notification"), ("2", "events", "event")],
)
def test_a_simulator_bounce_is_stored_by_bouncy_and_suppressed(
    wired, settings, signature_version, configuration_set, ses_format
):
    settings.AWS_SES_CONFIGURATION_SET = configuration_set
    box = wired(signature_version=signature_version)
    message_id = send(f"bounce@{SIMULATOR}")
    [entry] = wait_for(box, 1)
    assert entry["outcome"] == "delivered" and entry["status"] == 200, entry["attempts"]
    apply_feedback()
    bounce = Bounce.objects.get(mail_id=message_id)
    assert (bounce.address, bounce.bounce_type, bounce.hard) == (
        f"bounce@{SIMULATOR}", "Permanent", True
    )  # fmt: skip
    assert bounce.notification.ses_format == ses_format
    assert Unsubscribe.objects.get(address=f"bounce@{SIMULATOR}").reason == "hard_bounce"


def test_every_mailbox_ends_as_the_right_row_and_suppression(wired):
    box = wired()
    mailboxes = ("success", "ooto", "bounce", "complaint", "suppressionlist")
    message_id = send(*(f"{name}@{SIMULATOR}" for name in mailboxes))
    entries = wait_for(box, 5)
    assert {e["status"] for e in entries} == {200}
    assert Notification.objects.filter(mail_id=message_id).count() == 5
    apply_feedback()
    assert sorted(Delivery.objects.values_list("address", flat=True)) == [
        f"ooto@{SIMULATOR}", f"success@{SIMULATOR}"
    ]  # fmt: skip
    assert Complaint.objects.get().address == f"complaint@{SIMULATOR}"
    reasons = dict(Unsubscribe.objects.values_list("address", "reason"))
    assert reasons == {
        f"bounce@{SIMULATOR}": "hard_bounce",
        f"complaint@{SIMULATOR}": "complaint",
        f"suppressionlist@{SIMULATOR}": "ses_suppressed",
    }


def test_a_redelivered_message_is_stored_once(wired):
    box = wired()
    send(f"bounce@{SIMULATOR}")
    [entry] = wait_for(box, 1)
    box.redeliver(entry["sns_message_id"])  # SNS may deliver twice
    [again] = wait_for(box, 1)
    assert [a["status"] for a in again["attempts"]] == [200, 200]
    assert Notification.objects.filter(sns_message_id=entry["sns_message_id"]).count() == 1
    apply_feedback()
    assert Bounce.objects.count() == 1


def test_an_untrusted_sandbox_is_refused(wired, settings):
    box = wired()
    settings.BOUNCY_DEV_CERT_HOSTS = []
    send(f"bounce@{SIMULATOR}")
    [entry] = wait_for(box, 1)
    assert entry["status"] == 403 and entry["outcome"] == "failed"
    assert not Notification.objects.exists()
