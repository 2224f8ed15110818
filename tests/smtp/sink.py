#!/usr/bin/env python3
"""A real SMTP server for the email tests: aiosmtpd, writing each message it
accepts to DIR/<n>.eml. While DIR/refuse exists it answers every message with
a temporary failure (451), as a mail server that is down for maintenance;
beside each it writes DIR/<n>.json, the message's text and HTML parts decoded;
while DIR/reject exists, a permanent one (550), as for an unknown mailbox.

    python3 tests/smtp/sink.py --port PORT --dir DIR   # prints "ready" when listening
    python3 tests/smtp/sink.py --install               # only installs aiosmtpd

aiosmtpd is installed, pinned, into a virtualenv under ~/.cache when missing.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import os
import pathlib
import subprocess
import sys
import time

AIOSMTPD_VERSION = "1.4.6"
VENV = pathlib.Path.home() / ".cache" / f"filmroom-aiosmtpd-{AIOSMTPD_VERSION}"


def ensure_aiosmtpd() -> None:
    """Re-executes this script inside a virtualenv that has aiosmtpd."""
    try:
        import aiosmtpd  # noqa: F401
        return
    except ImportError:
        pass
    python = VENV / "bin" / "python"
    if not python.exists() or subprocess.run([str(python), "-c", "import aiosmtpd"], capture_output=True).returncode != 0:
        print(f"smtp sink: installing aiosmtpd {AIOSMTPD_VERSION} into {VENV}", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "--quiet", f"aiosmtpd=={AIOSMTPD_VERSION}"], check=True)
    os.execv(str(python), [str(python), *sys.argv])


class Maildir:
    def __init__(self, directory: pathlib.Path) -> None:
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if (self.directory / "refuse").exists():
            return "451 4.3.0 Mail server busy; try again later"
        if (self.directory / "reject").exists():
            return "550 5.1.1 No such mailbox here"
        self.count += 1
        name = self.directory / f"{self.count:04d}.eml"
        partial = name.with_suffix(".part")
        header = f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n".encode()
        # The text and HTML parts decoded by Python's own MIME parser, beside
        # the raw message, so tests read what a mail client would show.
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        parts = {}
        for kind in ("plain", "html"):
            part = message.get_body(preferencelist=(kind,))
            parts[kind] = part.get_content() if part is not None else None
        name.with_suffix(".json").write_text(json.dumps(parts))
        partial.write_bytes(header + envelope.original_content)
        partial.rename(name)
        return "250 2.0.0 Message accepted"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int)
    parser.add_argument("--dir", type=pathlib.Path)
    parser.add_argument("--install", action="store_true")
    args = parser.parse_args()
    ensure_aiosmtpd()
    if args.install:
        print("smtp sink: aiosmtpd is installed", flush=True)
        return
    from aiosmtpd.controller import Controller

    args.dir.mkdir(parents=True, exist_ok=True)
    controller = Controller(Maildir(args.dir), hostname="127.0.0.1", port=args.port)
    controller.start()
    print("ready", flush=True)
    try:
        while True:  # until the test kills us
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
