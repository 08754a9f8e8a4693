"""`python -m mailer.sandbox`: serves in the foreground, prints its URL, stops on SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request

from tests.support.files import BASE_DIR


def test_cli_serves_until_sigterm():
    env = {**os.environ, "PYTHONPATH": str(BASE_DIR)}
    command = [sys.executable, "-m", "mailer.sandbox", "--port", "0", "--rate", "14"]
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, text=True)
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+", process.stdout.readline()).group(0)
        with urllib.request.urlopen(url + "/_sandbox/stats", timeout=5) as response:
            assert json.load(response)["accepted"] == 0
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
