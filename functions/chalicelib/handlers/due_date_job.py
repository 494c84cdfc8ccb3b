"""The scheduled due-date job (EventBridge every minute; the local schedulers invoke the
same handler)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Rate

from chalicelib import deps as app_deps
from chalicelib import observability
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from taskcore.services import reminders
else:
    reminders = lazy_module("taskcore.services.reminders")

bp = Blueprint(__name__)


@bp.schedule(Rate(1, unit=Rate.MINUTES), name="due_date_job")
def due_date_job(event: Any) -> dict[str, Any]:
    """Send the due-soon and overdue notifications that are due now."""
    telemetry = observability.current()
    before = app_deps.usage()
    # The event's id correlates the run's log lines (and a dead letter of it, which holds
    # the event) with each other.
    with telemetry.correlated(event.event_id):
        report = reminders.run_due_date_job(app_deps.deps())
        telemetry.job_done(
            delivered=sum(report.sent.values()),
            examined=report.examined,
            lag_seconds=report.lag_seconds,
            before=before,
            after=app_deps.usage(),
        )
    return {"examined": report.examined, "sent": dict(report.sent), "skipped": report.skipped}
