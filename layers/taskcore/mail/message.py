"""A rendered letter as a MIME message: plain text with an HTML alternative."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from taskcore.domain.email import Letter


def mime_message(letter: Letter, sender_address: str, sender_name: str) -> EmailMessage:
    """The message as it goes on the wire (``multipart/alternative``, UTF-8)."""
    message = EmailMessage()
    message["Subject"] = letter.subject
    message["From"] = formataddr((sender_name, sender_address))
    # An address object, not text: a recipient is one mailbox, never a header to parse.
    mailbox, _, host = letter.recipient.rpartition("@")
    message["To"] = Address(username=mailbox, domain=host)
    message["Date"] = formatdate(usegmt=True)
    domain = sender_address.rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    # RFC 3834: an automatic message; well-behaved auto-responders do not answer it.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(letter.text)
    message.add_alternative(letter.html, subtype="html")
    return message
