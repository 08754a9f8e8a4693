"""``manage.py ses_sandbox``: serves in the foreground, prints the settings, stops on SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request

from tests.support.files import BASE_DIR

TOPIC = "arn:aws:sns:eu-west-1:123456789012:local-feedback"


def start(*args: str) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "project.settings.test"}
    command = [sys.executable, "manage.py", "ses_sandbox", "--port", "0", *args]
    return subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, text=True)


def read_banner(process: subprocess.Popen) -> list[str]:
    """The lines printed up to "Ctrl-C to stop."."""
    lines: list[str] = []
    while not lines or not lines[-1].startswith("Ctrl-C"):
        line = process.stdout.readline()
        assert line, f"the command ended early after {lines}"
        lines.append(line.rstrip("\n"))
    return lines


def test_it_prints_the_settings_serves_and_stops_on_sigterm():
    process = start("--rate", "5", "--topic-arn", TOPIC, "--feedback-url", "http://127.0.0.1:9/x/")
    try:
        banner = read_banner(process)
        url = re.search(r"http://127\.0\.0\.1:\d+", banner[0]).group(0)
        port = url.rsplit(":", 1)[1]
        assert f"  export AWS_SES_ENDPOINT_URL={url}" in banner
        assert f"  export BOUNCY_DEV_CERT_HOSTS=127.0.0.1:{port}" in banner
        assert f"  export BOUNCY_TOPIC_ARN={TOPIC}" in banner
        assert "POSTed to http://127.0.0.1:9/x/" in banner[1]
        with urllib.request.urlopen(url + "/_sandbox/stats", timeout=5) as response:
            assert json.load(response)["accepted"] == 0
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert "SES sandbox stopped." in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()


def test_feedback_goes_to_the_local_webhook_by_default():
    process = start()
    try:
        banner = read_banner(process)
        assert "POSTed to http://127.0.0.1:8000/mail/bouncy/" in banner[1]
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        process.stdout.close()
