"""System checks for bouncy's settings (ids bouncy.E001 …, bouncy.W001 …)."""

from __future__ import annotations

import re
from typing import Any

from django.core.checks import Error, Warning, register

from bouncy.conf import get_settings
from bouncy.exceptions import BouncyConfigurationError

_TOPIC_ARN = re.compile(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]{1,256}")
_HOST_PORT = re.compile(r"[a-z0-9.-]+:[0-9]{1,5}|\[[0-9a-f:]+\]:[0-9]{1,5}")
# URLs the certificate pattern must refuse: an S3 bucket named "sns" (django-ses CVE-001),
# http, another domain, a look-alike suffix, a trailing newline, another file.
HOSTILE_CERT_URLS = (
    "https://sns.s3-us-west-2.amazonaws.com/SimpleNotificationService-0123abcd.pem",
    "https://sns.s3-accelerate.amazonaws.com/SimpleNotificationService-0123abcd.pem",
    "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123abcd.pem",
    "https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-0123abcd.pem",
    "https://sns.us-east-1.amazonaws.com@evil.example/SimpleNotificationService-0123abcd.pem",
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123abcd.pem\n",
    "https://sns.us-east-1.amazonaws.com/evil/SimpleNotificationService-0123abcd.pem",
)
GENUINE_CERT_URLS = (
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem",
    "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-3250158c6da48d6a6a7f6b13d0a0fc1c.pem",
    "https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-0123abcd.pem",
)


@register()
def check_topics(app_configs: Any, **kwargs: Any) -> list[Any]:
    """W001: no topic allowed means every notification is refused; W002: a malformed ARN."""
    topics = get_settings().topic_arns
    if not topics:
        return [Warning(
            "BOUNCY_TOPIC_ARN is empty: the SNS webhook refuses every message.",
            hint="Set BOUNCY_TOPIC_ARN to the SNS topic ARNs SES publishes to, comma-separated.",
            id="bouncy.W001",
        )]
    return [Warning(
        f"BOUNCY_TOPIC_ARN has {arn!r}, which is not an SNS topic ARN.",
        hint="Use arn:aws:sns:<region>:<account>:<topic>.",
        id="bouncy.W002",
    ) for arn in sorted(topics) if not _TOPIC_ARN.fullmatch(arn)]


@register()
def check_dev_cert_hosts(app_configs: Any, **kwargs: Any) -> list[Any]:
    """E001: dev certificate hosts are for DEBUG only; E003: each is host:port."""
    conf = get_settings()
    errors = [Error(
        f"BOUNCY_DEV_CERT_HOSTS has {host!r}, which is not host:port.",
        hint="List host:port pairs, e.g. 127.0.0.1:8025.",
        id="bouncy.E003",
    ) for host in sorted(conf.dev_cert_hosts) if not _HOST_PORT.fullmatch(host)]
    if conf.dev_cert_hosts and not conf.debug:
        errors.append(Error(
            "BOUNCY_DEV_CERT_HOSTS is set while DEBUG is off: certificates over plain http "
            "would let anyone forge SNS messages (the webhook refuses them).",
            hint="Unset BOUNCY_DEV_CERT_HOSTS in production; it is for the local SES sandbox.",
            id="bouncy.E001",
        ))
    return errors


@register()
def check_cert_url_pattern(app_configs: Any, **kwargs: Any) -> list[Any]:
    """E002: the pattern must compile; W003: it must refuse hostile URLs and accept SNS's."""
    conf = get_settings()
    try:
        regex = conf.cert_url_regex
    except BouncyConfigurationError as exc:
        return [Error(str(exc), id="bouncy.E002")]
    loose = [url for url in HOSTILE_CERT_URLS if regex.fullmatch(url)]
    strict = [url for url in GENUINE_CERT_URLS if not regex.fullmatch(url)]
    return [Warning(
        f"BOUNCY_CERT_URL_PATTERN accepts {url!r}." if url in loose
        else f"BOUNCY_CERT_URL_PATTERN refuses the genuine SNS URL {url!r}.",
        hint="Unset BOUNCY_CERT_URL_PATTERN to use the exact SNS default.",
        id="bouncy.W003",
    ) for url in loose + strict]
