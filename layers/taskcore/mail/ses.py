"""Delivery through Amazon SES (API v2 ``SendEmail``, raw MIME content).

Only the outbox sender's role may send, and only as the configured identity and From
address (``infra/resources.yaml``, ``OutboxSenderRole``).
"""

from __future__ import annotations

from typing import Any

from taskcore.domain.email import Letter
from taskcore.mail.message import mime_message
from taskcore.services.ports import Mailer, MailRejected, MailUnavailable

# Refusals of this message that sending it again cannot cure. A missing or unverified
# sending identity (NotFoundException, BadRequestException) is the deployment's fault:
# the message stays queued for when it is fixed, rather than the queue being discarded.
_PERMANENT = frozenset({"MessageRejected"})


class SesMailer(Mailer):
    """Sends with a boto3 ``sesv2`` client, created on first use."""

    def __init__(
        self,
        region: str,
        *,
        sender_address: str,
        sender_name: str,
        client: Any = None,
    ) -> None:
        self._region = region
        self._sender_address = sender_address
        self._sender_name = sender_name
        self._client = client

    def send(self, letter: Letter) -> None:
        """One ``SendEmail``; refusals of the message are :class:`MailRejected`, anything
        else (throttling, a paused account, the network) :class:`MailUnavailable`."""
        from botocore.exceptions import BotoCoreError, ClientError

        message = mime_message(letter, self._sender_address, self._sender_name)
        try:
            self._sesv2().send_email(
                FromEmailAddress=self._sender_address,
                Destination={"ToAddresses": [letter.recipient]},
                Content={"Raw": {"Data": message.as_bytes()}},
            )
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "ClientError"))
            if code in _PERMANENT:
                raise MailRejected(f"SES {code}") from None
            raise MailUnavailable(f"SES {code}") from None
        except BotoCoreError as exc:
            raise MailUnavailable(f"SES {type(exc).__name__}") from None

    def _sesv2(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            config = Config(
                connect_timeout=5, read_timeout=10, retries={"mode": "standard", "max_attempts": 3}
            )
            self._client = boto3.client("sesv2", region_name=self._region, config=config)
        return self._client
