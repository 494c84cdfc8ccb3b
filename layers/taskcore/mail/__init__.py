"""Mail transports (the services' :class:`~taskcore.services.ports.Mailer`): SMTP for the
local stacks (or any relay), Amazon SES on AWS. Both send the same MIME message."""

from __future__ import annotations

from taskcore.mail.message import mime_message
from taskcore.mail.ses import SesMailer
from taskcore.mail.smtp import SmtpMailer

__all__ = ["SesMailer", "SmtpMailer", "mime_message"]
