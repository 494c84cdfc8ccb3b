"""Building one ``TransactWriteItems`` and telling why DynamoDB cancelled it.

DynamoDB reports a cancelled transaction as one reason per action, in the order the
actions were sent. PynamoDB sends condition checks, then deletes, then puts, then
updates, whatever order they were added in; :class:`Actions` keeps a tag per action in
that same order, so each reason can be matched to what its action stood for:

* ``task``: a task at its expected version (or absent, for a create);
* ``list``: a list at its expected version; ``into``: the list a task goes into;
* ``account``: the account at the change number read;
* ``None``: unconditional.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from taskcore.errors import DependencyUnavailable
from taskcore.services.ports import WriteOutcome

# DynamoDB's limit on the actions of one transaction.
MAX_TRANSACTION_ACTIONS = 100

Tag = str | None


@dataclass
class Actions:
    """The actions of one transaction, tagged, in the order PynamoDB sends them."""

    _checks: list[tuple[Tag, Any]] = field(default_factory=list)
    _deletes: list[tuple[Tag, Any]] = field(default_factory=list)
    _puts: list[tuple[Tag, Any]] = field(default_factory=list)
    _updates: list[tuple[Tag, Any]] = field(default_factory=list)

    def check(self, tag: Tag, model: type[Model], hash_key: str, range_key: str, cond: Any) -> None:
        """A condition on an item that is not written."""
        self._checks.append((tag, (model, hash_key, range_key, cond)))

    def delete(self, tag: Tag, item: Model, condition: Any = None) -> None:
        """Delete an item (if ``condition``)."""
        self._deletes.append((tag, (item, condition)))

    def put(self, tag: Tag, item: Model, condition: Any = None) -> None:
        """Put (create or replace) an item (if ``condition``)."""
        self._puts.append((tag, (item, condition)))

    def update(self, tag: Tag, item: Model, actions: list[Any], condition: Any = None) -> None:
        """Update attributes of an item (if ``condition``)."""
        self._updates.append((tag, (item, actions, condition)))

    def __len__(self) -> int:
        return len(self._checks) + len(self._deletes) + len(self._puts) + len(self._updates)

    def apply(self, tx: TransactWrite) -> None:
        """Add every action to a PynamoDB transaction."""
        for _, (model, hash_key, range_key, cond) in self._checks:
            tx.condition_check(model, hash_key, range_key, condition=cond)
        for _, (item, condition) in self._deletes:
            tx.delete(item, condition=condition)
        for _, (item, condition) in self._puts:
            tx.save(item, condition=condition)
        for _, (item, actions, condition) in self._updates:
            tx.update(item, actions=actions, condition=condition)

    def outcome(self, exc: TransactWriteError) -> WriteOutcome:
        """What a cancelled transaction means for the service (raises when it is not a
        lost race: throttling is 503, anything else a bug)."""
        codes = [reason.code if reason is not None else None for reason in exc.cancellation_reasons]
        if not codes:
            raise exc
        tags = [tag for tag, _ in self._checks + self._deletes + self._puts + self._updates]
        failed = {
            tag for tag, code in zip(tags, codes, strict=False) if code == "ConditionalCheckFailed"
        }
        if "task" in failed:
            return WriteOutcome.TASK_CHANGED
        if "list" in failed:
            return WriteOutcome.LIST_CHANGED
        if "into" in failed:
            return WriteOutcome.LIST_REFUSED
        if "account" in failed or "TransactionConflict" in codes:
            return WriteOutcome.USER_CHANGED
        if any(code in ("ThrottlingError", "ProvisionedThroughputExceeded") for code in codes):
            raise DependencyUnavailable("The database is busy; retry shortly") from exc
        raise exc
