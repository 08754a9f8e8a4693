"""Service: check the SES/SNS account setup Mailroom needs and say in words what is wrong."""

from __future__ import annotations

from email.utils import parseaddr

from django.conf import settings

from mailer.aws import account, clients
from mailer.aws.account import Quota, get_quota
from mailer.aws.ses_check.feedback import check_subscriptions, check_topics
from mailer.aws.ses_check.receiving import check_receipt_rules
from mailer.aws.ses_check.report import POLICY, Finding, denied, ok, problem, skipped
from mailer.aws.ses_check.suppression import check_account_suppression
from mailer.exceptions import SESError

SANDBOX_QUOTA = (200.0, 1.0)  # Max24HourSend, MaxSendRate of an account in the SES sandbox
SANDBOX_ADVICE = (
    "you can only send to verified addresses; request production access"
    " (SES console → Account dashboard → Request production access)"
)
CREDENTIAL_ADVICE = {
    "NoCredentials": "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    "InvalidClientTokenId": "AWS does not know this access key ID: check AWS_ACCESS_KEY_ID"
    " (and that the key is active in IAM)",
    "UnrecognizedClientException": "AWS does not know this access key ID: check AWS_ACCESS_KEY_ID",
    "SignatureDoesNotMatch": "the secret key does not match the access key ID:"
    " check AWS_SECRET_ACCESS_KEY",
    "AccessDenied": f"the credentials work but may not call ses:GetSendQuota: attach {POLICY}",
    "ExpiredToken": "the session token has expired: renew the credentials",
    "RequestExpired": "AWS refused the request time: check this machine's clock",
}


def run() -> list[Finding]:
    """Every check, in order; later checks are skipped when the credentials do not work."""
    findings = [check_region()]
    try:
        quota = get_quota()
    except SESError as exc:
        return [*findings, credentials_problem(exc), skipped("other checks need SES access")]
    findings += [
        ok(f"credentials: SES at {clients.ses_endpoint()} answers"),
        *check_quota(quota),
        *check_account_suppression(),
    ]
    identity, found = check_identity(settings.DEFAULT_FROM_EMAIL)
    findings += found
    if identity is None:
        return [*findings, skipped("notification topics: no verified sender identity")]
    topics, found = check_topics(identity)
    receiving = check_receipt_rules(settings.MAILROOM_REPLY_ADDRESSES)
    return findings + found + check_subscriptions(topics) + receiving


# --- region, credentials, quota ---------------------------------------------------------------


def check_region() -> Finding:
    """AWS_SES_REGION_NAME names a region with SES (unless a local endpoint is used)."""
    region, endpoint = clients.region(), clients.ses_endpoint()
    if settings.AWS_SES_ENDPOINT_URL:
        return ok(f"region {region}, at the endpoint AWS_SES_ENDPOINT_URL={endpoint}")
    if region not in clients.ses_regions():
        return problem(
            f"region {region!r} has no SES endpoint: set AWS_SES_REGION_NAME to the region "
            "where your identities are verified (e.g. us-east-1, eu-west-1)"
        )
    return ok(f"region {region} ({endpoint})")


def credentials_problem(exc: SESError) -> Finding:
    """The words for a failed first call."""
    if exc.code == "ConnectionError":
        return problem(
            f"cannot reach SES at {clients.ses_endpoint()} ({exc}): check "
            "AWS_SES_REGION_NAME / AWS_SES_ENDPOINT_URL and the network"
        )
    code = exc.code.removesuffix("Exception")
    advice = CREDENTIAL_ADVICE.get(code) or f"SES refused GetSendQuota ({exc})"
    return problem(f"credentials: {advice}")


def check_quota(quota: Quota) -> list[Finding]:
    """Production or sandbox, sending enabled, 24-hour quota not used up."""
    status: account.AccountStatus | None = None
    try:
        fetched = account.get_account()
    except SESError as exc:
        found = [denied("ses:GetAccount", exc)]
    else:
        status, found = fetched, ([] if fetched.sending_enabled else [_paused(fetched)])
    in_sandbox = (quota.max_24_hour_send, quota.max_send_rate) == SANDBOX_QUOTA
    if in_sandbox or (status is not None and not status.production_access):
        found.append(problem(f"quota ({_limits(quota)}): sandbox: {SANDBOX_ADVICE}"))
    else:
        found.append(ok(f"quota: production access, {_limits(quota)}"))
    if quota.exhausted:
        found.append(
            problem(
                f"quota: the 24-hour quota is used up ({_limits(quota)}): wait, or "
                "ask AWS for a higher quota"
            )
        )
    return found


def _paused(status: account.AccountStatus) -> Finding:
    return problem(
        f"sending is paused for this account (enforcement status {status.enforcement_status}):"
        " see the SES console's reputation dashboard"
    )


def _limits(quota: Quota) -> str:
    used = f"{quota.sent_last_24_hours:,.0f} of {quota.max_24_hour_send:,.0f}"
    return f"{quota.max_send_rate:g} recipients/s, {used} sent in the last 24 h"


# --- sender identity --------------------------------------------------------------------------


def check_identity(from_email: str) -> tuple[str | None, list[Finding]]:
    """The verified identity covering DEFAULT_FROM_EMAIL (its address, else its domain)."""
    address = parseaddr(from_email)[1]
    if "@" not in address:
        return None, [problem(f"DEFAULT_FROM_EMAIL {from_email!r} has no address: set it")]
    domain = address.rpartition("@")[2].lower()
    try:
        statuses = account.verification_statuses([address, domain])
    except SESError as exc:
        return None, [denied("ses:GetIdentityVerificationAttributes", exc)]
    for identity in (address, domain):
        if statuses.get(identity) == "Success":
            return identity, [ok(f"sender {address}: identity {identity} is verified")]
    return None, [_unverified(address, domain, statuses)]


def _unverified(address: str, domain: str, statuses: dict[str, str]) -> Finding:
    pending = [i for i in (address, domain) if statuses.get(i) in ("Pending", "TemporaryFailure")]
    if pending:
        return problem(
            f"sender {address}: verification of {pending[0]} is {statuses[pending[0]]}: publish "
            "the DKIM DNS records (domain) or click the link AWS emailed (address)"
        )
    return problem(
        f"sender {address}: neither {address} nor {domain} is verified in "
        f"{clients.region()}: verify the domain in the SES console (docs/deploy.md); "
        "identities are per region, so check AWS_SES_REGION_NAME too"
    )
