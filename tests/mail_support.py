"""A real SMTP server for the tests (``local/mailserver.py``, aiosmtpd) and how to read
the tokens from the messages it received: the only way tests get an e-mailed token."""

from __future__ import annotations

import re
import socket
from email.message import EmailMessage
from pathlib import Path

import mailserver
from aiosmtpd.controller import Controller

_CODE = re.compile(r"Or enter this code in the app:\n(\S+)")


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpServer:
    """``local/mailserver.py`` on a port of its own, delivering into ``maildir``; it can
    be stopped and started again on the same port (the mail service down, then up)."""

    def __init__(self, maildir: Path, port: int | None = None) -> None:
        self.maildir = maildir
        self.port = port or free_port()
        self._controller: Controller | None = None

    def start(self) -> SmtpServer:
        """Listen (again)."""
        if self._controller is None:
            self._controller = mailserver.start(self.maildir, port=self.port)
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused until :meth:`start`."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self, to: str | None = None) -> list[EmailMessage]:
        """Every message received (for ``to``), oldest first."""
        if not (self.maildir / "new").exists():
            return []
        found = mailserver.messages(self.maildir)
        return [m for m in found if to is None or m["To"] == to]

    def token(self, to: str, subject_part: str) -> str:
        """The code in the latest message to ``to`` whose subject has ``subject_part``."""
        matching = [m for m in self.messages(to) if subject_part in str(m["Subject"])]
        assert matching, f"no message to {to} about {subject_part!r}"
        return code_in(matching[-1])


def code_in(message: EmailMessage) -> str:
    """The code a message carries."""
    found = _CODE.search(mailserver.plain_text(message))
    assert found, mailserver.plain_text(message)
    return found.group(1)
