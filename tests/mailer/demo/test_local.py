"""``mailer_local``: the whole stack from one command, its data kept, stopped cleanly by Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from mailer.demo.stack import free_port
from tests.support.demo import embedded_env
from tests.support.files import BASE_DIR

SENT = 0  # post_office's STATUS.sent


def start(folder: Path, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "mailer_local",
            "--dir",
            str(folder),
            "--port",
            str(port),
            "--rate",
            "40",
        ],
        cwd=BASE_DIR,
        env=embedded_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a process group of its own, as in a terminal
    )


def read_until(proc: subprocess.Popen, marker: str, timeout: float = 120) -> str:
    """The output up to the line holding ``marker`` (the reads block; the test's timeout
    is the stack's own start-up check)."""
    lines, end = [], time.monotonic() + timeout
    while time.monotonic() < end:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            return "".join(lines)
    raise AssertionError("no " + repr(marker) + " in:\n" + "".join(lines))


def stop(proc: subprocess.Popen) -> str:
    """Ctrl-C as a terminal sends it (to the whole foreground group), then the rest of the
    output; killed if it does not stop in time."""
    os.killpg(proc.pid, signal.SIGINT)
    try:
        rest, _ = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    return rest


def wait_for(query: str, database: Path, timeout: float = 60) -> int:
    end = time.monotonic() + timeout
    while True:
        with sqlite3.connect(database) as db:
            value = db.execute(query).fetchone()[0]
        if value or time.monotonic() > end:
            return value
        time.sleep(0.5)


def test_local_stack_runs_everything_keeps_data_and_stops_on_ctrl_c(tmp_path):
    folder, port = tmp_path / "stack", free_port()
    proc = start(folder, port)
    try:
        first = read_until(proc, "Queued sample mail")
        login = re.search(r"log in as\s+admin / (\S+)", first)
        assert login, first
        assert f"http://127.0.0.1:{port}/admin/" in first
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=10) as page:
            assert b"Mailroom" in page.read()
        database = folder / "mailroom.sqlite3"
        # the worker sent through the sandbox, whose simulator answered through the webhook
        sent = f"SELECT count(*) FROM post_office_email WHERE status = {SENT}"
        assert wait_for(sent, database) > 0
        assert wait_for("SELECT count(*) FROM bouncy_bounce", database) > 0
    finally:
        rest = stop(proc)
    assert proc.returncode == 0, rest
    assert "Stopping: worker, beat, SES sandbox and web server" in rest
    assert "Traceback" not in rest, rest

    again = start(folder, port)
    try:
        output = read_until(again, "manage.py")
        assert f"admin / {login.group(1)}" in output  # the same superuser, its password kept
    finally:
        rest = stop(again)
    assert again.returncode == 0, output + rest
    assert "Queued sample mail" not in output + rest  # the data survived: nothing re-seeded
    assert (folder / "env").read_text().count("export ") > 5


def test_a_port_in_use_is_refused_with_what_to_do(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "manage.py", "mailer_local", "--dir", str(tmp_path), "--port",
             str(port)],
            cwd=BASE_DIR, env=embedded_env(), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode == 1
    assert f"Port {port} on 127.0.0.1 is in use" in result.stderr
    assert "Traceback" not in result.stderr
