"""``any_of``: one parameter however many values, the same rows either way."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mailer.models import Unsubscribe

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows() -> None:
    Unsubscribe.objects.bulk_create(
        [Unsubscribe(address=f"u{i}@example.com", reason="complaint") for i in range(5)]
    )


def addresses(rows) -> list[str]:
    return list(rows.values_list("address", flat=True))


def test_strings_go_as_one_text_split_by_the_server(rows):
    wanted = {f"u{i}@example.com" for i in range(0, 10, 2)}

    with CaptureQueriesContext(connection) as queries:
        found = set(addresses(Unsubscribe.objects.filter(address__any_of=wanted)))

    assert found == {"u0@example.com", "u2@example.com", "u4@example.com"}
    assert "string_to_array" in queries[0]["sql"]


def test_a_value_with_a_newline_goes_as_an_array(rows):
    wanted = ["u1@example.com", "odd\nvalue"]

    with CaptureQueriesContext(connection) as queries:
        found = list(addresses(Unsubscribe.objects.filter(address__any_of=wanted)))

    assert found == ["u1@example.com"]
    assert "string_to_array" not in queries[0]["sql"]


def test_no_values_match_nothing(rows):
    assert not Unsubscribe.objects.filter(address__any_of=[]).exists()
