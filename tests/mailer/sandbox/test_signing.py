"""The sandbox signs with bouncy's string to sign and hashes: what it signs, bouncy verifies."""

from __future__ import annotations

import json

import pytest

from bouncy import envelope, sns
from bouncy.exceptions import InvalidSignature
from mailer.sandbox import sns_messages
from mailer.sandbox.signing import Signer

SNS_URL = "https://sns.us-east-1.amazonaws.com"
TOPIC = "arn:aws:sns:us-east-1:123456789012:mailroom-feedback"


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer()


def signed(fields: dict[str, str], signer: Signer, version: str) -> envelope.SnsMessage:
    """The sandbox's signed message as bouncy's webhook reads it."""
    body = json.dumps(sns_messages.sign(fields, signer, version, SNS_URL))
    return envelope.parse(body.encode())


MESSAGES = {
    "notification with subject": lambda: sns_messages.notification(TOPIC, '{"a": 1}', "Hi"),
    "notification without": lambda: sns_messages.notification(TOPIC, "Grüße\nzwei", None),
    "confirmation": lambda: sns_messages.subscription_confirmation(
        TOPIC, "token-1", f"{SNS_URL}/?Action=ConfirmSubscription&Token=token-1"
    ),
}


@pytest.mark.parametrize("version", ["1", "2"])
@pytest.mark.parametrize("kind", MESSAGES)
def test_a_sandbox_signed_message_verifies_in_bouncy(signer, kind, version):
    message = signed(MESSAGES[kind](), signer, version)
    sns.verify(message, source=lambda url: signer.pem)


def test_a_field_changed_after_signing_does_not_verify(signer):
    fields = sns_messages.sign(MESSAGES["notification with subject"](), signer, "2", SNS_URL)
    message = envelope.parse(json.dumps({**fields, "Subject": "Changed"}).encode())
    with pytest.raises(InvalidSignature):
        sns.verify(message, source=lambda url: signer.pem)


def test_the_signing_versions_are_bouncys(signer):
    with pytest.raises(ValueError, match="SignatureVersion must be '1' or '2', not '3'"):
        signer.sign(b"x", "3")
    assert set(envelope.SIGNATURE_HASHES) == {"1", "2"}
