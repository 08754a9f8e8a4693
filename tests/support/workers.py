"""Mailroom's own processes on the test database: ``celery -A project worker`` (and how to kill
it) and ``manage.py`` commands."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from subprocess import CompletedProcess

from django.db import connection

from tests.support.files import BASE_DIR

WORKER_QUEUES = "mailroom,mailroom.transactional,mailroom.bulk,mailroom.control"


def database_url() -> str:
    """The URL of the test database pytest-django created (for worker subprocesses)."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def spawn_worker(
    env: dict,
    log_dir: Path,
    index: int,
    *,
    concurrency: int = 2,
    beat: bool = False,
    queues: str = WORKER_QUEUES,
) -> subprocess.Popen:
    """One ``celery -A project worker`` process group on the test database (log in log_dir)."""
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings.test",
        "DATABASE_URL": database_url(),
        "MAILROOM_MAX_SEND_RATE": "1000",
        **env,
    }
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "project",
        "worker",
        "-Q",
        queues,
        "--concurrency",
        str(concurrency),
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-l",
        "warning",
        "-n",
        f"test{index}@%h",
    ]
    if beat:
        cmd += ["-B", "-s", str(log_dir / f"beat{index}")]
    log = open(log_dir / f"worker{index}.log", "wb")  # noqa: SIM115 (closed at teardown)
    proc = subprocess.Popen(
        cmd,
        env=full_env,
        cwd=BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    proc.log = log  # type: ignore[attr-defined]
    return proc


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL a worker and all its pool processes."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def manage(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> CompletedProcess:
    """``manage.py *args`` in a process of its own on the test settings and the test database
    (``env`` added to this environment); its output captured as text."""
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings.test",
        "DATABASE_URL": database_url(),
        **(env or {}),
    }
    command = [sys.executable, "manage.py", *args]
    return subprocess.run(
        command, cwd=BASE_DIR, env=full_env, capture_output=True, text=True, timeout=timeout
    )
