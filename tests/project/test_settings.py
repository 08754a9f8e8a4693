"""Settings load from the environment only; mistakes give one clear line; deploy checks pass."""

import os
import subprocess
import sys

from tests.support.files import BASE_DIR

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3y-" + "x9Q7vR2mZ8pL4wT6yB1nC5" * 3,
    "ALLOWED_HOSTS": "mail.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "secret",
    "BOUNCY_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:ses-feedback",
    "DEFAULT_FROM_EMAIL": "Example <news@example.com>",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AWS_", "BOUNCY"))}
    clean.pop("DEBUG", None)
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"):
        clean.pop(name, None)
    clean["DJANGO_SETTINGS_MODULE"] = "project.settings.base"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_passes_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_missing_secret_key_in_production_is_one_clear_line():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Configuration error: SECRET_KEY is not set: set SECRET_KEY to a long random string "
        "(or DEBUG=1 for local development)"
    )


def test_malformed_database_url_names_the_variable():
    result = manage("check", env={**PRODUCTION, "DATABASE_URL": "nosuchdb://what"})
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr and "Traceback" not in result.stderr


def test_bad_boolean_names_the_variable():
    result = manage("check", env={**PRODUCTION, "DEBUG": "perhaps"})
    assert result.returncode == 2
    assert "DEBUG is 'perhaps', not a boolean" in result.stderr


def test_debug_defaults_need_no_environment():
    result = manage("check", env={"DEBUG": "1"})
    assert result.returncode == 0, result.stderr


def test_missing_database_url_in_production_is_one_clear_line():
    """DEBUG=0 never falls back to the development SQLite file."""
    env = {k: v for k, v in PRODUCTION.items() if k != "DATABASE_URL"}
    result = manage("check", env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip() == (
        "Configuration error: DATABASE_URL is not set: set DATABASE_URL to the production "
        "database, e.g. postgres://user:pass@host:5432/db (the SQLite default is for DEBUG=1 only)"
    )


def test_debug_still_defaults_to_sqlite():
    env = {k: v for k, v in PRODUCTION.items() if k != "DATABASE_URL"}
    result = manage("check", env={**env, "DEBUG": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
