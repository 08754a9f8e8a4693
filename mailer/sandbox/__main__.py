"""Command line: serve the SES sandbox in the foreground until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import threading

from . import SESSandbox


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Options mirroring SESSandbox's constructor."""
    parser = argparse.ArgumentParser(prog="python -m mailer.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--rate", type=float, default=None, help="max recipients per second")
    parser.add_argument("--quota", type=int, default=None, help="max recipients per 24 h")
    parser.add_argument(
        "--reported-rate", type=float, default=None, help="MaxSendRate to report, if not --rate"
    )
    parser.add_argument("--no-keep-raw", action="store_true", help="do not store raw messages")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted."""
    args = parse_args(argv)
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    box = SESSandbox(
        args.host,
        args.port,
        args.rate,
        args.quota,
        args.reported_rate,
        keep_raw=not args.no_keep_raw,
    )
    with box:
        print(f"SES sandbox listening on {box.url} (inspect: {box.url}/_sandbox/)", flush=True)
        while not stopping.wait(1.0):
            pass
    print("SES sandbox stopped", flush=True)


if __name__ == "__main__":
    main()
