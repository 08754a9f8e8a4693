"""The lines of an account setup report: OK, PROBLEM (with what to do) or SKIP."""

from __future__ import annotations

from dataclasses import dataclass

from mailer.exceptions import SESError

OK, PROBLEM, SKIP = "OK", "PROBLEM", "SKIP"
POLICY = "the IAM policy in docs/deploy.md"


@dataclass(frozen=True)
class Finding:
    """One line of the report."""

    status: str
    text: str

    def __str__(self) -> str:
        return f"{self.status} {self.text}"


def ok(text: str) -> Finding:
    """A check that passed."""
    return Finding(OK, text)


def problem(text: str) -> Finding:
    """A check that failed; `text` ends with what to do."""
    return Finding(PROBLEM, text)


def skipped(text: str) -> Finding:
    """A check that could not be made (the report says why)."""
    return Finding(SKIP, text)


def denied(action: str, exc: SESError) -> Finding:
    """An account call that failed: a missing IAM permission, or another error."""
    if exc.code.startswith("AccessDenied") or exc.code == "AuthorizationError":
        return problem(f"the credentials may not call {action}: add it to {POLICY}")
    return problem(f"{action} failed ({exc})")
