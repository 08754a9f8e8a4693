"""Import of SES's list: one sync brings its addresses in, idempotent, incremental, paged,
never weakening a local entry, never undoing an operator's removal, throttles waited out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mailer.exceptions import SESPermanentError, SESTransientError
from mailer.models import SesListed, SesRemoval, SesSyncState, Unsubscribe
from mailer.suppression.ses_sync import pull
from mailer.suppression.store import remove
from tests.support.sandbox import at

pytestmark = pytest.mark.django_db
Reason, Scope = Unsubscribe.Reason, Unsubscribe.Scope


def rows() -> dict[str, tuple[str, str]]:
    return {u.address: (u.reason, u.scope) for u in Unsubscribe.objects.all()}


def test_one_sync_brings_ses_addresses_into_mailroom(box):
    box.suppression.put("Jane@Example.com", "BOUNCE", when=at("2026-11-01T10:00:00"))
    box.suppression.put("angry@example.org", "COMPLAINT", when=at("2026-11-02T10:00:00"))
    result = pull.pull()
    assert (result.full, result.listed, result.created) == (True, 2, 2)
    assert rows() == {
        "jane@example.com": (Reason.SES_SUPPRESSED, Scope.ALL),
        "angry@example.org": (Reason.SES_SUPPRESSED, Scope.ALL),
    }
    jane = Unsubscribe.objects.get(address="jane@example.com")
    assert jane.source == (
        "SES account suppression list: BOUNCE, updated at SES 2026-11-01T10:00:00+00:00"
    )
    listed = SesListed.objects.get(address="angry@example.org")
    assert (listed.reason, listed.ses_address) == ("COMPLAINT", "angry@example.org")
    assert SesSyncState.objects.get().pull_cursor == datetime(2026, 11, 2, 10, tzinfo=UTC)


def test_a_second_sync_changes_nothing(box):
    box.suppression.put("a@example.com", "BOUNCE")
    pull.pull()
    before = list(Unsubscribe.objects.values_list("pk", "address", "created_at", "source"))
    again = pull.pull(full=True)
    assert (again.listed, again.created, again.unchanged) == (1, 0, 1)
    after = list(Unsubscribe.objects.values_list("pk", "address", "created_at", "source"))
    assert after == before and SesListed.objects.count() == 1


def test_later_syncs_read_only_what_changed_since_the_last(box):
    box.suppression.put("old@example.com", "BOUNCE", when=at("2026-11-01T00:00:00"))
    assert pull.pull().listed == 1
    box.suppression.put("new@example.com", "BOUNCE", when=at("2026-11-03T00:00:00"))
    # Updated long before the cursor: an incremental read does not see it (a full one would).
    box.suppression.put("missed@example.com", "BOUNCE", when=at("2026-10-01T00:00:00"))
    second = pull.pull()
    assert (second.full, second.listed, second.created) == (False, 2, 1)  # old (overlap), new
    assert "missed@example.com" not in rows()
    assert pull.pull(full=True).created == 1
    assert "missed@example.com" in rows()


def test_since_reads_from_a_given_date(box):
    box.suppression.put("a@example.com", "BOUNCE", when=at("2026-11-01T00:00:00"))
    box.suppression.put("b@example.com", "BOUNCE", when=at("2026-11-05T00:00:00"))
    result = pull.pull(datetime(2026, 11, 4, tzinfo=UTC))
    assert (result.listed, set(rows())) == (1, {"b@example.com"})


def test_every_page_is_read(box):
    for n in range(1203):
        box.suppression.put(f"user{n}@example.com", "BOUNCE", when=1_700_000_000 + n)
    result = pull.pull()
    assert (result.listed, result.created) == (1203, 1203)
    assert box.suppression.calls["ListSuppressedDestinations"] == 2
    assert Unsubscribe.objects.count() == SesListed.objects.count() == 1203


def test_a_stronger_local_entry_is_kept_and_a_weaker_one_widened(box):
    local = {
        "hard@example.com": (Reason.HARD_BOUNCE, Scope.ALL),
        "angry@example.com": (Reason.COMPLAINT, Scope.ALL),
        "manual@example.com": (Reason.MANUAL, Scope.ALL),
        "news@example.com": (Reason.UNSUBSCRIBED, Scope.BULK),
    }
    for address, (reason, scope) in local.items():
        Unsubscribe.objects.create(address=address, reason=reason, scope=scope, note="kept")
        box.suppression.put(address, "BOUNCE")
    result = pull.pull()
    assert (result.created, result.strengthened, result.unchanged) == (0, 1, 3)
    assert rows() == {**local, "news@example.com": (Reason.SES_SUPPRESSED, Scope.ALL)}
    assert Unsubscribe.objects.get(address="news@example.com").note == "kept"


def test_an_address_removed_by_an_operator_is_not_brought_back(box, admin_user):
    box.suppression.put("fixed@example.com", "BOUNCE", when=at("2026-11-01T00:00:00"))
    pull.pull()
    remove(Unsubscribe.objects.all(), "mailbox fixed", admin_user)
    assert SesRemoval.objects.filter(address="fixed@example.com").exists()
    assert pull.pull(full=True).kept_removed == 1  # SES still lists it: removal pending
    SesRemoval.objects.all().delete()  # say SES's deletion raced with this read
    assert pull.pull(full=True).kept_removed == 1 and not rows()
    box.suppression.put("fixed@example.com", "BOUNCE")  # bounced again since: SES re-listed it
    assert pull.pull().created == 1 and "fixed@example.com" in rows()


def test_a_full_sync_forgets_what_ses_no_longer_lists(box):
    box.suppression.put("a@example.com", "BOUNCE")
    box.suppression.put("b@example.com", "BOUNCE")
    pull.pull()
    box.suppression.delete("a@example.com")
    assert pull.pull(full=True).forgotten == 1
    assert list(SesListed.objects.values_list("address", flat=True)) == ["b@example.com"]
    assert set(rows()) == {"a@example.com", "b@example.com"}  # Mailroom's list keeps both


def test_a_throttle_mid_listing_retries_the_same_page(box):
    for n in range(2500):
        box.suppression.put(f"user{n}@example.com", "BOUNCE", when=1_700_000_000 + n)
    box.suppression.add_fault("Throttling", 2, "ListSuppressedDestinations", after=1)
    result = pull.pull()
    assert (result.listed, result.created, result.throttles) == (2500, 2500, 2)
    assert box.suppression.calls["ListSuppressedDestinations"] == 5  # 3 pages, 2 throttled
    assert SesListed.objects.count() == 2500


def test_throttles_are_waited_out(box):
    box.suppression.put("a@example.com", "BOUNCE")
    box.suppression.add_fault("Throttling", count=3, operation="ListSuppressedDestinations")
    result = pull.pull()
    assert (result.throttles, result.created) == (3, 1)


def test_ses_down_keeps_every_local_row_and_records_the_error(box):
    Unsubscribe.objects.create(address="local@example.com", reason=Reason.HARD_BOUNCE)
    box.suppression.put("a@example.com", "BOUNCE")
    box.suppression.add_fault("ServiceUnavailable", 6, "ListSuppressedDestinations")
    with pytest.raises(SESTransientError):
        pull.pull()
    sync = SesSyncState.objects.get()
    assert sync.last_error.startswith("pull: ServiceUnavailable") and sync.pull_cursor is None
    assert set(rows()) == {"local@example.com"}
    assert pull.pull().created == 1
    assert SesSyncState.objects.get().last_error == ""


def test_a_refused_call_is_not_retried(box):
    box.suppression.add_fault("InvalidParameterValue", 5, "ListSuppressedDestinations")
    with pytest.raises(SESPermanentError):
        pull.pull()
    assert box.suppression.calls["ListSuppressedDestinations"] == 1


def test_an_address_mailroom_cannot_use_is_counted_not_imported(box):
    box.suppression.put("bad@@example.com", "BOUNCE")
    box.suppression.put("good@example.com", "BOUNCE")
    result = pull.pull()
    assert (result.invalid, result.created) == (1, 1)
