"""The local stacks' SMTP server: takes every message the app sends and keeps it in a
Maildir a developer (or a test) can read. Nothing is relayed anywhere.

    python local/mailserver.py --maildir .run/mail [--host 127.0.0.1] [--port 1025]
    python local/mailserver.py --maildir .run/mail --show      # the latest message
    python local/mailserver.py --maildir .run/mail --list      # every message, newest last

``make up`` runs it as a supervised child of the stack (its Maildir is ``.run/mail``);
docker compose runs it as the ``mail`` service. Any mail client reads a Maildir (e.g.
``mutt -f .run/mail``); each message is also one plain file under ``.run/mail/new/``.
SIGTERM and SIGINT stop it.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import logging
import mailbox
import signal
import sys
import threading
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path
from types import FrameType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

# Bigger than any account e-mail; a client sending more is refused (552).
MAX_MESSAGE_BYTES = 1024 * 1024


def start(maildir: Path, host: str = "127.0.0.1", port: int = 1025) -> Controller:
    """An SMTP server on ``host:port`` delivering into ``maildir``, running in a thread
    until ``.stop()``."""
    mailbox.Maildir(str(maildir), create=True)  # with its new/, cur/ and tmp/
    # aiosmtpd logs every line of a message at DEBUG (the e-mailed codes included): the
    # messages belong in the Maildir only, never in a log.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller = Controller(
        Mailbox(maildir),
        hostname=host,
        port=port,
        data_size_limit=MAX_MESSAGE_BYTES,
        ready_timeout=10.0,
    )
    controller.start()
    return controller


def messages(maildir: Path) -> list[EmailMessage]:
    """Every message of the Maildir, oldest first (by delivery time)."""
    box = mailbox.Maildir(str(maildir), create=False)
    keyed: list[tuple[float, str, EmailMessage]] = []
    for key in box.iterkeys():
        raw = box.get_bytes(key)
        parsed: Any = email.message_from_bytes(raw, policy=email.policy.default)
        keyed.append((box.get_message(key).get_date(), key, parsed))
    return [message for _, _, message in sorted(keyed, key=lambda entry: entry[:2])]


def plain_text(message: EmailMessage) -> str:
    """The text/plain part of a message."""
    part = message.get_body(preferencelist=("plain",))
    return str(part.get_content()) if part is not None else ""


def _show(maildir: Path, *, every: bool) -> int:
    found = messages(maildir) if maildir.exists() else []
    if not found:
        print(f"no messages in {maildir}")
        return 1
    for message in found if every else found[-1:]:
        print(f"Date: {message['Date']}\nTo: {message['To']}\nSubject: {message['Subject']}\n")
        print(plain_text(message))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: serve until SIGTERM / SIGINT, or show messages."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--maildir", type=Path, required=True, help="where messages go")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--show", action="store_true", help="print the latest message and exit")
    shown.add_argument("--list", action="store_true", help="print every message and exit")
    args = parser.parse_args(argv)
    if args.show or args.list:
        return _show(args.maildir, every=args.list)

    stopping = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    controller = start(args.maildir, args.host, args.port)
    print(f"mail: SMTP on {args.host}:{args.port}, messages in {args.maildir}", flush=True)
    stopping.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
