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

from bot.service.base import Handler
from flows import stuck as rules
from storage.models import StuckNotice
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

MAX_ROWS = 10_000  # undelivered rows read per sweep, oldest first (more than this waiting says enough)


class StuckCommands(Handler):
    async def tell_stuck(self, stuck_after: timedelta | None = None) -> int:
        """One sweep at the panel's current time. Returns how many targets were told about (to the business
        manager, or in the log for their own channel)."""
        now = self.now()
        limit = self.stuck_after if stuck_after is None else stuck_after
        async with self.uow() as uow:
            rows = await uow.undelivered.failing(MAX_ROWS)
            failing = [f for r in rows for f in rules.failures(r.purpose, _aware(r.created_at), r.last_error)]
            found = rules.stuck_targets(failing, now, limit)
            if not found:
                return 0
            told = await self._last_told(uow, [t.target for t in found])
            names, personal = await self._names(uow, [t.target for t in found])
            due = rules.notices(found, told, now, self.cal, names, personal)
            by_target = {t.target: t for t in found}
            done = 0
            for notice in due:
                target = by_target[notice.target]
                record = StuckNotice(
                    partnership_id=self.partnership_id,
                    purpose=notice.target.purpose,
                    platform=notice.target.platform,
                    day=notice.day,
                    told_at=now,
                    told="bm" if notice.to_bm else "log",
                    since=target.since,
                    waiting=target.waiting,
                )
                if not await uow.stuck_notices.record_once(record):  # told today already, by another sweep
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

    async def _last_told(self, uow: UnitOfWork, targets: list[rules.Target]) -> dict[rules.Target, datetime]:
        rows = await uow.stuck_notices.last_told(sorted({t.purpose for t in targets}))
        return {rules.Target(p, pl): _aware(at) for p, pl, at in rows}

    async def _names(self, uow: UnitOfWork, targets: list[rules.Target]) -> tuple[dict[str, str], set[rules.Target]]:
        """The purposes in words ("member:7" -> "Pat (police)", "agency:police" -> "Police"), and the channel
        targets that are one person's chat (a Telegram chat id above zero, a Slack user id)."""
        names: dict[str, str] = {}
        for agency in self.preset.agencies:
            names[f"agency:{agency.id}"] = agency.label
            names[f"agency:{agency.id}:lead"] = f"{agency.label}'s safeguarding lead"
        ids = [int(m) for t in targets if (m := t.purpose.removeprefix("member:")) != t.purpose and m.isdigit()]
        if ids:
            for member_id, name, role in await uow.members.names(ids):
                names[f"member:{member_id}"] = f"{name} ({role})"
        personal: set[rules.Target] = set()
        channels = [t for t in targets if not t.purpose.startswith("member:")]
        if channels:
            for purpose, platform, external in await uow.channels.of_purposes(sorted({t.purpose for t in channels})):
                if (platform == "telegram" and external.isdigit()) or (
                    platform == "slack" and external.startswith(("U", "W"))
                ):
                    personal.add(rules.Target(purpose, platform))
        return names, personal


def _aware(when: datetime) -> datetime:  # SQLite hands back naive datetimes; everything stored is UTC
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
