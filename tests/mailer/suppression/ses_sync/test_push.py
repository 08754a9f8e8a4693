"""Push (MAILROOM_SES_SUPPRESSION_PUSH): Mailroom's own permanent suppressions go to SES's list,
only when on; refusals are named and skipped; an outage stops the push and loses nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mailer.exceptions import SESTransientError
from mailer.models import SesListed, SesSyncState, Unsubscribe
from mailer.suppression.ses_sync import push, run

pytestmark = pytest.mark.django_db
Reason, Scope = Unsubscribe.Reason, Unsubscribe.Scope


@pytest.fixture
def local() -> None:
    later = timezone.now() + timedelta(days=3)
    specs = [
        ("hard@example.com", Reason.HARD_BOUNCE, Scope.ALL, None),
        ("angry@example.com", Reason.COMPLAINT, Scope.ALL, None),
        ("manual@example.com", Reason.MANUAL, Scope.ALL, None),
        ("imported@example.com", Reason.IMPORTED, Scope.ALL, None),
        ("news@example.com", Reason.UNSUBSCRIBED, Scope.BULK, None),  # bulk only: not SES's
        ("brief@example.com", Reason.MANUAL, Scope.ALL, later),  # expires: SES's never does
        ("soft@example.com", Reason.SOFT_BOUNCE_LIMIT, Scope.ALL, None),
        ("ses@example.com", Reason.SES_SUPPRESSED, Scope.ALL, None),  # came from SES
    ]
    for address, reason, scope, expires_at in specs:
        Unsubscribe.objects.create(
            address=address, reason=reason, scope=scope, expires_at=expires_at
        )


def at_ses(box) -> dict[str, str]:
    return {e["email_address"]: e["reason"] for e in box.suppression.describe()["entries"]}


PUSHED = {
    "hard@example.com": "BOUNCE",
    "angry@example.com": "COMPLAINT",
    "manual@example.com": "BOUNCE",
    "imported@example.com": "BOUNCE",
}


def test_push_off_leaves_ses_alone(box, settings, local):
    settings.MAILROOM_SES_SUPPRESSION_PUSH = False
    outcome = run.sync()
    assert "push" not in outcome
    assert at_ses(box) == {} and "PutSuppressedDestination" not in box.suppression.calls


def test_push_on_adds_mailrooms_own_suppressions_once(box, settings, local):
    settings.MAILROOM_SES_SUPPRESSION_PUSH = True
    outcome = run.sync()
    assert outcome["push"].startswith("push: 4 added")
    assert at_ses(box) == PUSHED
    assert set(SesListed.objects.values_list("address", flat=True)) == set(PUSHED)
    assert run.sync()["push"].startswith("push: 0 added")
    assert box.suppression.calls["PutSuppressedDestination"] == 4


def test_a_refused_address_is_named_and_the_rest_pushed(box, local):
    box.suppression.add_fault("InvalidParameterValue", 1, "PutSuppressedDestination")
    result = push.push()
    assert (result.pushed, result.refused) == (3, 1)
    assert result.errors[0].startswith("hard@example.com: BadRequestException")
    assert SesSyncState.objects.get().last_error.startswith("push: ")
    assert Unsubscribe.objects.filter(address="hard@example.com").exists()
    assert push.push().pushed == 1  # tried again next time


def test_throttles_are_waited_out(box, local):
    box.suppression.add_fault("Throttling", 4, "PutSuppressedDestination")
    result = push.push()
    assert (result.pushed, result.throttles) == (4, 4)


def test_an_outage_stops_the_push_and_keeps_every_row(box, local):
    box.suppression.add_fault("ServiceUnavailable", 6, "PutSuppressedDestination")
    with pytest.raises(SESTransientError):
        push.push()
    assert Unsubscribe.objects.count() == 8 and at_ses(box) == {}
    assert SesSyncState.objects.get().last_error.startswith("push: ServiceUnavailable")
    assert push.push().pushed == 4
