"""Subscriptions: auto-confirmed only when enabled; otherwise logged and confirmed by command."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from bouncy.models import Notification
from tests.support.sns import TOPIC

pytestmark = pytest.mark.django_db


def confirm_hits(cert_server) -> list[str]:
    return [hit for hit in cert_server.hits if hit.startswith("/confirm/")]


def test_auto_subscribe_fetches_the_subscribe_url(post, publisher, cert_server, settings):
    settings.BOUNCY_AUTO_SUBSCRIBE = True
    envelope = publisher.confirmation()
    assert post(envelope).status_code == 200
    assert len(confirm_hits(cert_server)) == 1
    assert Notification.objects.get().confirmed_at is not None


def test_without_auto_subscribe_it_is_logged_not_fetched(post, publisher, cert_server, caplog):
    envelope = publisher.confirmation()
    with caplog.at_level("WARNING", logger="bouncy.subscriptions"):
        assert post(envelope).status_code == 200
    assert confirm_hits(cert_server) == []
    row = Notification.objects.get()
    assert row.confirmed_at is None
    assert envelope["SubscribeURL"] in caplog.text and "bouncy_confirm_subscription" in caplog.text


def test_unsubscribe_confirmation_is_logged_only(post, publisher, cert_server, settings, caplog):
    settings.BOUNCY_AUTO_SUBSCRIBE = True
    envelope = publisher.confirmation("UnsubscribeConfirmation")
    with caplog.at_level("WARNING", logger="bouncy.subscriptions"):
        assert post(envelope).status_code == 200
    assert confirm_hits(cert_server) == []
    assert "unsubscribed" in caplog.text
    assert Notification.objects.get().type == "UnsubscribeConfirmation"


def test_a_failed_auto_confirmation_still_answers_200_and_can_be_retried(
        post, publisher, cert_server, settings, caplog):
    settings.BOUNCY_AUTO_SUBSCRIBE = True
    envelope = publisher.confirmation(subscribe_url=cert_server.url("/confirm/gone"))
    with caplog.at_level("ERROR", logger="bouncy.subscriptions"):
        assert post(envelope).status_code == 200
    assert "could not confirm" in caplog.text
    assert Notification.objects.get().confirmed_at is None


def test_the_command_lists_and_confirms(post, publisher, cert_server, capsys):
    post(publisher.confirmation())
    row = Notification.objects.get()
    call_command("bouncy_confirm_subscription")
    assert f"{row.pk}\t" in capsys.readouterr().out
    call_command("bouncy_confirm_subscription", TOPIC)
    assert f"confirmed {TOPIC} arn:aws:sns:" in capsys.readouterr().out
    assert len(confirm_hits(cert_server)) == 1
    row.refresh_from_db()
    assert row.confirmed_at is not None
    call_command("bouncy_confirm_subscription")
    assert "no subscription awaits confirmation" in capsys.readouterr().out


def test_the_command_refuses_a_topic_no_longer_allowed(post, publisher, settings, cert_server):
    post(publisher.confirmation())
    settings.BOUNCY_TOPIC_ARN = []
    with pytest.raises(CommandError, match="not in BOUNCY_TOPIC_ARN"):
        call_command("bouncy_confirm_subscription", str(Notification.objects.get().pk))
    assert confirm_hits(cert_server) == []


def test_the_command_says_when_nothing_matches():
    with pytest.raises(CommandError, match="no pending subscription"):
        call_command("bouncy_confirm_subscription", "42")
