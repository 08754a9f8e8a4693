"""POST SNS messages to the webhook from a thread, after a delay, retrying as SNS does."""

from __future__ import annotations

import heapq
import http.client
import itertools
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from .feedback_log import DELIVERED, FAILED, NOT_SENT, FeedbackLog, Published


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """SNS does not follow redirects: a 3xx answer is a failed delivery."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def post(entry: Published, timeout: float) -> tuple[int | None, str | None]:
    """POST one message; (HTTP status, None), or (None, why) when no answer came."""
    request = urllib.request.Request(
        entry.url or "", data=entry.body.encode("utf-8"), headers=entry.headers, method="POST"
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read()
            return response.status, None
    except urllib.error.HTTPError as err:
        err.read()
        return err.code, None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        return None, str(getattr(exc, "reason", exc))


def retryable(status: int | None) -> bool:
    """SNS retries when there was no answer, a 5xx, or 429; other answers are final."""
    return status is None or status >= 500 or status == 429


@dataclass(order=True)
class _Job:
    due: float
    seq: int
    entry: Published = field(compare=False)
    attempt: int = field(default=0, compare=False)


class Publisher:
    """A delivery thread (started on first use) working through jobs in order of due time."""

    def __init__(
        self, log: FeedbackLog, delay: float, retries: int, retry_delay: float, timeout: float = 5.0
    ) -> None:
        self.log = log
        self.delay, self.retries, self.retry_delay = delay, retries, retry_delay
        self.timeout = timeout
        self._cond = threading.Condition()
        self._jobs: list[_Job] = []
        self._seq = itertools.count()
        self._busy = 0
        self._stopping = False
        self._thread: threading.Thread | None = None

    def publish(self, entry: Published) -> None:
        """Deliver `entry` after the delay (or log it as not sent when there is no URL)."""
        if entry.url is None:
            self.log.finish(entry, NOT_SENT)
            return
        self._schedule(entry, 0, self.delay)

    def drain(self, timeout: float) -> bool:
        """Wait until nothing is queued or being delivered; False if `timeout` ran out first."""
        end = time.monotonic() + timeout
        with self._cond:
            while self._jobs or self._busy:
                remaining = end - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def stop(self) -> None:
        """Stop the thread; messages still queued are logged as not sent."""
        with self._cond:
            self._stopping = True
            dropped, self._jobs = self._jobs, []
            self._cond.notify_all()
        for job in dropped:
            self.log.finish(job.entry, NOT_SENT)
        if self._thread is not None:
            self._thread.join(self.timeout + 1)

    def _schedule(self, entry: Published, attempt: int, wait: float) -> None:
        with self._cond:
            if self._stopping:
                self.log.finish(entry, NOT_SENT)
                return
            job = _Job(time.monotonic() + wait, next(self._seq), entry, attempt)
            heapq.heappush(self._jobs, job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sns-publisher", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def _run(self) -> None:
        while (job := self._next()) is not None:
            try:
                self._deliver(job)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _next(self) -> _Job | None:
        with self._cond:
            while not self._stopping:
                wait = self._jobs[0].due - time.monotonic() if self._jobs else None
                if wait is not None and wait <= 0:
                    self._busy += 1
                    return heapq.heappop(self._jobs)
                self._cond.wait(wait)
        return None

    def _deliver(self, job: _Job) -> None:
        status, error = post(job.entry, self.timeout)
        self.log.attempt(job.entry, status, error)
        if status is not None and 200 <= status < 300:
            self.log.finish(job.entry, DELIVERED)
        elif retryable(status) and job.attempt < self.retries:
            self._schedule(job.entry, job.attempt + 1, self.retry_delay * (job.attempt + 1))
        else:
            self.log.finish(job.entry, FAILED)
