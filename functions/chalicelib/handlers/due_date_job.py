"""The scheduled due-date job (EventBridge every minute; the local schedulers invoke the
same handler)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Rate

from chalicelib.deps import deps
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from taskcore.services import reminders
else:
    reminders = lazy_module("taskcore.services.reminders")

bp = Blueprint(__name__)


@bp.schedule(Rate(1, unit=Rate.MINUTES), name="due_date_job")
def due_date_job(event: Any) -> dict[str, Any]:
    """Send the due-soon and overdue notifications that are due now."""
    report = reminders.run_due_date_job(deps())
    return {"examined": report.examined, "sent": dict(report.sent), "skipped": report.skipped}
