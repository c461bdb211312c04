"""What the hostile-input tests share: a fingerprint of the whole database, to show that a refused request
changed nothing, and a way to spoil one field of a platform's payload."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import func, select

from storage.models import AuditEntry, Base


async def database_state(panel: Any, *, leave_out: Collection[str] = ()) -> tuple:
    """Every table's row count and the audit chain's head: equal before and after means nothing changed.
    `leave_out` names tables a refused request may still touch (a platform's own conversation state)."""
    async with panel.uow() as uow:
        counts = [(t.name, (await uow.session.execute(select(func.count()).select_from(t))).scalar_one())
                  for t in Base.metadata.sorted_tables if t.name not in leave_out]
        head = (await uow.session.execute(select(AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1))).first()
    return tuple(counts), tuple(head or ())


def spoil(payload: Any, path: tuple, value: Any, drop: bool) -> None:
    """Remove the field at `path` in a nested payload (`drop`), or put `value` there instead."""
    node = payload
    for key in path[:-1]:
        node = node[key]
    if drop:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value
