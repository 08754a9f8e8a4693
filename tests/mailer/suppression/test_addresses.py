"""Address normalisation: trim, lower-case both parts, IDNA domain, clear errors."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from mailer.exceptions import InvalidAddress
from mailer.suppression.addresses import (
    address_of,
    address_or_none,
    domain_of,
    lookup_key,
    normalize,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("jane@example.com", "jane@example.com"),
        ("  Jane.Doe@Example.COM \n", "jane.doe@example.com"),
        ("JANE+news@EXAMPLE.com", "jane+news@example.com"),
        ("user@Bücher.DE", "user@xn--bcher-kva.de"),
        ("user@example.com.", "user@example.com"),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("no-at-sign", "needs a local part, an @ and a domain"),
        ("@example.com", "needs a local part"),
        ("jane@", "needs a local part, an @ and a domain"),
        ("jane doe@example.com", "not a valid email address"),
        ("jane@exa mple.com", "not a valid email address"),
        ("a" * 250 + "@example.com", "longer than 254 characters"),
    ],
)
def test_invalid_addresses_raise_a_clear_validation_error(raw, why):
    with pytest.raises(InvalidAddress) as caught:
        normalize(raw)
    assert isinstance(caught.value, ValidationError)
    assert why in caught.value.messages[0]
    assert repr(raw.strip())[:20] in caught.value.messages[0]


def test_display_names_are_stripped_by_address_of():
    assert address_of("Jane Doe <Jane@Example.com>") == "jane@example.com"
    assert address_of('"Doe, Jane" <jane@example.com>') == "jane@example.com"
    assert address_of("jane@EXAMPLE.com") == "jane@example.com"


def test_address_or_none():
    assert address_or_none("Jane <JANE@x.example>") == "jane@x.example"
    assert address_or_none("not an address") is None


def test_domain_of():
    assert domain_of("@Example.COM") == "example.com"
    assert domain_of("Bücher.de") == "xn--bcher-kva.de"
    assert domain_of("jane@Sub.Example.com") == "sub.example.com"


@pytest.mark.parametrize("recipient", [
    "jane@example.com", "  Jane@Example.COM ", "Jane Doe <Jane@Example.com>",
    '"Doe, <Jane>" <jane@example.com>', "user@Bücher.DE"
])
def test_the_fast_lookup_key_equals_the_validated_form(recipient):
    assert lookup_key(recipient) == address_of(recipient)


@given(st.emails(), st.text(alphabet=st.characters(categories=["L", "Zs"]), max_size=20))
def test_lookup_key_matches_address_of_for_any_valid_address(address, name):
    normal = address_or_none(address)
    assume(normal is not None and address.isascii())
    assert lookup_key(address) == normal
    assert lookup_key(address.upper()) == normal
    assert lookup_key(f"{name} <{address}>") == normal


def test_invalid_recipients_get_a_key_no_stored_address_can_have():
    for junk in ("not an address", "a@b@", "Name <>", "@"):
        with pytest.raises(InvalidAddress):
            normalize(lookup_key(junk))
