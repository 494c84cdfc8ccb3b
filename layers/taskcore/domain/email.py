"""The account e-mails: what each says, in plain text and HTML.

Pure text work: the sender (:mod:`taskcore.services.mail`) renders a queued message with
:func:`render` just before handing it to the mail transport, so the outbox stores only
the few values a message needs (the template name, the recipient, the token, its
expiry), and a wording change applies to messages still queued.

No tracking: no remote image, no redirect or click-tracking link, nothing that tells
anyone that the message was opened. The only link is the product's own page (when a
public base URL is configured), with the token in the URL fragment (``#token=``), which
browsers never send to a server, so it stays out of web-server logs and ``Referer``
headers.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum


class Template(Enum):
    """The messages the service sends."""

    VERIFY_EMAIL = "verify_email"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a template name


@dataclass(frozen=True)
class Letter:
    """A rendered message, ready for a transport."""

    recipient: str
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Branding:
    """Who the messages come from, as the deployment configures it."""

    product: str
    base_url: str  # the public web app, e.g. https://tasks.example.com; "" for none


# Where the web app takes each token (the fragment keeps it out of server logs).
_PAGES = {Template.VERIFY_EMAIL: "verify-email", Template.PASSWORD_RESET: "reset-password"}


def render(
    template: Template,
    *,
    recipient: str,
    name: str,
    token: str,
    expires_at: datetime,
    valid_for: timedelta,
    branding: Branding,
) -> Letter:
    """The message ``template`` for ``recipient``, carrying ``token``."""
    link = _link(branding.base_url, template, token)
    words = _words(template, branding.product, name)
    expiry = (
        f"It works once and expires in {_duration(valid_for)}, at "
        f"{expires_at.strftime('%Y-%m-%d %H:%M')} UTC."
    )
    text = "\n\n".join(
        [
            words.greeting,
            words.ask,
            *([f"Open this link:\n{link}"] if link else []),
            f"Or enter this code in the app:\n{token}",
            expiry,
            words.unasked,
            f"— {branding.product}",
        ]
    )
    return Letter(
        recipient=recipient,
        subject=words.subject,
        text=text + "\n",
        html=_html(words, link, token, expiry, branding.product),
    )


@dataclass(frozen=True)
class _Words:
    subject: str
    greeting: str
    ask: str
    action: str
    unasked: str


def _words(template: Template, product: str, name: str) -> _Words:
    greeting = f"Hello {name}," if name else "Hello,"
    if template is Template.VERIFY_EMAIL:
        return _Words(
            subject=f"Confirm your e-mail address for {product}",
            greeting=greeting,
            ask=f"Please confirm that this address belongs to your {product} account.",
            action="Confirm my address",
            unasked=f"If you did not create a {product} account, ignore this message.",
        )
    return _Words(
        subject=f"Reset your {product} password",
        greeting=greeting,
        ask=f"Someone asked to reset the password of your {product} account.",
        action="Choose a new password",
        unasked=(
            "If it was not you, ignore this message: your password stays as it is, and "
            "nobody can use this code without access to your mailbox."
        ),
    )


def _link(base_url: str, template: Template, token: str) -> str:
    if not base_url:
        return ""
    return f"{base_url.rstrip('/')}/{_PAGES[template]}#token={token}"


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return f"{days} day" + ("s" if days != 1 else "")
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" + ("s" if hours != 1 else "")
    return f"{minutes} minute" + ("s" if minutes != 1 else "")


def _html(words: _Words, link: str, token: str, expiry: str, product: str) -> str:
    e = html.escape
    button = (
        f'<p><a href="{e(link)}" style="font-weight:bold">{e(words.action)}</a></p>' if link else ""
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html><head><meta charset="utf-8"><title>{e(words.subject)}</title></head>\n'
        '<body style="font-family:sans-serif;line-height:1.5">\n'
        f"<p>{e(words.greeting)}</p>\n"
        f"<p>{e(words.ask)}</p>\n"
        f"{button}\n"
        f"<p>Or enter this code in the app:</p>\n"
        f'<p style="font-family:monospace;word-break:break-all">{e(token)}</p>\n'
        f"<p>{e(expiry)}</p>\n"
        f"<p>{e(words.unasked)}</p>\n"
        f"<p>— {e(product)}</p>\n"
        "</body></html>\n"
    )
