"""The environment readers: typed values, and errors that name the variable and the fix."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from project.settings.env import Env, EnvError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), ("ON", True), ("0", False), ("false", False), ("no", False)],
)
def test_bool_accepts_the_usual_spellings(raw, expected):
    assert Env({"DEBUG": raw}).bool("DEBUG", default=not expected) is expected


def test_bool_default_when_unset():
    assert Env({}).bool("DEBUG", default=True) is True


def test_bool_rejects_other_words_naming_the_variable():
    with pytest.raises(EnvError, match=r"^DEBUG is 'maybe', not a boolean: use 1/0"):
        Env({"DEBUG": "maybe"}).bool("DEBUG", default=False)


def test_missing_required_value_names_variable_and_hint():
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is not set: set it long"):
        Env({}).str("SECRET_KEY", hint="set it long")


def test_int_below_minimum_is_an_error():
    with pytest.raises(EnvError, match="MAILROOM_LEASE_SECONDS is 3, below the minimum"):
        Env({"MAILROOM_LEASE_SECONDS": "3"}).int("MAILROOM_LEASE_SECONDS", 300, minimum=10)


def test_int_not_a_number():
    with pytest.raises(EnvError, match="not a whole number"):
        Env({"MAILROOM_LEASE_SECONDS": "5m"}).int("MAILROOM_LEASE_SECONDS", 300)


def test_float_must_be_positive():
    env = Env({"MAILROOM_MAX_SEND_RATE": "0"})
    with pytest.raises(EnvError, match="MAILROOM_MAX_SEND_RATE is 0.0, too small"):
        env.float("MAILROOM_MAX_SEND_RATE", None)
    assert Env({"MAILROOM_MAX_SEND_RATE": "14"}).float("MAILROOM_MAX_SEND_RATE", None) == 14.0


def test_list_splits_on_commas_and_trims():
    env = Env({"ALLOWED_HOSTS": " a.example.com, b.example.com ,,"})
    assert env.list("ALLOWED_HOSTS") == ["a.example.com", "b.example.com"]


def test_url_requires_an_allowed_scheme():
    with pytest.raises(
        EnvError, match=r"REDIS_URL is 'localhost:6379', not a valid URL: use a URL"
    ):
        Env({"REDIS_URL": "localhost:6379"}).url("REDIS_URL", None, schemes=("redis",))
    assert Env({}).url("REDIS_URL", "redis://x:1/0", schemes=("redis",)) == "redis://x:1/0"
