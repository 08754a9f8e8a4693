"""The repository's root and the AWS-documented SES payloads under tests/fixtures/ses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parents[2]
SES_FIXTURES = BASE_DIR / "tests" / "fixtures" / "ses"


def ses_text(name: str) -> str:
    """The text of the SES payload ``name`` (a file in tests/fixtures/ses)."""
    return (SES_FIXTURES / name).read_text()


def ses_json(name: str) -> Any:
    """The SES payload ``name``, decoded (a fresh copy each call)."""
    return json.loads(ses_text(name))


def ses_manifest() -> Any:
    """MANIFEST.json: where each payload comes from and what it holds."""
    return ses_json("MANIFEST.json")
