"""What the in-memory repositories share: the store and the partnership they serve."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from storage.memory.store import MemoryStore
from storage.models import Deadline


class MemoryRepository:
    def __init__(self, store: MemoryStore, partnership_id: int | None) -> None:
        self.store = store
        self._partnership_id = partnership_id

    @property
    def pid(self) -> int:
        if self._partnership_id is None:
            raise RuntimeError("this unit of work was opened for no partnership, so it cannot read one's rows")
        return self._partnership_id

    def ours(self, model: type) -> list[Any]:
        """This partnership's rows of `model`, in id order."""
        return [row for row in self.store.all(model) if row.partnership_id == self.pid]


def is_open(row: Deadline) -> bool:
    return row.done_at is None and row.cancelled_at is None


def soonest(rows: Iterable[Deadline]) -> list[Deadline]:
    return sorted(rows, key=lambda d: (d.due_at, d.id))
