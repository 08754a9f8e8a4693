"""bouncy_replay: saved SNS messages through the same path; one line per file; exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from bouncy import processing
from bouncy.models import Bounce, Notification
from tests.support.files import BASE_DIR, ses_text
from tests.support.sns import SNS_CERT_URL, body

pytestmark = pytest.mark.django_db
BOUNCE, OPEN = "awsdoc_notification_bounce_permanent_general_no_dsn.json", "awsdoc_event_open.json"


@pytest.fixture
def saved(tmp_path, publisher, leaf):
    """Two good messages signed with a cert at an SNS URL (its .pem in certs/), one tampered."""
    certs = tmp_path / "certs"
    certs.mkdir()
    (certs / SNS_CERT_URL.rsplit("/", 1)[1]).write_bytes(leaf.pem)
    files = {}
    for name in (BOUNCE, OPEN):
        data = publisher.notification(ses_text(name), cert_url=SNS_CERT_URL)
        files[name] = tmp_path / f"{name}.sns"
        files[name].write_bytes(body(data))
    bad = json.loads(files["awsdoc_event_open.json"].read_text())
    bad["Message"] = bad["Message"].replace("recipient@", "victim@")
    files["tampered"] = tmp_path / "tampered.sns"
    files["tampered"].write_text(json.dumps(bad))
    return certs, files


def test_replay_with_cert_dir_stores_and_reports(saved, capsys, cert_server):
    certs, files = saved
    good = [str(files["awsdoc_notification_bounce_permanent_general_no_dsn.json"]),
            str(files["awsdoc_event_open.json"])]
    call_command("bouncy_replay", "--cert-dir", str(certs), *good)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{good[0]}: accepted stored Bounce 2 rows (MessageId ")
    assert lines[1].startswith(f"{good[1]}: accepted stored Open 1 row")
    assert Notification.objects.count() == 2 and processing.pending().count() == 2
    assert processing.process_pending(10).rows == 3 and Bounce.objects.count() == 2
    assert cert_server.hits == []


def test_a_second_replay_is_accepted_as_duplicate(saved, capsys):
    certs, files = saved
    name = str(files["awsdoc_event_open.json"])
    call_command("bouncy_replay", "--cert-dir", str(certs), name)
    call_command("bouncy_replay", "--cert-dir", str(certs), name)
    assert "accepted duplicate Open" in capsys.readouterr().out.splitlines()[1]
    assert Notification.objects.count() == 1


def test_dry_run_stores_nothing(saved, capsys):
    certs, files = saved
    call_command("bouncy_replay", "--dry-run", "--cert-dir", str(certs), str(files[OPEN]))
    assert ": accepted verified Open 1 row" in capsys.readouterr().out
    assert not Notification.objects.exists()


def test_any_rejection_fails_the_run_with_one_line_each(saved, capsys, tmp_path):
    certs, files = saved
    names = [str(files[OPEN]), str(files["tampered"]), str(tmp_path / "missing.sns")]
    with pytest.raises(CommandError, match="2 of 3 files rejected") as raised:
        call_command("bouncy_replay", "--cert-dir", str(certs), *names)
    assert raised.value.returncode == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == f"{names[1]}: rejected: the signature does not match the message"
    assert lines[2] == f"{names[2]}: rejected: cannot read the file (No such file or directory)"
    assert Notification.objects.count() == 1


def test_a_certificate_missing_from_the_folder_is_a_rejection(saved, capsys, tmp_path):
    _, files = saved
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CommandError):
        call_command("bouncy_replay", "--cert-dir", str(empty), str(files[OPEN]))
    assert "rejected: no certificate 'SimpleNotificationService-" in capsys.readouterr().out


def test_without_cert_dir_the_certificate_is_fetched(
        publisher, tmp_path, capsys, cert_server):
    path = tmp_path / "m.sns"
    path.write_bytes(body(publisher.aws("awsdoc_event_send.json")))
    call_command("bouncy_replay", str(path))
    assert "accepted stored Send" in capsys.readouterr().out
    assert len(cert_server.hits) == 1


def test_exit_status_from_the_shell(saved, tmp_path):
    """The real process: 0 when all are accepted, 1 otherwise (dry run: no test database needed)."""
    certs, files = saved
    good, bad = str(files["awsdoc_event_open.json"]), str(files["tampered"])
    env = {"DJANGO_SETTINGS_MODULE": "project.settings.test", "PATH": "/usr/bin:/bin",
           "BOUNCY_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:ses-feedback"}
    run = [sys.executable, "manage.py", "bouncy_replay", "--dry-run", "--cert-dir", str(certs)]
    ok = subprocess.run([*run, good], cwd=BASE_DIR, env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    failed = subprocess.run([*run, good, bad], cwd=BASE_DIR, env=env, capture_output=True,
                            text=True)
    assert failed.returncode == 1
    assert f"{bad}: rejected: the signature does not match the message" in failed.stdout


def test_replay_accepts_notifications_older_than_bouncy_max_age(
        tmp_path, publisher, leaf, capsys, settings):
    """Replaying saved messages is the point of the tool: BOUNCY_MAX_AGE is the webhook's."""
    settings.BOUNCY_MAX_AGE = 3600
    certs = tmp_path / "certs"
    certs.mkdir()
    (certs / SNS_CERT_URL.rsplit("/", 1)[1]).write_bytes(leaf.pem)
    saved = tmp_path / "old.sns"
    saved.write_bytes(body(publisher.notification(
        ses_text(BOUNCE), cert_url=SNS_CERT_URL, Timestamp=hours_ago(5))))
    call_command("bouncy_replay", "--cert-dir", str(certs), str(saved))
    assert ": accepted stored Bounce 2 rows" in capsys.readouterr().out


def hours_ago(hours: float) -> str:
    """An SNS Timestamp (the test certificate is valid from a day ago)."""
    moment = datetime.now(UTC) - timedelta(hours=hours)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
