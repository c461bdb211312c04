"""The record in memory: a stand-in for the database with which the service's rules are tested in milliseconds.

`MemoryStore` holds the rows; `MemoryUnitOfWork` is `storage.uow.UnitOfWork` over it, and its repositories
(`storage.memory.repositories`) answer as `storage.repositories` do. A panel runs on it when given
`unit_of_work=units_of_work(store)` (`build_panel` is in `bot.service.bootstrap`):

    store = MemoryStore()
    panel = build_panel(preset=..., calendar=..., sessionmaker=None, partnership_id=1,
                        unit_of_work=units_of_work(store))

It lives here, beside the real repositories, rather than in the tests, so that whoever changes a repository
sees its twin in the same folder, the layering check covers it, and `tests/unit/test_memory_record.py`
fails if the two stop having the same methods.
"""

from __future__ import annotations

from collections.abc import Callable

from storage.memory.store import MemoryStore
from storage.memory.uow import MemoryUnitOfWork


def units_of_work(store: MemoryStore) -> Callable[[int | None, str | None], MemoryUnitOfWork]:
    """What a panel calls for each command's unit of work (with its partnership and request id)."""

    def open_one(partnership_id: int | None, request_id: str | None = None) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(store, partnership_id=partnership_id, request_id=request_id)

    return open_one


__all__ = ["MemoryStore", "MemoryUnitOfWork", "units_of_work"]
