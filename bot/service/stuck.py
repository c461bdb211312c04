"""The `tell_stuck` sweep: gathers the messages the outbox cannot deliver and queues what `flows.stuck` says to
tell the business manager, one notice per stuck target.

Each notice is recorded under the unique key (partnership, purpose, platform, UK day) in the same transaction
as its outbox row (`StuckNotice`), so two sweeps at once (two replicas), or a restart, never tell twice on one
day. A notice about the business manager's own channel is not queued (it could not arrive): the log says it
at WARNING instead, recorded the same way, and `/healthz` says degraded while the messages wait.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.service.base import PanelBase
from flows import stuck as rules
from storage.models import Channel, Member, OutboxMessage, StuckNotice

log = logging.getLogger(__name__)

MAX_ROWS = 10_000  # undelivered rows read per sweep, oldest first (more than this waiting says enough)


class StuckCommands(PanelBase):
    async def tell_stuck(self, stuck_after: timedelta | None = None) -> int:
        """One sweep at the panel's current time. Returns how many targets were told about (to the business
        manager, or in the log for their own channel)."""
        now = self.now()
        limit = self.stuck_after if stuck_after is None else stuck_after
        async with self.uow() as uow:
            s = uow.session
            rows = (
                await s.execute(
                    select(OutboxMessage.purpose, OutboxMessage.created_at, OutboxMessage.last_error)
                    .where(
                        OutboxMessage.partnership_id == self.partnership_id,
                        OutboxMessage.sent_at.is_(None),
                        OutboxMessage.last_error.is_not(None),
                    )
                    .order_by(OutboxMessage.id)
                    .limit(MAX_ROWS)
                )
            ).all()
            failing = [f for r in rows for f in rules.failures(r.purpose, _aware(r.created_at), r.last_error)]
            found = rules.stuck_targets(failing, now, limit)
            if not found:
                return 0
            told = await self._last_told(s, [t.target for t in found])
            names, personal = await self._names(s, [t.target for t in found])
            due = rules.notices(found, told, now, self.cal, names, personal)
            by_target = {t.target: t for t in found}
            done = 0
            for notice in due:
                target = by_target[notice.target]
                try:
                    async with s.begin_nested():
                        s.add(
                            StuckNotice(
                                partnership_id=self.partnership_id,
                                purpose=notice.target.purpose,
                                platform=notice.target.platform,
                                day=notice.day,
                                told_at=now,
                                told="bm" if notice.to_bm else "log",
                                since=target.since,
                                waiting=target.waiting,
                            )
                        )
                except IntegrityError:  # told today already, by another sweep
                    continue
                done += 1
                if notice.to_bm:
                    uow.outbox(
                        partnership_id=self.partnership_id,
                        now=now,
                        purpose="bm",
                        kind="notice",
                        body={"headline": notice.headline, "text": notice.text},
                    )
                else:
                    log.warning("the business manager cannot be told in chat: %s", notice.text)
            await self.finish(uow)
        return done

    async def _last_told(self, s, targets: list[rules.Target]) -> dict[rules.Target, datetime]:  # type: ignore[no-untyped-def]
        purposes = sorted({t.purpose for t in targets})
        rows = await s.execute(
            select(StuckNotice.purpose, StuckNotice.platform, func.max(StuckNotice.told_at))
            .where(StuckNotice.partnership_id == self.partnership_id, StuckNotice.purpose.in_(purposes))
            .group_by(StuckNotice.purpose, StuckNotice.platform)
        )
        return {rules.Target(p, pl): _aware(at) for p, pl, at in rows}

    async def _names(self, s, targets: list[rules.Target]) -> tuple[dict[str, str], set[rules.Target]]:  # type: ignore[no-untyped-def]
        """The purposes in words ("member:7" -> "Pat (police)", "agency:police" -> "Police"), and the channel
        targets that are one person's chat (a Telegram chat id above zero, a Slack user id)."""
        names: dict[str, str] = {}
        for agency in self.preset.agencies:
            names[f"agency:{agency.id}"] = agency.label
            names[f"agency:{agency.id}:lead"] = f"{agency.label}'s safeguarding lead"
        ids = [int(m) for t in targets if (m := t.purpose.removeprefix("member:")) != t.purpose and m.isdigit()]
        if ids:
            for member_id, name, role in await s.execute(
                select(Member.id, Member.name, Member.role).where(
                    Member.partnership_id == self.partnership_id, Member.id.in_(ids)
                )
            ):
                names[f"member:{member_id}"] = f"{name} ({role})"
        personal: set[rules.Target] = set()
        channels = [t for t in targets if not t.purpose.startswith("member:")]
        if channels:
            rows = await s.execute(
                select(Channel.purpose, Channel.platform, Channel.external_id).where(
                    Channel.partnership_id == self.partnership_id,
                    Channel.purpose.in_(sorted({t.purpose for t in channels})),
                )
            )
            for purpose, platform, external in rows:
                if (platform == "telegram" and external.isdigit()) or (
                    platform == "slack" and external.startswith(("U", "W"))
                ):
                    personal.add(rules.Target(purpose, platform))
        return names, personal


def _aware(when: datetime) -> datetime:  # SQLite hands back naive datetimes; everything stored is UTC
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
