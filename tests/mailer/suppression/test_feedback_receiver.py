"""bouncy's feedback feeds the suppression list: real SES payloads through bouncy's parser."""

import copy
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from post_office.models import Email

from bouncy import models as bouncy_models
from bouncy import processing, recording
from bouncy.signals import feedback_batch
from mailer.models import Delivery, SoftBounce, Unsubscribe
from tests.support import feedback
from tests.support.files import ses_json, ses_manifest
from tests.support.sns import SNS_CERT_URL, TOPIC

pytestmark = pytest.mark.django_db
MANIFEST = ses_manifest()
EXPECTED_REASON = {"Bounce": "hard_bounce", "Complaint": "complaint"}


def store(doc: dict) -> recording.Recorded:
    """Store one SES document the way bouncy does after verifying the SNS signature, and apply
    it as the mailer.apply_feedback task does."""
    recorded = feedback.store(str(uuid.uuid4()), doc)
    assert recorded.notification.parse_error == ""
    processing.process_pending(10)
    return recorded


def sent_email(ses_message_id: str) -> Email:
    email = Email.objects.create(from_email="f@example.com", to=["x@example.com"])
    Delivery.objects.create(email=email, state="sent", ses_message_id=ses_message_id)
    return email


@pytest.mark.parametrize("case", MANIFEST, ids=[case["file"] for case in MANIFEST])
def test_every_aws_example_does_what_the_manifest_expects(case):
    recorded = store(ses_json(case["file"]))
    assert recorded.created and recorded.rows >= 1
    rows = {u.address: u for u in Unsubscribe.objects.all()}
    if case["expected_action"] == "none":
        assert rows == {} and not SoftBounce.objects.exists()
        return
    assert case["expected_action"] == "suppress"
    assert sorted(rows) == sorted(case["recipients"])
    for row in rows.values():
        assert (row.reason, row.scope) == (EXPECTED_REASON[case["kind"]], "all")
        assert row.source.startswith(f"bouncy notification #{recorded.notification.pk}: ")


@pytest.mark.parametrize("case", MANIFEST, ids=[case["file"] for case in MANIFEST])
def test_every_row_is_linked_to_the_sent_email(case):
    doc = ses_json(case["file"])
    email = sent_email(doc["mail"]["messageId"])
    store(doc)
    models = (bouncy_models.Bounce, bouncy_models.Complaint, bouncy_models.Delivery,
              bouncy_models.Event)
    linked = [row.email_id for model in models for row in model.objects.all()]
    assert linked and set(linked) == {email.pk}


def test_feedback_for_the_second_copy_of_an_email_sent_twice_links_too():
    doc = ses_json("awsdoc_notification_delivery.json")
    email = sent_email("the-copy-the-lease-holder-sent")
    Delivery.objects.filter(email=email).update(other_message_id=doc["mail"]["messageId"])
    store(doc)
    assert bouncy_models.Delivery.objects.get().email_id == email.pk


def test_rows_of_mail_sent_elsewhere_stay_unlinked():
    store(ses_json("awsdoc_notification_delivery.json"))
    assert bouncy_models.Delivery.objects.get().email_id is None


def test_source_names_the_notification_and_the_bounce():
    recorded = store(ses_json("awsdoc_notification_bounce_permanent_general_with_dsn.json"))
    row = Unsubscribe.objects.get()
    assert row.source == (
        f"bouncy notification #{recorded.notification.pk}: Permanent/General bounce, "
        "SES MessageId 00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000 "
        "(feedback 00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa068a-000000)"
    )


def bounce_doc(bounce_type: str, subtype: str, status: str = "", when: datetime | None = None,
               address: str = "jane@example.com") -> dict:
    doc = copy.deepcopy(ses_json("awsdoc_notification_bounce_permanent_general_with_dsn.json"))
    doc["bounce"].update(bounceType=bounce_type, bounceSubType=subtype)
    doc["bounce"]["bouncedRecipients"] = [{"emailAddress": address, "status": status}]
    doc["bounce"]["feedbackId"] = str(uuid.uuid4())  # each bounce SES reports is its own event
    if when is not None:
        doc["bounce"]["timestamp"] = when.isoformat().replace("+00:00", "Z")
    return doc


def test_a_5xx_status_is_hard_even_when_labelled_transient():
    store(bounce_doc("Transient", "General", status="5.1.1"))
    assert Unsubscribe.objects.get().reason == "hard_bounce"


@pytest.mark.parametrize("subtype", ["Suppressed", "OnAccountSuppressionList"])
def test_bounces_from_ses_suppression_lists_are_recorded_as_such(subtype):
    store(bounce_doc("Permanent", subtype))
    row = Unsubscribe.objects.get()
    assert (row.address, row.reason, row.scope) == ("jane@example.com", "ses_suppressed", "all")
    assert f"Permanent/{subtype} bounce" in row.source


def test_a_complaint_about_the_account_suppression_list_is_not_a_new_complaint():
    doc = copy.deepcopy(ses_json("awsdoc_notification_complaint_no_feedback.json"))
    doc["complaint"]["complaintSubType"] = "OnAccountSuppressionList"
    store(doc)
    row = Unsubscribe.objects.get()
    assert (row.address, row.reason) == ("richard@example.com", "ses_suppressed")
    assert "complaint OnAccountSuppressionList" in row.source


def test_transient_bounces_are_counted_then_suppress():
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for day in range(2):
        store(bounce_doc("Transient", "MailboxFull", "4.2.2", start + timedelta(days=day)))
    assert not Unsubscribe.objects.exists()
    assert SoftBounce.objects.get().count == 2
    store(bounce_doc("Transient", "MailboxFull", "4.2.2", start + timedelta(days=2)))
    row = Unsubscribe.objects.get()
    assert (row.reason, row.scope, row.created_at) == ("soft_bounce_limit", "all",
                                                       start + timedelta(days=2))
    assert "3 transient bounces" in row.source and "Transient/MailboxFull" in row.source


def test_undetermined_bounces_are_counted_not_suppressed():
    store(bounce_doc("Undetermined", "Undetermined", "5.0.0"))
    assert not Unsubscribe.objects.exists()
    assert SoftBounce.objects.get().count == 1


def test_a_delivery_ends_a_run_of_transient_bounces():
    store(bounce_doc("Transient", "General", "4.4.7", address="jane@example.com"))
    store(ses_json("awsdoc_notification_delivery.json"))  # delivered to jane@example.com
    assert not SoftBounce.objects.exists()


def test_rows_from_the_batch_signal_directly_and_bad_addresses_are_skipped():
    notification = bouncy_models.Notification.objects.create(
        sns_message_id="m1", type="Notification", topic_arn=TOPIC, timestamp=timezone.now(),
        signature_version="1", signing_cert_url=SNS_CERT_URL, body="{}",
    )
    common = {"notification": notification, "mail_id": "ses-1", "timestamp": timezone.now()}
    bad = bouncy_models.Bounce.objects.create(**common, address="not an address",
                                              bounce_type="Permanent", hard=True)
    good = bouncy_models.Complaint.objects.create(**common, address="Ann@Example.COM")
    feedback_batch.send(sender=bouncy_models.Notification, rows=[bad, good])
    assert list(Unsubscribe.objects.values_list("address", "reason")) == [
        ("ann@example.com", "complaint")
    ]


def test_a_redelivered_notification_changes_nothing():
    doc = ses_json("awsdoc_event_complaint_abuse.json")
    store(doc)
    first = Unsubscribe.objects.get()
    store(doc)  # SES sends feedback once per recipient; a second notification is idempotent
    assert list(Unsubscribe.objects.all()) == [first]
    assert Unsubscribe.objects.get().source == first.source
