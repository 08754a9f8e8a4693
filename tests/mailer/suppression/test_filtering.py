"""Suppression at send time: one query per batch, display names kept, scopes and expiry."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from post_office.models import PRIORITY, Email

from mailer.models import Unsubscribe
from mailer.suppression.filtering import filter_batch

pytestmark = pytest.mark.django_db
Reason, Scope = Unsubscribe.Reason, Unsubscribe.Scope


def email(to=(), cc=(), bcc=(), priority=PRIORITY.medium) -> Email:
    return Email.objects.create(
        from_email="from@example.com", to=list(to), cc=list(cc), bcc=list(bcc), priority=priority
    )


def suppressed(address: str, reason=Reason.HARD_BOUNCE, scope=Scope.ALL, **extra) -> Unsubscribe:
    return Unsubscribe.objects.create(address=address, reason=reason, scope=scope, **extra)


def test_one_query_for_every_recipient_of_the_batch():
    suppressed("gone@example.com")
    suppressed("news-only@example.com", Reason.UNSUBSCRIBED, Scope.BULK)
    batch = [
        email(to=[f"r{i}@example.com", "gone@example.com"], cc=[f"c{i}@example.com"],
              bcc=["news-only@example.com"], priority=PRIORITY.low if i % 2 else PRIORITY.medium)
        for i in range(30)
    ]
    with CaptureQueriesContext(connection) as queries:
        decisions = filter_batch(batch)
    assert len(queries) == 1
    assert "mailer_unsubscribe" in queries[0]["sql"]
    assert set(decisions) == {e.id for e in batch}
    assert decisions[batch[0].id].recipients == ["r0@example.com", "c0@example.com",
                                                 "news-only@example.com"]
    assert decisions[batch[1].id].recipients == ["r1@example.com", "c1@example.com"]


def test_no_recipients_no_query():
    with CaptureQueriesContext(connection) as queries:
        assert filter_batch([]) == {}
    assert len(queries) == 0


def test_display_names_of_kept_recipients_stay_as_written():
    suppressed("jane@example.com")
    mail = email(to=["Jane <Jane@Example.com>", "Bob Smith <bob@example.com>"],
                 cc=['"Doe, Ann" <ann@example.com>'])
    decision = filter_batch([mail])[mail.id]
    assert decision.to == ["Bob Smith <bob@example.com>"]
    assert decision.cc == ['"Doe, Ann" <ann@example.com>']
    assert decision.dropped == [{"address": "jane@example.com", "reason": "hard_bounce"}]


def test_a_recipient_written_in_another_case_is_still_matched():
    suppressed("jane@xn--bcher-kva.de", Reason.COMPLAINT)
    mail = email(to=["JANE@Bücher.DE"])
    decision = filter_batch([mail])[mail.id]
    assert decision.recipients == []
    assert decision.dropped == [{"address": "jane@xn--bcher-kva.de", "reason": "complaint"}]


def test_scope_all_blocks_both_lanes_and_scope_bulk_only_bulk_mail():
    suppressed("hard@example.com", Reason.HARD_BOUNCE, Scope.ALL)
    suppressed("unsub@example.com", Reason.UNSUBSCRIBED, Scope.BULK)
    recipients = ["hard@example.com", "unsub@example.com", "ok@example.com"]
    bulk, transactional, urgent = (email(to=recipients, priority=p)
                                   for p in (PRIORITY.low, PRIORITY.medium, PRIORITY.now))
    decisions = filter_batch([bulk, transactional, urgent])
    assert decisions[bulk.id].to == ["ok@example.com"]
    assert decisions[bulk.id].dropped == [
        {"address": "hard@example.com", "reason": "hard_bounce"},
        {"address": "unsub@example.com", "reason": "unsubscribed"},
    ]
    for mail in (transactional, urgent):
        assert decisions[mail.id].to == ["unsub@example.com", "ok@example.com"]
        assert decisions[mail.id].dropped == [
            {"address": "hard@example.com", "reason": "hard_bounce"}]


def test_priority_null_counts_as_transactional():
    suppressed("unsub@example.com", Reason.UNSUBSCRIBED, Scope.BULK)
    mail = email(to=["unsub@example.com"], priority=None)
    assert filter_batch([mail])[mail.id].to == ["unsub@example.com"]


def test_expired_suppressions_no_longer_block():
    now = timezone.now()
    suppressed("past@example.com", Reason.MANUAL, expires_at=now - timedelta(seconds=1))
    suppressed("future@example.com", Reason.MANUAL, expires_at=now + timedelta(days=1))
    mail = email(to=["past@example.com", "future@example.com"])
    assert filter_batch([mail], now=now)[mail.id].to == ["past@example.com"]
    later = filter_batch([mail], now=now + timedelta(days=2))[mail.id]
    assert later.to == ["past@example.com", "future@example.com"]


def test_an_email_with_every_recipient_suppressed_has_none_left():
    suppressed("a@example.com")
    suppressed("b@example.com", Reason.COMPLAINT)
    mail = email(to=["a@example.com"], cc=["A <A@example.com>"], bcc=["b@example.com"])
    decision = filter_batch([mail])[mail.id]
    assert (decision.to, decision.cc, decision.bcc) == ([], [], [])
    assert decision.dropped == [{"address": "a@example.com", "reason": "hard_bounce"},
                                {"address": "b@example.com", "reason": "complaint"}]


def test_an_unparseable_recipient_is_not_sent_and_says_why():
    """It cannot be checked against the list, so its email fails (the worker records why)."""
    mail = Email(id=10**9, from_email="f@example.com", to=["not an address"], cc=[], bcc=[])
    decision = filter_batch([mail])[mail.id]
    assert decision.to == [] and decision.invalid == [
        "'not an address' cannot be used: it needs a local part, an @ and a domain."]
    assert decision.invalid_error.startswith("Recipient cannot be used: 'not an address'")


def test_same_address_in_two_emails_of_the_batch():
    suppressed("shared@example.com")
    first = email(to=["shared@example.com", "x@example.com"])
    second = email(bcc=["Shared@example.com"])
    decisions = filter_batch([first, second])
    assert decisions[first.id].to == ["x@example.com"]
    assert decisions[second.id].bcc == []
    assert decisions[second.id].dropped == [
        {"address": "shared@example.com", "reason": "hard_bounce"}]
