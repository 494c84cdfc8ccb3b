"""Delivery over SMTP: the local stacks' own server (``local/mailserver.py``) or a relay."""

from __future__ import annotations

import smtplib

from taskcore.domain.email import Letter
from taskcore.mail.message import mime_message
from taskcore.services.ports import Mailer, MailRejected, MailUnavailable


class SmtpMailer(Mailer):
    """One SMTP connection per message (the sender sends few, on a schedule)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender_address: str,
        sender_name: str,
        starttls: bool = False,
        timeout_seconds: float = 10.0,
    ) -> None:
        self._host = host
        self._port = port
        self._sender_address = sender_address
        self._sender_name = sender_name
        self._starttls = starttls
        self._timeout = timeout_seconds

    def send(self, letter: Letter) -> None:
        """Hand the message to the server. A permanent refusal of this recipient (at
        ``RCPT``) or of this message's content (at ``DATA``), 550-554, is
        :class:`MailRejected`. Anything else is :class:`MailUnavailable` and the message
        stays queued: no answer, a 4xx, a broken connection, and a server refusing this
        sender or all service (a 554 greeting, a 550 relay denial at ``MAIL FROM``),
        which is the deployment's fault, and would otherwise discard every message."""
        message = mime_message(letter, self._sender_address, self._sender_name)
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                if self._starttls:
                    smtp.starttls()
                smtp.send_message(
                    message, from_addr=self._sender_address, to_addrs=[letter.recipient]
                )
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise _by_code(min(codes, default=550), "recipient refused") from None
        except smtplib.SMTPDataError as exc:
            raise _by_code(exc.smtp_code, "message refused") from None
        except smtplib.SMTPResponseException as exc:
            raise MailUnavailable(f"SMTP {exc.smtp_code} {type(exc).__name__}") from None
        except (OSError, smtplib.SMTPException) as exc:
            # Only the class: a server's text may quote what it was sent.
            raise MailUnavailable(f"SMTP {type(exc).__name__}") from None


# Mailbox unavailable or unknown, user not local, storage exceeded, name not allowed,
# transaction failed: about the message or its recipient, not the server's state.
_PERMANENT = frozenset({550, 551, 552, 553, 554})


def _by_code(code: int, what: str) -> MailRejected | MailUnavailable:
    if code in _PERMANENT:
        return MailRejected(f"SMTP {code} {what}")
    return MailUnavailable(f"SMTP {code} {what}")
