"""``mailer_ses_suppressions pull [--since DATE] [--full]`` / ``push`` / ``remove``: exit 0 on
success, a clear error otherwise."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from mailer.models import Unsubscribe
from tests.support.sandbox import at
from tests.support.workers import manage

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("mailer_ses_suppressions", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_pull_imports_and_says_what_it_did(box):
    box.suppression.put("a@example.com", "BOUNCE", when=at("2026-11-01T00:00:00"))
    box.suppression.put("b@example.com", "BOUNCE", when=at("2026-11-10T00:00:00"))
    out, _ = run("pull", "--since", "2026-11-05")
    assert out.startswith("incremental pull: 1 listed at SES, 1 new")
    out, _ = run("pull", "--full")
    assert out.startswith("full pull: 2 listed at SES, 1 new, 0 strengthened, 1 already")
    assert Unsubscribe.objects.count() == 2


def test_push_pushes_even_with_the_setting_off_and_says_so(box, settings):
    settings.MAILROOM_SES_SUPPRESSION_PUSH = False
    Unsubscribe.objects.create(address="hard@example.com", reason="hard_bounce")
    out, _ = run("push")
    assert "MAILROOM_SES_SUPPRESSION_PUSH is off" in out
    assert "push: 1 added to SES's list" in out
    assert box.suppression.addresses() == ["hard@example.com"]


def test_a_bad_date_is_a_clear_error(box):
    with pytest.raises(CommandError, match="not a date: 'yesterday'"):
        run("pull", "--since", "yesterday")
    with pytest.raises(CommandError, match="not a date: '2026-02-30'"):
        run("pull", "--since", "2026-02-30")


def test_ses_down_is_a_clear_error(box):
    box.suppression.add_fault("ServiceUnavailable", 6, "ListSuppressedDestinations")
    with pytest.raises(CommandError, match="pull stopped: ServiceUnavailable"):
        run("pull")


def test_failed_removals_are_listed_and_fail_the_command(box):
    from mailer.suppression.ses_sync import removal

    box.suppression.put("a@example.com", "BOUNCE")
    removal.request(["a@example.com"], "admin")
    box.suppression.add_fault("ServiceUnavailable", 6, "DeleteSuppressedDestination")
    with pytest.raises(CommandError, match="1 addresses failed"):
        run("remove")


@pytest.mark.django_db(transaction=True)
def test_the_command_exits_0_on_success(box):
    box.suppression.put("a@example.com", "BOUNCE")
    done = manage(
        "mailer_ses_suppressions", "pull", env={"AWS_SES_ENDPOINT_URL": box.url}, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("full pull: 1 listed at SES, 1 new")
    assert Unsubscribe.objects.filter(address="a@example.com").exists()
