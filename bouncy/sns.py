"""The SNS boundary: trusted URLs, certificate fetch and cache, signature check, subscribe calls."""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.core.cache import cache

from bouncy.conf import BouncySettings, get_settings
from bouncy.envelope import SIGNATURE_HASHES, MessageType, SnsMessage
from bouncy.exceptions import (
    BouncyError,
    CertificateNotFound,
    CertificateNotValidAtTimestamp,
    CertificateUnavailable,
    InvalidCertificate,
    InvalidSignature,
    SubscriptionError,
    UnsupportedSignatureVersion,
    UntrustedCertificateURL,
    UntrustedSubscribeURL,
    shown,
)

logger = logging.getLogger(__name__)

CertificateSource = Callable[[str], bytes]
"""Takes a SigningCertURL that passed the checks and returns the PEM certificate."""

SNS_HOST = re.compile(r"sns\.[a-z]{2}(-gov)?-[a-z]+-[0-9]+\.amazonaws\.com(\.cn)?")
_REPLY_MAX_BYTES = 64 * 1024
# A per-process memo in front of Django's cache saves a Redis round trip per message; what SNS
# serves at a certificate URL never changes, so a short life only bounds memory and staleness.
_MEMO_SECONDS = 300.0
_MEMO_SIZE = 64
_memo: dict[str, tuple[float, bytes]] = {}
_SUBSCRIPTION_ARN = re.compile(r"<SubscriptionArn>([^<]{1,512})</SubscriptionArn>")


# --- URLs -------------------------------------------------------------------------------------

def check_signature_version(message: SnsMessage) -> None:
    """Only SignatureVersion "1" (SHA1withRSA) and "2" (SHA256withRSA) exist."""
    if message.signature_version not in SIGNATURE_HASHES:
        raise UnsupportedSignatureVersion(
            f"unsupported SignatureVersion {shown(message.signature_version)}")


def check_cert_url(url: str, conf: BouncySettings) -> None:
    """SigningCertURL must match the SNS pattern, or be an allowed dev host while DEBUG is on."""
    if conf.cert_url_regex.fullmatch(url):
        return
    if not _is_dev_url(url, conf.dev_cert_hosts):
        raise UntrustedCertificateURL(f"SigningCertURL {shown(url)} is not an SNS certificate URL")
    if not conf.debug:
        logger.error("bouncy: BOUNCY_DEV_CERT_HOSTS is set but refused while DEBUG is off")
        raise UntrustedCertificateURL(
            f"SigningCertURL {shown(url)} is on a dev host, refused while DEBUG is off")


def check_subscribe_url(url: str, conf: BouncySettings) -> None:
    """SubscribeURL must be https on an SNS host (or an allowed dev host while DEBUG is on)."""
    if _is_sns_url(url) or _is_dev_url(url, conf.active_dev_hosts):
        return
    raise UntrustedSubscribeURL(f"SubscribeURL {shown(url)} is not on an SNS host")


def _is_sns_url(url: str) -> bool:
    scheme, netloc = _scheme_and_netloc(url)
    return scheme == "https" and bool(SNS_HOST.fullmatch(netloc))


def _is_dev_url(url: str, hosts: frozenset[str]) -> bool:
    scheme, netloc = _scheme_and_netloc(url)
    return scheme in ("http", "https") and netloc.lower() in hosts


def _scheme_and_netloc(url: str) -> tuple[str, str]:
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. "https://[" (an unclosed IPv6 literal)
        return "", ""
    return parts.scheme, parts.netloc


# --- Certificates -----------------------------------------------------------------------------

def fetch_certificate(url: str) -> bytes:
    """The PEM at ``url``: from this process's memo, else Django's cache, else the network."""
    pem = _recall(url)
    if pem is None:
        pem = cache.get(cache_key(url))
    if pem is None:
        conf = get_settings()
        pem = _download(url, conf.cert_max_bytes, conf.fetch_timeout)
        cache.set(cache_key(url), pem, conf.cert_cache_seconds)
    _remember(url, pem)
    return pem


def cache_certificate(url: str, pem: bytes) -> None:
    """Put a certificate in the cache, as if fetched from ``url`` (deploy warm-up, bench, tests)."""
    cache.set(cache_key(url), pem, get_settings().cert_cache_seconds)
    _remember(url, pem)


def forget_certificates() -> None:
    """Empty this process's memo (Django's cache is left alone)."""
    _memo.clear()


def _recall(url: str) -> bytes | None:
    expires, pem = _memo.get(url, (0.0, b""))
    return pem if expires > time.monotonic() else None


def _remember(url: str, pem: bytes) -> None:
    if len(_memo) >= _MEMO_SIZE:
        _memo.clear()
    _memo[url] = (time.monotonic() + _MEMO_SECONDS, pem)


def cache_key(url: str) -> str:
    """The cache key for the certificate at ``url`` (hashed: URLs may be long)."""
    return "bouncy:cert:" + hashlib.sha256(url.encode("utf-8", "replace")).hexdigest()


class DirectoryCertificateSource:
    """Certificates from a folder, by the file name at the end of SigningCertURL (bouncy_replay)."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def __call__(self, url: str) -> bytes:
        name = PurePosixPath(urlsplit(url).path).name
        path = self.folder / name
        if not name or name.startswith(".") or not path.is_file():
            raise CertificateNotFound(f"no certificate {shown(name)} in {self.folder}")
        return path.read_bytes()


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    oversize: bool


def _download(url: str, max_bytes: int, timeout: float) -> bytes:
    """The certificate at ``url``. SNS's 5xx and network trouble are worth a retry; a 4xx is not."""
    reply = _http_get(url, max_bytes, timeout, CertificateUnavailable)
    if reply.status >= 500:
        raise CertificateUnavailable(f"{shown(url)} answered HTTP {reply.status}")
    if reply.status != 200:
        raise CertificateNotFound(f"{shown(url)} answered HTTP {reply.status}")
    if reply.oversize:
        raise InvalidCertificate(f"the signing certificate is over {max_bytes} bytes")
    return reply.body


def _http_get(url: str, max_bytes: int, timeout: float, error: type[BouncyError]) -> _Reply:
    """GET ``url`` without redirects, reading at most ``max_bytes`` within ``timeout`` seconds."""
    try:
        with requests.get(url, timeout=timeout, stream=True, allow_redirects=False) as response:
            body = _read_capped(response, max_bytes, time.monotonic() + timeout, error)
            return _Reply(response.status_code, body[:max_bytes], len(body) > max_bytes)
    except requests.RequestException as exc:
        raise error(f"cannot fetch {shown(url)}: {type(exc).__name__}") from None


def _read_capped(
    response: requests.Response, max_bytes: int, deadline: float, error: type[BouncyError]
) -> bytes:
    """Up to ``max_bytes + 1`` bytes (one more tells the body was too long)."""
    data = bytearray()
    for chunk in response.iter_content(chunk_size=8192):
        data += chunk
        if len(data) > max_bytes:
            break
        if time.monotonic() > deadline:
            raise error("the response took too long")
    return bytes(data)


# --- Signatures -------------------------------------------------------------------------------

def verify(message: SnsMessage, source: CertificateSource | None = None) -> None:
    """Check the cert URL, then fetch the cert and check its validity and the signature."""
    conf = get_settings()
    check_signature_version(message)
    check_cert_url(message.signing_cert_url, conf)
    if message.type != MessageType.NOTIFICATION:
        check_subscribe_url(message.subscribe_url, conf)
    signature = _decode_signature(message.signature)
    certificate = load_certificate((source or fetch_certificate)(message.signing_cert_url))
    check_valid_at(certificate, message.timestamp)
    _check_signature(certificate, signature, message)


@lru_cache(maxsize=16)
def load_certificate(pem: bytes) -> x509.Certificate:
    """Parse a PEM certificate whose key is RSA (memoised: the same few certificates recur)."""
    try:
        certificate = x509.load_pem_x509_certificate(pem)
    except ValueError:
        raise InvalidCertificate("the signing certificate is not a PEM X.509 certificate") from None
    if not isinstance(certificate.public_key(), rsa.RSAPublicKey):
        raise InvalidCertificate("the signing certificate's key is not RSA")
    return certificate


def check_valid_at(certificate: x509.Certificate, moment: datetime) -> None:
    """The certificate must be valid at the message's Timestamp."""
    if not certificate.not_valid_before_utc <= moment <= certificate.not_valid_after_utc:
        raise CertificateNotValidAtTimestamp(
            f"the signing certificate is not valid at Timestamp {moment.isoformat()}")


def _decode_signature(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidSignature("Signature is not base64") from None


def _check_signature(certificate: x509.Certificate, signature: bytes, message: SnsMessage) -> None:
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):  # SNS signs with RSA (PKCS#1 v1.5) only
        raise InvalidSignature("the signing certificate's key is not an RSA key")
    algorithm = SIGNATURE_HASHES[message.signature_version]()
    try:
        key.verify(signature, message.string_to_sign(), padding.PKCS1v15(), algorithm)
    except CryptoInvalidSignature:
        raise InvalidSignature("the signature does not match the message") from None


# --- Subscriptions ----------------------------------------------------------------------------

def confirm_subscription(url: str) -> str:
    """GET a SubscribeURL that passes ``check_subscribe_url``; returns the SubscriptionArn."""
    conf = get_settings()
    check_subscribe_url(url, conf)
    reply = _http_get(url, _REPLY_MAX_BYTES, conf.fetch_timeout, SubscriptionError)
    if reply.status != 200:
        raise SubscriptionError(f"the SubscribeURL answered HTTP {reply.status}")
    found = _SUBSCRIPTION_ARN.search(reply.body.decode("utf-8", "replace"))
    return found.group(1) if found else ""
