"""``ses_check`` against the local SES sandbox: all OK, each problem in words, no traceback."""

from __future__ import annotations

import io
import socket
from collections.abc import Callable, Iterator

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from mailer.aws.ses_check import checks
from mailer.sandbox import SESSandbox
from tests.support.workers import manage

WEBHOOK = "https://mailroom.example.com/mail/bouncy/"


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def point_at(settings, url: str) -> None:
    settings.AWS_SES_ENDPOINT_URL = url
    settings.AWS_SES_REGION_ENDPOINT_URL = url


@pytest.fixture
def account(settings) -> Iterator[Callable[..., SESSandbox]]:
    """Start a sandbox with the given account options and point the settings at it."""
    started: list[SESSandbox] = []

    def make(**options) -> SESSandbox:
        box = SESSandbox(**{"feedback_url": WEBHOOK, **options}).start()
        started.append(box)
        point_at(settings, box.url)
        settings.BOUNCY_TOPIC_ARN = [box.topic_arn]
        settings.DEFAULT_FROM_EMAIL = "Mailroom <mailroom@example.com>"
        settings.AWS_SES_CONFIGURATION_SET = None
        settings.MAILROOM_REPLY_ADDRESSES = ["no-reply@example.com"]
        return box

    yield make
    for box in started:
        box.stop()


def check() -> tuple[list[str], int]:
    """Run ses_check; its output lines and exit status."""
    out = io.StringIO()
    try:
        call_command("ses_check", stdout=out)
    except CommandError as exc:
        return out.getvalue().splitlines(), exc.returncode
    return out.getvalue().splitlines(), 0


def problems(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("PROBLEM")]


def test_a_complete_setup_is_all_ok(account):
    box = account()
    lines, status = check()
    assert status == 0 and problems(lines) == []
    assert [line.split()[0] for line in lines[:-1]] == ["OK"] * 9
    assert any(box.topic_arn in line and "listed in BOUNCY_TOPIC_ARN" in line for line in lines)
    assert (
        f"OK receiving: no-reply@example.com: rule replies of mailroom-sandbox-replies publishes "
        f"to {box.topic_arn} (SNS action, the message inline)"
    ) in lines
    assert any(f"delivers to {WEBHOOK}" in line and "confirmed" in line for line in lines)


def suppression_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if "account-level suppression list" in line]


def test_the_account_suppression_list_on_for_both_reasons(account, settings):
    account()
    settings.MAILROOM_SES_SUPPRESSION_PUSH = True
    on, sync = suppression_lines(check()[0])
    assert on.startswith("OK account-level suppression list: on for bounces and complaints: SES")
    assert "OnAccountSuppressionList bounce" in on and "still delivered" not in on
    assert sync == (
        "OK account-level suppression list: Mailroom imports it every 300 s and deletes at SES"
        " what an operator removes; push on: Mailroom's own suppressions are added to it"
    )


def test_the_account_suppression_list_for_one_reason_or_off(account):
    box = account()
    box.suppression.set_reasons(["BOUNCE"])
    on, _ = suppression_lines(check()[0])
    assert "on for bounces:" in on and "listed for another reason are still delivered" in on
    box.suppression.set_reasons([])
    [off] = suppression_lines(check()[0])
    assert off.startswith("OK account-level suppression list: off; SES delivers")


def test_no_sync_while_the_list_is_on_is_a_problem(account, settings):
    account()
    settings.MAILROOM_SES_SUPPRESSION_SYNC_SECONDS = 0
    lines, status = check()
    assert status == 1
    assert problems(lines) == [
        "PROBLEM account-level suppression list: MAILROOM_SES_SUPPRESSION_SYNC_SECONDS is 0, so"
        " an address removed in the admin stays blocked at SES: set it (e.g. 300), or run"
        " `manage.py mailer_ses_suppressions remove` and `pull` yourself"
    ]


def test_the_suppression_calls_refused(account):
    box = account()
    box.suppression.add_fault("InvalidParameterValue", 1, "ListSuppressedDestinations")
    [line] = suppression_lines(check()[0])
    assert line.startswith(
        "PROBLEM account-level suppression list: ses:GetAccount / ses:ListSuppressedDestinations"
        " failed (BadRequestException"
    )


def test_event_destinations_of_the_configuration_set_count(account, settings):
    account()
    settings.AWS_SES_CONFIGURATION_SET = "mailroom-events"
    lines, status = check()
    assert status == 0 and problems(lines) == []


def test_an_unverified_sender(account):
    account(verified_identities=["other.example"])
    lines, status = check()
    assert status == 1
    [line] = problems(lines)
    assert "neither mailroom@example.com nor example.com is verified in us-east-1" in line
    assert "verify the domain" in line
    assert lines[-1].startswith("SKIP notification topics")


def test_a_pending_sender_verification(account):
    box = account(verified_identities=[])
    box.state.verify_identity("mailroom@example.com")
    lines, _ = check()
    assert "verification of mailroom@example.com is Pending" in problems(lines)[0]


def test_a_sandbox_account(account):
    account(max_24h_send=200, max_send_rate=1, production_access=False)
    lines, status = check()
    [line] = problems(lines)
    assert status == 1
    assert "sandbox: you can only send to verified addresses; request production access" in line


def test_the_sandbox_quota_alone_is_recognised(account):
    account(max_24h_send=200, max_send_rate=1)
    assert "sandbox" in problems(check()[0])[0]


def test_missing_notification_topics(account):
    account(notification_topics=False)
    lines, status = check()
    assert status == 1
    assert [line.split(" go ")[0] for line in problems(lines)] == [
        "PROBLEM bounces of mailroom@example.com",
        "PROBLEM complaints of mailroom@example.com",
    ]
    assert all("only by email to the Return-Path" in line for line in problems(lines))


def test_a_topic_missing_from_bouncy_topic_arn(account, settings):
    box = account()
    settings.BOUNCY_TOPIC_ARN = ["arn:aws:sns:us-east-1:123456789012:something-else"]
    [line, receiving] = problems(check()[0])
    assert f"published on {box.topic_arn}, which is not in BOUNCY_TOPIC_ARN: add it" in line
    assert receiving.startswith("PROBLEM receiving: the rules matching no-reply@example.com")


def test_a_subscription_awaiting_confirmation(account):
    box = account()
    box.send_subscription_confirmation()
    [line] = problems(check()[0])
    assert f"the subscription of {WEBHOOK} to {box.topic_arn} awaits confirmation" in line


def test_no_subscription_to_the_webhook(account):
    account(feedback_url=None)
    [line] = problems(check()[0])
    assert "reaches the webhook: subscribe https://YOURAPP/mail/bouncy/" in line


def test_sns_out_of_reach_is_skipped_with_a_clear_line(account, settings):
    account()
    settings.AWS_SNS_ENDPOINT_URL = closed_port_url()
    lines, status = check()
    assert status == 0
    assert any(line.startswith("SKIP SNS not checked: cannot reach SNS") for line in lines)


def test_an_unknown_access_key(account, settings):
    account(access_keys=["AKIAGOOD"])
    settings.AWS_ACCESS_KEY_ID = "AKIABAD"
    lines, status = check()
    assert status == 1
    assert problems(lines) == [
        "PROBLEM credentials: AWS does not know this access key ID: check AWS_ACCESS_KEY_ID"
        " (and that the key is active in IAM)"
    ]


def test_no_credentials_at_all(account, settings, monkeypatch, tmp_path):
    account()
    settings.AWS_ACCESS_KEY_ID = settings.AWS_SECRET_ACCESS_KEY = None
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    lines, status = check()
    assert status == 1
    assert "no AWS credentials found: set AWS_ACCESS_KEY_ID" in problems(lines)[0]


def test_an_unreachable_endpoint(settings):
    url = closed_port_url()
    point_at(settings, url)
    lines, status = check()
    assert status == 1
    assert problems(lines)[0].startswith(f"PROBLEM cannot reach SES at {url}")


def test_the_command_exits_1_without_a_traceback():
    done = manage("ses_check", env={"AWS_SES_ENDPOINT_URL": closed_port_url()})
    assert done.returncode == 1
    assert "PROBLEM cannot reach SES" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize(("region", "status"), [("eu-west-1", "OK"), ("eu-nowhere-9", "PROBLEM")])
def test_the_region_must_offer_ses(settings, region, status):
    settings.AWS_SES_ENDPOINT_URL = None
    settings.AWS_SES_REGION_NAME = region
    assert checks.check_region().status == status


def test_receiving_without_an_active_receipt_rule_set(account):
    account(receipt_recipients=None)
    lines, status = check()
    assert status == 1
    [line] = problems(lines)
    assert (
        "receiving: no receipt rule set is active in us-east-1: mail to no-reply@example.com"
        " bounces" in line
    )


def test_receiving_when_no_rule_matches_the_reply_address(account):
    account(receipt_recipients=["other.example", "help@example.com"])
    [line] = problems(check()[0])
    assert (
        "no enabled rule of the active rule set mailroom-sandbox-replies matches "
        "no-reply@example.com" in line
    )


@pytest.mark.parametrize("recipients", [["example.com"], ["no-reply@example.com"], []])
def test_receiving_rules_match_an_address_its_domain_or_everyone(account, recipients):
    account(receipt_recipients=recipients)
    assert problems(check()[0]) == []


def test_receiving_to_a_topic_the_webhook_does_not_accept(account, settings):
    box = account()
    settings.BOUNCY_TOPIC_ARN = ["arn:aws:sns:us-east-1:123456789012:something-else"]
    found = [line for line in problems(check()[0]) if "receiving" in line]
    assert found == [
        f"PROBLEM receiving: the rules matching no-reply@example.com publish to {box.topic_arn}, "
        "which BOUNCY_TOPIC_ARN does not list: add it so the webhook accepts the replies"
    ]


def test_receiving_is_skipped_without_reply_addresses(account, settings):
    account()
    settings.MAILROOM_REPLY_ADDRESSES = []
    lines, status = check()
    assert status == 0
    assert "SKIP receiving: MAILROOM_REPLY_ADDRESSES is empty, no address answers" in lines
