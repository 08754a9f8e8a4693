"""sns: trusted URLs, certificate fetch (real HTTP on 127.0.0.1) and cache, signatures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache

from bouncy import envelope, sns
from bouncy.checks import GENUINE_CERT_URLS, HOSTILE_CERT_URLS
from bouncy.conf import get_settings
from bouncy.exceptions import (
    CertificateNotFound,
    CertificateNotValidAtTimestamp,
    CertificateUnavailable,
    InvalidCertificate,
    InvalidSignature,
    SubscriptionError,
    UnsupportedSignatureVersion,
    UntrustedCertificateURL,
    UntrustedSubscribeURL,
)
from tests.support.sns import SNS_CERT_URL


@pytest.mark.parametrize("url", GENUINE_CERT_URLS)
def test_genuine_sns_cert_urls_pass(url):
    sns.check_cert_url(url, get_settings())


@pytest.mark.parametrize("url", [
    *HOSTILE_CERT_URLS,
    "https://sns.us-east-1.amazonaws.com:443/SimpleNotificationService-0123abcd.pem",
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123ABCD.pem",
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123abcd.pem?x=1",
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-.pem",
    "https://s3.amazonaws.com/sns/SimpleNotificationService-0123abcd.pem",
    "https://sns.us-east-1.amazonaws.com.cn.evil.example/SimpleNotificationService-0123abcd.pem",
    " https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123abcd.pem",
])
def test_everything_else_is_refused(url):
    with pytest.raises(UntrustedCertificateURL):
        sns.check_cert_url(url, get_settings())


def test_a_dev_host_passes_with_debug_only(settings, cert_server):
    url = cert_server.url("/any/name.pem")
    sns.check_cert_url(url, get_settings())
    settings.DEBUG = False
    with pytest.raises(UntrustedCertificateURL, match="refused while DEBUG is off"):
        sns.check_cert_url(url, get_settings())


@pytest.mark.parametrize("url, ok", [
    ("https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&Token=x", True),
    ("https://sns.cn-north-1.amazonaws.com.cn/?Action=ConfirmSubscription", True),
    ("http://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription", False),
    ("https://sns.s3-us-west-2.amazonaws.com/?Action=ConfirmSubscription", False),
    ("https://user@sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription", False),
    ("https://sns.us-west-2.amazonaws.com:8443/?Action=ConfirmSubscription", False),
    ("https://169.254.169.254/latest/meta-data/", False),
    ("https://[", False),
    ("https://sns.us-west-2.amazonaws.com\n.evil.example/", False),
])
def test_subscribe_urls_must_be_on_an_sns_host(url, ok):
    if ok:
        sns.check_subscribe_url(url, get_settings())
    else:
        with pytest.raises(UntrustedSubscribeURL):
            sns.check_subscribe_url(url, get_settings())


def test_a_certificate_is_fetched_once_then_cached_by_url(cert_server, leaf):
    url = cert_server.serve("/SimpleNotificationService-abc.pem", leaf.pem)
    assert sns.fetch_certificate(url) == leaf.pem
    assert sns.fetch_certificate(url) == leaf.pem
    assert cert_server.hits == ["/SimpleNotificationService-abc.pem"]
    assert cache.get(sns.cache_key(url)) == leaf.pem


def test_another_process_finds_it_in_djangos_cache(cert_server, leaf):
    url = cert_server.serve("/SimpleNotificationService-abd.pem", leaf.pem)
    sns.fetch_certificate(url)
    sns.forget_certificates()  # as a fresh process would be
    assert sns.fetch_certificate(url) == leaf.pem
    assert len(cert_server.hits) == 1


def test_the_process_memo_spares_the_shared_cache(cert_server, leaf):
    url = cert_server.serve("/SimpleNotificationService-abe.pem", leaf.pem)
    sns.fetch_certificate(url)
    cache.clear()
    assert sns.fetch_certificate(url) == leaf.pem
    assert len(cert_server.hits) == 1


@pytest.mark.parametrize("status, error", [
    (301, CertificateNotFound), (404, CertificateNotFound), (403, CertificateNotFound),
    (500, CertificateUnavailable), (503, CertificateUnavailable),
])
def test_no_certificate_without_a_200_and_redirects_are_not_followed(
        cert_server, leaf, status, error):
    target = cert_server.serve("/real.pem", leaf.pem)
    url = cert_server.serve("/moved.pem", target.encode(), status=status)
    with pytest.raises(error, match=f"HTTP {status}"):
        sns.fetch_certificate(url)
    assert cert_server.hits == ["/moved.pem"]
    assert cache.get(sns.cache_key(url)) is None


def test_a_certificate_over_the_size_cap_is_refused(cert_server):
    url = cert_server.serve("/big.pem", b"x" * (64 * 1024 + 1))
    with pytest.raises(InvalidCertificate, match="over 65536 bytes"):
        sns.fetch_certificate(url)


def test_a_certificate_at_the_size_cap_is_read_whole(cert_server):
    url = cert_server.serve("/edge.pem", b"x" * (64 * 1024))
    assert len(sns.fetch_certificate(url)) == 64 * 1024


def test_a_slow_server_times_out(cert_server, leaf, settings):
    settings.BOUNCY_FETCH_TIMEOUT = 0.3
    url = cert_server.serve("/slow.pem", leaf.pem, delay=1.0)
    with pytest.raises(CertificateUnavailable, match="Timeout"):
        sns.fetch_certificate(url)


def test_a_closed_port_is_unavailable():
    with pytest.raises(CertificateUnavailable, match="ConnectionError"):
        sns.fetch_certificate("http://127.0.0.1:9/SimpleNotificationService-0.pem")


def test_directory_source_matches_the_file_name(tmp_path, leaf):
    (tmp_path / "SimpleNotificationService-abc.pem").write_bytes(leaf.pem)
    source = sns.DirectoryCertificateSource(tmp_path)
    url = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem"
    assert source(url) == leaf.pem
    with pytest.raises(CertificateNotFound, match="no certificate"):
        source(url.replace("abc", "abd"))


def test_load_certificate_refuses_non_rsa_keys(ca):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(ca.cert.subject).issuer_name(ca.cert.subject)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + timedelta(days=1)).sign(ca.key, hashes.SHA256()))
    with pytest.raises(InvalidCertificate, match="not RSA"):
        sns.load_certificate(cert.public_bytes(serialization.Encoding.PEM))


@pytest.mark.parametrize("version", ["1", "2"])
def test_verify_accepts_both_signature_versions(publisher, version):
    data = publisher.aws("awsdoc_event_open.json", version=version, subject="S")
    sns_module_verify(data)


def sns_module_verify(data: dict) -> None:
    sns.verify(envelope.parse(json.dumps(data).encode()))


def test_verify_with_a_source_does_not_use_the_network(publisher, leaf, cert_server):
    data = publisher.aws("awsdoc_event_open.json",
                            cert_url=SNS_CERT_URL)
    sns.verify(envelope.parse(json.dumps(data).encode()), lambda url: leaf.pem)
    assert cert_server.hits == []


def test_verify_refuses_sha1_signatures_labelled_2(publisher, leaf):
    data = publisher.aws("awsdoc_event_open.json", version="1")
    data["SignatureVersion"] = "2"
    with pytest.raises(InvalidSignature):
        sns_module_verify(data)


def test_unknown_signature_version(publisher):
    data = publisher.aws("awsdoc_event_open.json", SignatureVersion="3")
    with pytest.raises(UnsupportedSignatureVersion):
        sns_module_verify(data)


def test_validity_is_checked_at_the_message_timestamp_not_now(publisher, ca):
    old = ca.issue(datetime(2020, 1, 1, tzinfo=UTC), datetime(2021, 1, 1, tzinfo=UTC))
    data = publisher.aws("awsdoc_event_open.json", leaf=old,
                            Timestamp="2020-06-01T00:00:00.000Z")
    sns_module_verify(data)  # old certificate, old message: fine (replay of a saved message)
    data = publisher.aws("awsdoc_event_open.json", leaf=old)
    with pytest.raises(CertificateNotValidAtTimestamp):
        sns_module_verify(data)


def test_confirm_subscription_fetches_the_url(cert_server):
    reply = b"<SubscriptionArn>arn:x</SubscriptionArn>"
    url = cert_server.serve("/confirm?Action=ConfirmSubscription", reply)
    assert sns.confirm_subscription(url) == "arn:x"
    assert cert_server.hits == ["/confirm?Action=ConfirmSubscription"]


def test_confirm_subscription_reports_failure(cert_server):
    with pytest.raises(SubscriptionError, match="HTTP 404"):
        sns.confirm_subscription(cert_server.url("/nothing"))


def test_confirm_subscription_refuses_other_hosts(cert_server):
    with pytest.raises(UntrustedSubscribeURL):
        sns.confirm_subscription("http://127.0.0.2:1/confirm")
