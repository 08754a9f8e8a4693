"""Production faults, end to end: what is lost, failed, duplicated, and how long recovery takes.

Run by hand:  .venv/bin/python bench/faults.py [--only redis 5xx credentials timeout now]
Each scenario of issue 12's "What was measured" runs with the Procfile's own lines: two
``worker`` dynos (WORKER_CONCURRENCY processes each, default 4) and one ``beat`` dyno; the SES
sandbox in its own process (the account rate, 50/s, enforced and reported by GetSendQuota, and
its fault switches); PostgreSQL database ``mailroom_bench_faults`` (created if missing) and a
Redis server of the bench's own on port 6413 (``--save '' --appendonly no``, stopped and
started by the Redis scenario; the shared Redis is never touched).

Per scenario it prints: emails lost (neither sent nor failed when the scenario ends), failed,
duplicated (copies SES accepted more than once: flagged ``possible_duplicate`` / not flagged),
the recovery time as the scenario defines it, and the issue's goal.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402
    bench_env,
    procfile_command,
    sandbox_process,
    setup_django,
    wait_for,
    worker_process,
)

RATE = 50
REDIS_PORT = 6413
SCENARIOS = ("redis", "5xx", "credentials", "timeout", "now")


@dataclass
class Outcome:
    """One scenario's figures."""

    name: str
    emails: int
    lost: int
    failed: int
    flagged: int
    unflagged: int
    recovery: str
    goal: str

    def row(self) -> str:
        return (
            f"{self.name:<34} {self.emails:>6} {self.lost:>5} {self.failed:>6} "
            f"{self.flagged:>4}/{self.unflagged:<4} {self.recovery:>22}  {self.goal}"
        )


HEADER = (
    f"{'scenario':<34} {'emails':>6} {'lost':>5} {'failed':>6} {'dup f/u':<9} "
    f"{'recovery':>22}  goal"
)


class RedisServer:
    """The bench's own redis-server: started empty, stopped and started again at will."""

    def __init__(self, port: int, log: Path) -> None:
        self.port, self.log, self.proc = port, log, None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        import redis

        client = redis.Redis(port=self.port)
        wait_for(lambda: _pings(client), 10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def _pings(client) -> bool:
    import redis

    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


class Sandbox:
    """The sandbox process's inspection and switch endpoints."""

    def __init__(self, url: str) -> None:
        self.url = url

    def call(self, method: str, path: str, payload: object = None) -> object:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def switches(self, **spec: object) -> None:
        self.call("POST", "/_sandbox/switches", spec)

    def fault(self, code: str, count: int = 1) -> None:
        self.call("POST", "/_sandbox/faults", {"code": code, "count": count})

    def messages(self) -> list[dict]:
        return self.call("GET", "/_sandbox/messages")  # type: ignore[return-value]

    def reset(self) -> None:
        self.call("POST", "/_sandbox/reset")


class Stack:
    """The dynos and services one scenario runs on."""

    def __init__(self, env: dict[str, str], sandbox: Sandbox, redis_server: RedisServer,
                 logs: Path) -> None:  # fmt: skip
        self.env, self.sandbox, self.redis, self.logs = env, sandbox, redis_server, logs

    @contextmanager
    def dynos(self, extra: dict[str, str], workers: int = 2):
        """``workers`` worker dynos and the beat dyno, from the Procfile."""
        env = {**self.env, **extra}
        schedule = str(self.logs / "celerybeat-schedule")
        beat = procfile_command("beat", **{"/tmp/celerybeat-schedule": schedule})
        with ExitStack() as stack:
            for i in range(workers):
                stack.enter_context(worker_process(env, log=self.logs / f"worker{i}.log"))
            stack.enter_context(worker_process(env, beat, log=self.logs / "beat.log"))
            yield


def clean() -> None:
    """Forget the previous scenario's mail (the account's quota row stays)."""
    from post_office.models import Email

    Email.objects.all().delete()


def queue(n: int, prefix: str) -> None:
    from django.core.mail import send_mass_mail

    send_mass_mail(
        [(f"{prefix}{i}", "x", "bench@example.com", [f"{prefix}{i}@example.com"]) for i in range(n)]
    )


def counts() -> dict[str, int]:
    from post_office.models import STATUS, Email

    return {
        "sent": Email.objects.filter(status=STATUS.sent).count(),
        "failed": Email.objects.filter(status=STATUS.failed).count(),
        "total": Email.objects.count(),
    }


def finished() -> bool:
    c = counts()
    return c["sent"] + c["failed"] == c["total"]


def wait_done(timeout: float) -> float | None:
    """Seconds until every email is sent or failed; None if not within ``timeout``."""
    try:
        return wait_for(finished, timeout, poll=0.2)
    except RuntimeError:
        return None


def outcome(name: str, sandbox: Sandbox, recovery: str, goal: str) -> Outcome:
    from mailer.models import Delivery

    c = counts()
    copies = Counter(m["subject"] for m in sandbox.messages())
    duplicated = {subject for subject, n in copies.items() if n > 1}
    flagged = set(
        Delivery.objects.filter(possible_duplicate=True).values_list("email__subject", flat=True)
    )
    return Outcome(
        name, c["total"], c["total"] - c["sent"] - c["failed"], c["failed"],
        len(duplicated & flagged), len(duplicated - flagged), recovery, goal,
    )  # fmt: skip


def sent_times(sandbox: Sandbox) -> list[float]:
    return sorted(m["received_at"] for m in sandbox.messages())


def rate_back_after(times: list[float], since: float, target: float) -> float | None:
    """Seconds from ``since`` until a full second in which at least ``target`` were sent."""
    for i, start in enumerate(t for t in times if t >= since):
        window = [t for t in times if start <= t < start + 1.0]
        if len(window) >= target:
            return start + 1.0 - since
        if i > 5000:
            break
    return None


def seconds(value: float | None, limit: float) -> str:
    return f"{value:.1f} s" if value is not None else f"not within {limit:.0f} s"


def redis_restart(stack: Stack) -> Outcome:
    """Redis stops for 5 s and comes back empty while two dynos drain 600 at 50/s."""
    n = 600
    queue(n, "redis")
    with stack.dynos({"MAILROOM_MAX_SEND_RATE": ""}):
        wait_for(lambda: counts()["sent"] >= 100, 120, poll=0.1)
        stack.redis.stop()
        time.sleep(5)
        stack.redis.start()
        back = time.time()
        done = wait_done(150)
        recovery = rate_back_after(sent_times(stack.sandbox), back, 0.9 * RATE)
    text = f"rate ≥0.9R {seconds(recovery, 150)}" + ("" if done else " (unfinished)")
    return outcome("1 Redis restart (600, 2 dynos)", stack.sandbox, text,
                   "≥0.9R in ≤10 s, 0 lost, ≤5 dup flagged")  # fmt: skip


def five_xx(stack: Stack) -> list[Outcome]:
    """20% of sends answered 500/503: 1,500 emails; then one password reset meeting a 5xx."""
    n = 1500
    queue(n, "5xx")
    stack.sandbox.switches(error_ratio=0.2, error_code="ServiceUnavailable")
    with stack.dynos({"MAILROOM_MAX_SEND_RATE": str(RATE)}):
        started = time.time()
        done = wait_done(150)
        first = sent_times(stack.sandbox)[0]
        bulk = outcome("2 20% 5xx (1,500)", stack.sandbox,
                       f"all sent {seconds(done and started + done - first, 150)}",
                       "all sent ≤60 s from start")  # fmt: skip
        stack.sandbox.switches(error_ratio=0)
        stack.sandbox.fault("ServiceUnavailable", 1)
        queue(1, "reset")
        one = wait_done(60)
    single = outcome("2b one reset meets one 5xx", stack.sandbox,
                     f"sent in {seconds(one, 60)}", "sent ≤5 s")  # fmt: skip
    return [bulk, single]


def credentials(stack: Stack) -> Outcome:
    """Credentials refused (403 InvalidClientTokenId) for 20 s mid-drain of 600, two dynos."""
    n = 600
    queue(n, "keys")
    with stack.dynos({"MAILROOM_MAX_SEND_RATE": str(RATE)}):
        wait_for(lambda: counts()["sent"] >= 100, 120, poll=0.1)
        stack.sandbox.switches(refuse_credentials_for=20)
        keys_work = time.time() + 20
        done = wait_done(150)
        last = sent_times(stack.sandbox)[-1]
    errors = sum(
        p.read_text(errors="replace").count("Sending paused: SES refused the account")
        for p in stack.logs.glob("*.log")
    )
    text = f"all sent {seconds(done and last - keys_work, 150)} after keys work"
    return outcome(f"3 keys refused 20 s (600; {errors} ERROR lines)", stack.sandbox, text,
                   "0 failed, all sent ≤30 s after")  # fmt: skip


def read_timeout(stack: Stack) -> Outcome:
    """SES accepts, then answers after the read timeout (5 of 200 sends)."""
    n = 200
    queue(n, "slow")
    stack.sandbox.switches(slow_answers={"seconds": 4, "count": 5})
    extra = {"MAILROOM_MAX_SEND_RATE": str(RATE), "MAILROOM_SES_READ_TIMEOUT": "2"}
    with stack.dynos(extra):
        done = wait_done(150)
    return outcome("4 answer after read timeout (5/200)", stack.sandbox,
                   f"all sent {seconds(done, 150)}", "every duplicate flagged")  # fmt: skip


def priority_now(stack: Stack) -> Outcome:
    """Priority "now" while sending is paused (an account SES refuses): how long the web
    request waits, and where the email ends."""
    from post_office import mail
    from post_office.models import STATUS

    from mailer.exceptions import SESAccountError
    from mailer.pacing import quota

    quota.pause_account(SESAccountError("InvalidClientTokenId: bench", "InvalidClientTokenId"))
    started = time.monotonic()
    email = mail.send("now@example.com", "bench@example.com", subject="now0", message="x",
                      priority="now")  # fmt: skip
    waited = time.monotonic() - started
    email.refresh_from_db()
    from mailer.pacing.limiter import get_state

    get_state().resume()
    with stack.dynos({"MAILROOM_MAX_SEND_RATE": str(RATE)}, workers=1):
        done = wait_done(60)
    text = f"web waited {waited:.1f} s ({email.status == STATUS.queued and 'queued'}); " + (
        f"sent +{done:.0f} s" if done is not None else "unsent"
    )
    return outcome('7 priority "now" while paused', stack.sandbox, text,
                   "≪30 s, left queued, then sent")  # fmt: skip


RUNNERS: dict[str, Callable[[Stack], Outcome | list[Outcome]]] = {
    "redis": redis_restart,
    "5xx": five_xx,
    "credentials": credentials,
    "timeout": read_timeout,
    "now": priority_now,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=SCENARIOS, default=list(SCENARIOS))
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="mailroom-faults-"))
    env = bench_env("mailroom_bench_faults", 0)
    env["REDIS_URL"] = f"redis://127.0.0.1:{REDIS_PORT}/0"
    env["LOG_LEVEL"] = "ERROR"
    redis_server = RedisServer(REDIS_PORT, logs / "redis.log")
    redis_server.start()
    try:
        with sandbox_process("--rate", str(RATE)) as url:
            env["AWS_SES_ENDPOINT_URL"] = url
            setup_django(env)
            stack = Stack(env, Sandbox(url), redis_server, logs)
            print(f"SES sandbox at {RATE} recipients/s; worker logs in {logs}", flush=True)
            print(HEADER, flush=True)
            for name in args.only:
                clean()
                stack.sandbox.reset()
                for log in logs.glob("*.log"):
                    if log.name != "redis.log":
                        log.unlink()
                result = RUNNERS[name](stack)
                for row in result if isinstance(result, list) else [result]:
                    print(row.row(), flush=True)
    finally:
        redis_server.stop()


if __name__ == "__main__":
    main()
