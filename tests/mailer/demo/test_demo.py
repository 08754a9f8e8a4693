"""The README's demo, shortened: the whole loop on embedded defaults, checked from its summary."""

import re
import subprocess
import sys
from pathlib import Path

from tests.support.demo import embedded_env
from tests.support.files import BASE_DIR


def run_demo(folder: Path) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "mailer_demo",
            "--successes",
            "3",
            "--rate",
            "40",
            "--dir",
            str(folder),
        ],
        cwd=BASE_DIR,
        env=embedded_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def summary_row(output: str, name: str) -> list[str]:
    table = output.split("\nSummary\n", 1)[1]
    line = next(ln for ln in table.splitlines() if ln.strip().startswith(name))
    return re.split(r"\s+", line.strip())[2:]


def test_demo_sends_receives_feedback_and_drops_suppressed_recipients(tmp_path):
    output = run_demo(tmp_path / "demo")
    # queued, sent, suppressed, failed, recipients dropped (then seconds)
    assert summary_row(output, "Round 1")[:5] == ["11", "11", "0", "0", "0"]
    assert summary_row(output, "Round 2")[:5] == ["11", "5", "6", "0", "8"]
    assert "bounce+team@simulator.amazonses.com           hard_bounce" in output
    assert "suppressionlist@simulator.amazonses.com       ses_suppressed" in output
    # SES's account-level list is pulled in before round 1 (issue 17)
    assert re.search(r"left-the-company@example\.com +ses_suppressed", output), output
    assert "pull: 1 listed at SES, 1 new" in output
    # feedback counted per round: round 2's suppressed recipients cause none
    assert "Round 1 feedback received: notifications" in output
    assert re.search(r"Round 1 feedback received: .*bounces 5, complaints 3", output)
    assert re.search(r"Round 2 feedback received: .*bounces 0, complaints 0", output)
    assert "recipients dropped: suppressed addresses taken off" in output
    assert "recipients/s" in output and "msg/s" not in output
    # what it did is kept, and the demo says how to look at it
    assert (tmp_path / "demo" / "mailroom.sqlite3").exists()
    assert f"bash scripts/local --dir {tmp_path / 'demo'}" in output
    # A recipient replied to a round-2 notification: linked, answered once, the answer sent.
    assert re.search(
        r'reply from success\+1@simulator\.amazonses\.com to "Re: \[Round 2\] Hello": '
        r'linked to Email #\d+, answered; answer "Auto: Re: \[Round 2\] Hello" \(sent\)',
        output,
    ), output
