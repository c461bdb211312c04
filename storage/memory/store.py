"""The in-memory record: rows kept as model objects in dictionaries, by model and id. No session, no SQL."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from storage.models import Base

Snapshot = dict[type, dict[int, dict[str, Any]]]


def _columns(model: type) -> list[str]:
    return [column.key for column in model.__table__.columns]  # type: ignore[attr-defined]


@dataclass
class MemoryStore:
    """Every row of the record, by model and id. Audit entries and outbox messages are rows like the others."""

    rows: dict[type, dict[int, Any]] = field(default_factory=dict)
    claimed: set[str] = field(default_factory=set)  # platform deliveries whose work was committed
    _ids: dict[type, int] = field(default_factory=dict)

    def insert(self, row: Base) -> Any:
        """Store a new row, giving it the next id of its table (as the database would on flush)."""
        model = type(row)
        if getattr(row, "id", None) is None:
            self._ids[model] = self._ids.get(model, 0) + 1
            row.id = self._ids[model]  # type: ignore[attr-defined]
        else:
            self._ids[model] = max(self._ids.get(model, 0), row.id)  # type: ignore[attr-defined]
        self.rows.setdefault(model, {})[row.id] = row  # type: ignore[attr-defined]
        return row

    def delete(self, row: Base) -> None:
        self.rows.get(type(row), {}).pop(row.id, None)  # type: ignore[attr-defined]

    def all(self, model: type) -> list[Any]:
        """Every row of `model`, in id order."""
        return [row for _, row in sorted(self.rows.get(model, {}).items())]

    def get(self, model: type, row_id: int | None) -> Any:
        return self.rows.get(model, {}).get(row_id) if row_id is not None else None

    def snapshot(self) -> Snapshot:
        return {
            model: {
                row_id: {key: copy.copy(getattr(row, key)) for key in _columns(model)} for row_id, row in table.items()
            }
            for model, table in self.rows.items()
        }

    def restore(self, snapshot: Snapshot) -> None:
        """Put every row back as it was at `snapshot`: new rows go, changed ones get their old values."""
        for model, table in self.rows.items():
            before = snapshot.get(model, {})
            for row_id in [i for i in table if i not in before]:
                del table[row_id]
        for model, table in snapshot.items():
            current = self.rows.setdefault(model, {})
            for row_id, values in table.items():
                row = current.get(row_id)
                if row is None:  # deleted in the unit of work: back it comes
                    row = current[row_id] = model()
                for key, value in values.items():
                    if getattr(row, key) != value:
                        setattr(row, key, value)
