"""Command line: serve the SES sandbox in the foreground until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse

from . import SESSandbox
from .foreground import add_arguments, build, serve


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Options mirroring SESSandbox's constructor."""
    parser = argparse.ArgumentParser(prog="python -m mailer.sandbox", description=__doc__)
    add_arguments(parser)
    return parser.parse_args(argv)


def announce(box: SESSandbox) -> None:
    """Say where the sandbox listens."""
    print(f"SES sandbox listening on {box.url} (inspect: {box.url}/_sandbox/)", flush=True)


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted."""
    serve(build(vars(parse_args(argv))), announce)
    print("SES sandbox stopped", flush=True)


if __name__ == "__main__":
    main()
