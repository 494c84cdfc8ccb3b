"""The outbox sender: delivers the queued account e-mails, at least once.

Run on a schedule (every minute: ``functions/chalicelib/handlers/outbox_sender.py``; the
local schedulers invoke the same handler). Each run:

* reads what is due, shard by shard, with one ``Query`` each (never a ``Scan``), in
  rounds of at most :data:`MAX_PER_RUN` messages, and tries each of them at most once; a
  backlog gets more rounds, while the run is within :data:`SEND_BUDGET_SECONDS` (the
  function has 60), so a burst of sign-ups does not hold reset mails past their expiry;
* claims a message before sending it (a lease of :data:`LEASE`), so two runs at once do
  not both send it, and a run that dies mid-way leaves it due again when the lease ends;
* deletes a message once the mail service took it (at least once: a run that dies
  between the two sends it again next time);
* when the mail service is unavailable (down, timing out, answering 4xx), puts the
  message back with a back-off (1, 2, 4 ... minutes, at most an hour) and ends the run:
  the messages behind it keep their place and their attempts, and the next runs catch
  up once the service answers. Nothing is dropped because the mail service was down;
* gives up on a message the mail service refuses for good (5xx about the message) or
  whose token has expired (nothing left worth sending), keeping a record of it without
  the token for two weeks.

No log line names a token, a recipient or a message body: only ids, templates, counts
and the class of an error.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from taskcore.domain.email import Branding, Letter, Template, render
from taskcore.services.deps import Deps
from taskcore.services.ports import MailRejected, MailUnavailable, OutboxMessage

log = logging.getLogger(__name__)

MAX_PER_RUN = 100  # messages per round
MAX_ROUNDS = 20
SEND_BUDGET_SECONDS = 40.0  # no new round after this (each send is bounded by its timeout)
LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)


@dataclass
class SenderReport:
    """What one run did."""

    delivered: int = 0
    retried: int = 0
    given_up: int = 0
    skipped: int = 0  # claimed by another run first
    mail_unavailable: bool = False


def run_sender(
    deps: Deps,
    *,
    limit: int = MAX_PER_RUN,
    rounds: int = MAX_ROUNDS,
    budget_seconds: float = SEND_BUDGET_SECONDS,
    timer: Callable[[], float] = time.monotonic,
) -> SenderReport:
    """Deliver what is due now: rounds of at most ``limit`` attempts, another round only
    while the last one may have left some behind and the run is within
    ``budget_seconds``; see the module docstring."""
    report = SenderReport()
    started = timer()
    for _ in range(rounds):
        more = _round(deps, limit, report)
        if report.mail_unavailable or not more:
            break
        if timer() - started >= budget_seconds:
            break
    return _logged(report)


def _round(deps: Deps, limit: int, report: SenderReport) -> bool:
    """One pass over the shards (one ``Query`` each at most); whether some messages may
    be left behind (a shard gave as many as it was asked for, or the limit was reached)."""
    outbox = deps.outbox
    shards = outbox.shard_count()
    per_shard = max(1, math.ceil(limit / shards))
    attempts_left = limit
    more = False
    for shard in range(shards):
        asked = min(per_shard, attempts_left)
        given = 0
        for message in outbox.due(shard, deps.clock(), asked):
            given += 1
            attempts_left -= 1
            _deliver(deps, message, report)
            if report.mail_unavailable:
                return True
        more = more or given == asked
        if attempts_left <= 0:
            return True
    return more


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed delivery (1, 2, 4 ... minutes,
    at most an hour)."""
    delay: timedelta = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return min(delay, LONGEST_RETRY)


def _deliver(deps: Deps, message: OutboxMessage, report: SenderReport) -> None:
    now = deps.clock()
    claimed = deps.outbox.claim(message, now + LEASE)
    if claimed is None:
        report.skipped += 1
        return
    if claimed.discard_after <= now:
        _give_up(deps, claimed, "expired before delivery", now, report)
        return
    try:
        letter = letter_for(deps, claimed)
    except (KeyError, ValueError):
        _give_up(deps, claimed, "cannot be rendered", now, report)
        return
    try:
        deps.mailer.send(letter)
    except MailRejected as refused:
        _give_up(deps, claimed, str(refused), now, report)
        return
    except MailUnavailable as down:
        attempts = claimed.attempts + 1
        deps.outbox.retry_at(claimed, now + backoff(attempts), str(down))
        report.retried += 1
        report.mail_unavailable = True
        log.warning(
            "mail service unavailable; message queued again",
            extra={"message_id": claimed.id, "attempts": attempts, "error": str(down)},
        )
        return
    deps.outbox.delivered(claimed)
    report.delivered += 1


def letter_for(deps: Deps, message: OutboxMessage) -> Letter:
    """The message rendered with this deployment's product name and links."""
    settings = deps.settings
    params = message.params
    return render(
        Template(message.template),
        recipient=message.recipient,
        name=params.get("name", ""),
        token=params["token"],
        expires_at=datetime.fromisoformat(params["expires_at"]),
        valid_for=timedelta(seconds=int(params["valid_for_seconds"])),
        branding=Branding(settings.product_name, settings.public_base_url),
    )


def _give_up(
    deps: Deps, message: OutboxMessage, reason: str, now: datetime, report: SenderReport
) -> None:
    deps.outbox.give_up(message, reason, now)
    report.given_up += 1
    log.warning(
        "message given up",
        extra={"message_id": message.id, "template": message.template, "reason": reason},
    )


def _logged(report: SenderReport) -> SenderReport:
    if report.delivered or report.retried or report.given_up:
        log.info(
            "outbox run",
            extra={
                "delivered": report.delivered,
                "retried": report.retried,
                "given_up": report.given_up,
                "mail_unavailable": report.mail_unavailable,
            },
        )
    return report
