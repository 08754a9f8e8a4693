"""ses_check's lines about SES's account-level suppression list and what it means for Mailroom."""

from __future__ import annotations

from mailer.aws import account_suppressions
from mailer.aws.ses_check.report import Finding, denied, ok, problem
from mailer.conf import get_suppression_settings
from mailer.exceptions import SESError

WHAT_SES_DOES = (
    "SES accepts mail to a listed address but does not deliver it (it still counts against the"
    " quota and comes back as an OnAccountSuppressionList bounce)"
)
TURN_ON = "aws sesv2 put-account-suppression-attributes --suppressed-reasons BOUNCE COMPLAINT"


def check_account_suppression() -> list[Finding]:
    """Whether the list is on and for which reasons, and whether Mailroom can keep in step."""
    try:
        reasons = account_suppressions.suppressed_reasons()
        account_suppressions.list_page(size=1)
    except SESError as exc:
        refused = denied("ses:GetAccount / ses:ListSuppressedDestinations", exc)
        return [problem(f"account-level suppression list: {refused.text}")]
    if not reasons:
        return [ok(
            "account-level suppression list: off; SES delivers to the addresses on it, and only"
            f" Mailroom's own list blocks them (to have SES block them too: {TURN_ON})"
        )]  # fmt: skip
    return [_enforced(reasons), _sync()]


def _enforced(reasons: list[str]) -> Finding:
    kinds = " and ".join(reason.lower() + "s" for reason in reasons)
    partial = (
        ""
        if len(reasons) == 2
        else (
            f"; addresses listed for another reason are still delivered to (all reasons: {TURN_ON})"
        )
    )
    return ok(f"account-level suppression list: on for {kinds}: {WHAT_SES_DOES}{partial}")


def _sync() -> Finding:
    conf = get_suppression_settings()
    if not conf.ses_sync_seconds:
        return problem(
            "account-level suppression list: MAILROOM_SES_SUPPRESSION_SYNC_SECONDS is 0, so an"
            " address removed in the admin stays blocked at SES: set it (e.g. 300), or run"
            " `manage.py mailer_ses_suppressions remove` and `pull` yourself"
        )
    push = (
        "on: Mailroom's own suppressions are added to it"
        if conf.ses_push
        else ("off (MAILROOM_SES_SUPPRESSION_PUSH)")
    )
    return ok(
        f"account-level suppression list: Mailroom imports it every {conf.ses_sync_seconds:g} s"
        f" and deletes at SES what an operator removes; push {push}"
    )
