"""Writes to the suppression list: idempotent adds that only ever strengthen, audited removal."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from mailer.models import SoftBounce, Unsubscribe, UnsubscribeRemoval
from mailer.suppression.store import Entry, remove, suppress, suppress_many

pytestmark = pytest.mark.django_db
Reason, Scope = Unsubscribe.Reason, Unsubscribe.Scope


def test_suppress_creates_one_row_and_is_idempotent():
    first = suppress(Entry("a@example.com", Reason.HARD_BOUNCE, source="bounce 1"))
    again = suppress(Entry("a@example.com", Reason.COMPLAINT, source="complaint 2"))
    assert first.pk == again.pk and Unsubscribe.objects.count() == 1
    row = Unsubscribe.objects.get()
    assert (row.reason, row.scope, row.source) == ("hard_bounce", "all", "bounce 1")


def test_a_wider_scope_replaces_a_bulk_only_suppression():
    suppress(Entry("a@example.com", Reason.UNSUBSCRIBED, Scope.BULK, "list news"))
    suppress(Entry("a@example.com", Reason.HARD_BOUNCE, Scope.ALL, "bounce"))
    row = Unsubscribe.objects.get()
    assert (row.reason, row.scope, row.source) == ("hard_bounce", "all", "bounce")


def test_a_bulk_unsubscribe_never_weakens_a_full_suppression():
    suppress(Entry("a@example.com", Reason.COMPLAINT, Scope.ALL, "complaint"))
    suppress(Entry("a@example.com", Reason.UNSUBSCRIBED, Scope.BULK, "list news"))
    assert Unsubscribe.objects.get().scope == "all"


def test_an_expired_or_expiring_suppression_is_replaced():
    now = timezone.now()
    suppress(Entry("old@example.com", Reason.MANUAL, expires_at=now - timedelta(days=1)), now=now)
    suppress(Entry("tmp@example.com", Reason.MANUAL, expires_at=now + timedelta(days=1)), now=now)
    suppress(Entry("old@example.com", Reason.UNSUBSCRIBED, Scope.BULK), now=now)
    suppress(Entry("tmp@example.com", Reason.HARD_BOUNCE), now=now)
    old, tmp = Unsubscribe.objects.get(address="old@example.com"), Unsubscribe.objects.get(
        address="tmp@example.com")
    assert (old.reason, old.scope, old.expires_at) == ("unsubscribed", "bulk", None)
    assert (tmp.reason, tmp.expires_at) == ("hard_bounce", None)


def test_suppress_many_counts_created_updated_unchanged():
    suppress(Entry("bulk@example.com", Reason.UNSUBSCRIBED, Scope.BULK))
    suppress(Entry("all@example.com", Reason.HARD_BOUNCE))
    entries = [Entry(f"n{i}@example.com", Reason.IMPORTED, source="import") for i in range(2500)]
    entries += [Entry(a, Reason.IMPORTED) for a in ("bulk@example.com", "all@example.com")]
    outcome = suppress_many(entries)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (2500, 1, 1)
    assert Unsubscribe.objects.count() == 2502
    assert Unsubscribe.objects.get(address="bulk@example.com").reason == "imported"
    assert Unsubscribe.objects.get(address="all@example.com").reason == "hard_bounce"


def test_remove_keeps_an_audit_record_and_clears_the_soft_bounce_run():
    admin = User.objects.create_user("ops", is_staff=True)
    when = timezone.now() - timedelta(days=3)
    suppress(Entry("a@example.com", Reason.SOFT_BOUNCE_LIMIT, source="bouncy notification #7: x"),
             now=when)
    SoftBounce.objects.create(address="a@example.com", count=1, first_at=when, last_at=when)
    suppress(Entry("b@example.com", Reason.COMPLAINT))
    chosen = Unsubscribe.objects.filter(address="a@example.com")
    removed = remove(chosen, "  mailbox fixed  ", admin)
    assert removed == 1
    assert list(Unsubscribe.objects.values_list("address", flat=True)) == ["b@example.com"]
    assert not SoftBounce.objects.exists()
    audit = UnsubscribeRemoval.objects.get()
    assert (audit.address, audit.reason) == ("a@example.com", "soft_bounce_limit")
    assert audit.scope == "all"
    assert (audit.note, audit.removed_by, audit.removed_by_name) == ("mailbox fixed", admin, "ops")
    assert audit.source == "bouncy notification #7: x" and audit.suppressed_at == when
    admin.delete()
    audit.refresh_from_db()
    assert audit.removed_by is None and audit.removed_by_name == "ops"


def test_remove_requires_a_note():
    admin = User.objects.create_user("ops", is_staff=True)
    suppress(Entry("a@example.com", Reason.MANUAL))
    with pytest.raises(ValueError, match="note"):
        remove(Unsubscribe.objects.all(), "   ", admin)
    assert Unsubscribe.objects.count() == 1 and not UnsubscribeRemoval.objects.exists()
