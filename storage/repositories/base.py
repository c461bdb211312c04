"""What every repository shares: the unit of work's session and the partnership it serves."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


class Repository:
    """Reads and writes of one concept, inside one unit of work's transaction. Every query is scoped to the
    partnership the unit of work serves: one database can hold several, and a row id is never a way into
    another's."""

    def __init__(self, session: AsyncSession, partnership_id: int | None) -> None:
        self.session = session
        self._partnership_id = partnership_id

    @property
    def pid(self) -> int:
        if self._partnership_id is None:
            raise RuntimeError("this unit of work was opened for no partnership, so it cannot read one's rows")
        return self._partnership_id
