"""The sandbox's SNS signing key: an RSA key and self-signed certificate made at start."""

from __future__ import annotations

import base64
import datetime
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from bouncy.envelope import SIGNATURE_HASHES

VALID_BEFORE = datetime.timedelta(hours=1)
VALID_AFTER = datetime.timedelta(days=30)


class Signer:
    """Signs SNS strings to sign like SNS does (SignatureVersion 1 or 2), with its own cert."""

    def __init__(self, common_name: str = "sns.sandbox.mailroom.invalid") -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.certificate = _self_signed(self._key, common_name)
        self.pem = self.certificate.public_bytes(serialization.Encoding.PEM)
        digest = hashlib.sha256(self.pem).hexdigest()[:32]
        self.filename = f"SimpleNotificationService-{digest}.pem"

    def sign(self, data: bytes, version: str) -> str:
        """The base64 signature of `data` (version "1": SHA1withRSA, "2": SHA256withRSA)."""
        if version not in SIGNATURE_HASHES:
            raise ValueError(f"SignatureVersion must be '1' or '2', not {version!r}")
        signature = self._key.sign(data, padding.PKCS1v15(), SIGNATURE_HASHES[version]())
        return base64.b64encode(signature).decode("ascii")


def _self_signed(key: rsa.RSAPrivateKey, common_name: str) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - VALID_BEFORE)
        .not_valid_after(now + VALID_AFTER)
        .sign(key, hashes.SHA256())
    )
