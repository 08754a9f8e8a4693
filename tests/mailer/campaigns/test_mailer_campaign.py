"""The ``mailer_campaign`` command: create, control, status (--json) and one-line errors."""

from __future__ import annotations

import json
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from mailer.campaigns.models import Audience, Campaign
from tests.support.workers import manage

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("mailer_campaign", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    paths = {
        "csv": ("audience.csv", "email,first_name\nann@example.com,Ann\nbob@example.com,Bob\n"),
        "text": ("body.txt", "Hello {{ first_name }}"),
        "html": ("body.html", "<p>Hello {{ first_name }}</p>"),
        "bad_csv": (
            "bad.csv",
            "email,first_name\nann@example.com,Ann\nnope,X\nann@example.com,A\n",
        ),
    }
    for name, content in paths.values():
        (tmp_path / name).write_text(content)
    return {key: str(tmp_path / name) for key, (name, _) in paths.items()}


def create(files: dict[str, str], name: str = "spring", csv: str = "csv") -> str:
    return run(
        "create",
        name,
        "--audience",
        files[csv],
        "--subject",
        "Hi {{ first_name }}",
        "--text",
        files["text"],
        "--html",
        files["html"],
        "--from",
        "news@example.com",
    )


def test_create_then_status_json_then_control(files):
    assert create(files) == "spring: draft created for 2 recipients.\n"
    campaign = Campaign.objects.get(name="spring")
    assert (
        campaign.html == "<p>Hello {{ first_name }}</p>"
        and campaign.from_email == "news@example.com"
    )

    status = json.loads(run("status", "spring", "--json"))
    assert status["pending"] == 2 and status["sent"] == 0 and status["total"] == 2
    assert status["status"] == "draft" and "eta_seconds" in status and "rate" in status

    assert run("send", "spring") == "spring: sending.\n"
    assert run("pause", "spring") == "spring: paused.\n"
    assert run("resume", "spring") == "spring: sending.\n"
    assert run("retry-failed", "spring") == "spring: 0 failed recipients requeued.\n"
    assert run("cancel", "spring") == "spring: cancelled (2 recipients unsent).\n"
    text = run("status", "spring")
    assert "campaign    spring (cancelled)" in text and "cancelled   2" in text


def test_unknown_campaign_and_forbidden_actions_are_one_line_errors(files):
    with pytest.raises(CommandError, match="^Unknown campaign 'nope'.$"):
        run("pause", "nope")
    create(files)
    with pytest.raises(CommandError, match="'spring' is draft: it cannot be paused"):
        run("pause", "spring")


def test_bad_csv_lines_are_listed_and_nothing_is_created(files):
    err = StringIO()
    args = [
        "create",
        "x",
        "--audience",
        files["bad_csv"],
        "--subject",
        "s",
        "--text",
        files["text"],
    ]
    with pytest.raises(CommandError, match=r"bad.csv: 2 bad line\(s\); nothing was created."):
        call_command("mailer_campaign", *args, stdout=StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [
        f"{files['bad_csv']} line 3: 'nope' cannot be used: "
        "it needs a local part, an @ and a domain.",
        f"{files['bad_csv']} line 4: ann@example.com is already on line 2",
    ]
    assert not Campaign.objects.exists() and not Audience.objects.exists()


def test_bad_templates_and_missing_files_are_reported(files):
    with pytest.raises(CommandError, match="The subject template does not compile"):
        run(
            "create",
            "x",
            "--audience",
            files["csv"],
            "--subject",
            "{% nope %}",
            "--text",
            files["text"],
        )
    with pytest.raises(CommandError, match="missing.txt: cannot read it"):
        run("create", "x", "--audience", files["csv"], "--subject", "s", "--text", "missing.txt")
    with pytest.raises(CommandError, match="missing.csv: cannot read it"):
        run("create", "x", "--audience", "missing.csv", "--subject", "s", "--text", files["text"])
    create(files)
    with pytest.raises(CommandError, match="A campaign named 'spring' exists already"):
        create(files)


def test_from_the_shell_errors_exit_non_zero_without_a_traceback(files):
    def shell(*args: str) -> subprocess.CompletedProcess:
        return manage("mailer_campaign", *args)

    unknown = shell("status", "nope", "--json")
    assert unknown.returncode == 1 and unknown.stdout == "" and "Traceback" not in unknown.stderr
    assert unknown.stderr.splitlines()[-1] == "CommandError: Unknown campaign 'nope'."
    bad = shell(
        "create", "x", "--audience", files["bad_csv"], "--subject", "s", "--text", files["text"]
    )
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert (
        bad.stderr.splitlines()[-1]
        == f"CommandError: {files['bad_csv']}: 2 bad line(s); nothing was created."
    )


def test_create_refuses_a_line_break_in_the_from_or_subject(files):
    for option, value in (("--from", "News <news@example.com>\r\nBcc: x@example.com"),
                          ("--subject", "Hi\nBcc: x@example.com")):
        args = ["create", "x", "--audience", files["csv"], "--text", files["text"], option, value]
        if option != "--subject":
            args += ["--subject", "Hi"]
        with pytest.raises(CommandError, match="must be one line"):
            run(*args)
    assert not Campaign.objects.exists()
