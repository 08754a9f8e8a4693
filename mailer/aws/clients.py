"""The process's AWS clients (kind "aws" in ``mailer.clients``): django-ses's sending backend,
and boto3 clients (SES v1 and v2, SNS) for the account reads, built from django-ses's settings."""

from __future__ import annotations

from typing import Any, Literal

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django_ses import SESBackend
from django_ses.conf import settings as ses_settings

from mailer.clients import forget, shared

Service = Literal["ses", "sesv2", "sns", "s3"]
# Account reads: fail fast and say so (a setup check or a quota read, never a retry loop).
ACCOUNT_CONFIG = Config(connect_timeout=5, read_timeout=15, retries={"total_max_attempts": 1})
# S3 at a local endpoint (the sandbox) has no bucket host names: address buckets by path.
LOCAL_S3_CONFIG = ACCOUNT_CONFIG.merge(Config(s3={"addressing_style": "path"}))


def sending_backend() -> SESBackend:
    """One django-ses backend (one boto3 client, one connection pool) per process.

    The sender threads of a worker share it; a new client per message costs ~100 ms and would
    cap a worker near 8 messages/s.
    """
    return shared(("aws", "sending-backend"), _open_backend)


def _open_backend() -> SESBackend:
    backend = SESBackend(fail_silently=False)
    backend.open()
    return backend


def client(service: Service, region_name: str | None = None) -> Any:
    """A boto3 client with django-ses's credentials, for SES (its endpoint), SNS or S3; one per
    service, region, endpoint and credentials (so a settings change gets a new one)."""
    endpoint = {"sns": sns_endpoint, "s3": s3_endpoint}.get(service, ses_endpoint)()
    config = LOCAL_S3_CONFIG if service == "s3" and endpoint else ACCOUNT_CONFIG
    profile = ses_settings.AWS_SESSION_PROFILE
    key, secret, token = (
        ses_settings.ACCESS_KEY,
        ses_settings.SECRET_KEY,
        ses_settings.SESSION_TOKEN,
    )
    region_name = region_name or region()
    return shared(
        ("aws", service, region_name, endpoint, key, secret, token, profile),
        lambda: _session(profile).client(
            service,
            region_name=region_name,
            endpoint_url=endpoint,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            aws_session_token=token,
            config=config,
        ),
    )


def _session(profile: str | None) -> boto3.session.Session:
    """A session per profile: it caches the service models every client would load again."""
    return shared(("aws", "session", profile), lambda: boto3.session.Session(profile_name=profile))


def warm_up() -> None:
    """Build the sending client now (a worker process at start), not on the first send."""
    try:
        sending_backend()
    except (ClientError, BotoCoreError):
        reset_client()


def reset_client() -> None:
    """Forget every client (after a fork, or when settings change in tests)."""
    forget("aws")


def region() -> str:
    """AWS_SES_REGION_NAME, as django-ses reads it."""
    return str(ses_settings.AWS_SES_REGION_NAME)


def ses_endpoint() -> str:
    """The SES endpoint URL in use (AWS_SES_ENDPOINT_URL, else the region's)."""
    return str(ses_settings.AWS_SES_REGION_ENDPOINT_URL)


def sns_endpoint() -> str | None:
    """A local SNS (AWS_SNS_ENDPOINT_URL, else AWS_SES_ENDPOINT_URL), or None for AWS's."""
    endpoint: str | None = getattr(settings, "AWS_SNS_ENDPOINT_URL", None)
    return endpoint or settings.AWS_SES_ENDPOINT_URL


def s3_endpoint() -> str | None:
    """A local S3 (AWS_SES_ENDPOINT_URL: the sandbox serves received mail), or None for AWS's."""
    endpoint: str | None = settings.AWS_SES_ENDPOINT_URL
    return endpoint


def ses_regions() -> list[str]:
    """The regions where boto3 knows an SES endpoint (no network call)."""
    return boto3.session.Session().get_available_regions("ses")
