"""The scheduled outbox sender (EventBridge every minute; the local schedulers invoke
the same handler): delivers the queued account e-mails through SES or SMTP."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Rate

from chalicelib.deps import deps
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from taskcore.services import mail
else:
    mail = lazy_module("taskcore.services.mail")

bp = Blueprint(__name__)


@bp.schedule(Rate(1, unit=Rate.MINUTES), name="outbox_sender")
def outbox_sender(event: Any) -> dict[str, Any]:
    """Deliver the e-mails that are due (bounded rounds, within the run's time)."""
    report = mail.run_sender(deps())
    return {
        "delivered": report.delivered,
        "retried": report.retried,
        "given_up": report.given_up,
        "skipped": report.skipped,
        "mail_unavailable": report.mail_unavailable,
    }
