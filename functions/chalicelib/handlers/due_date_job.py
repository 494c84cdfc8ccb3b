"""The scheduled due-date job's coordinator (EventBridge every minute; the local
schedulers invoke the same handler): hands the index's shards, in groups, to the workers
(:mod:`chalicelib.fanout`), or runs them all itself where nothing fans out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Rate

from chalicelib import deps as app_deps
from chalicelib import fanout, observability
from chalicelib.lazy import lazy_module

if TYPE_CHECKING:
    from taskcore.services import reminders
else:
    reminders = lazy_module("taskcore.services.reminders")

bp = Blueprint(__name__)


@bp.schedule(Rate(1, unit=Rate.MINUTES), name="due_date_job")
def due_date_job(event: Any) -> dict[str, Any]:
    """Send the notifications that are due now: through the workers, one message per
    group of shards, or here when there are no workers."""
    # The event's id correlates the run's log lines, the workers' included (and a dead
    # letter of it, which holds the event), with each other.
    run_id = event.event_id
    settings = app_deps.deps().settings
    workers = fanout.dispatcher(settings)
    if workers is None:
        return fanout.run_shards(None, run_id)
    groups = reminders.shard_groups(settings)
    with observability.current().correlated(run_id):
        workers.dispatch([fanout.message(group, run_id) for group in groups])
    return {"groups": len(groups), "shards": settings.due_index_shards}
