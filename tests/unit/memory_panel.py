"""A `Panel` over the in-memory record (`storage.memory`): the service's own code, its rules and its words,
with no database and no SQLAlchemy session. Helpers the unit tests of the service share."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from bot.service import Actor, Panel
from bot.service.bootstrap import build_panel
from flows.clocks import calendar_for
from flows.preset import Preset, load_preset
from flows.referrals import ReferralDraft
from storage.memory import MemoryStore, units_of_work
from storage.models import AuditEntry, OutboxMessage, Partnership

OP = Actor.operator()
PARTNERSHIP = 1

SALFORD = [("Ann", "independent_adviser"), ("Ben", "chair"), ("Cat", "deputy_chair"), ("Dee", "business_manager")]
DUDLEY = [("Lia", "local_authority"), ("Pol", "police"), ("Hal", "health"), ("Bob", "business_manager"),
          ("Ivy", "independent_chair")]

COMMENCE, CASE_REVIEW = "commence_rapid_review", "case_review"
CSPR, ALTERNATIVE = "cspr", "alternative_review"


@cache
def preset(name: str) -> Preset:
    return load_preset(name)


def uk(text: str) -> datetime:
    """A UK local time written plainly (GMT in winter), as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def memory_panel(name: str | Preset, clock, members=()) -> Panel:  # type: ignore[no-untyped-def]
    """A panel for preset `name` (or the preset itself) on an empty in-memory record, with `members` (name, role)
    added."""
    store = MemoryStore()
    chosen = name if isinstance(name, Preset) else preset(name)
    store.insert(Partnership(id=PARTNERSHIP, preset_id=chosen.id, name=chosen.name, created_at=clock(), practice=False))
    panel = build_panel(
        preset=chosen,
        calendar=calendar_for(chosen, None),
        sessionmaker=None,
        partnership_id=PARTNERSHIP,
        clock=clock,
        unit_of_work=units_of_work(store),
    )
    for member, role in members:
        await panel.add_member(actor=OP, name=member, role=role)
    return panel


async def salford(clock) -> Panel:  # type: ignore[no-untyped-def]
    return await memory_panel("salford", clock, SALFORD)


async def dudley(clock) -> Panel:  # type: ignore[no-untyped-def]
    return await memory_panel("dudley", clock, DUDLEY)


async def file(panel: Panel, letter: str = "C", referral_type: str | None = None) -> str:
    kind = referral_type or panel.preset.referral_types[0].id
    draft = ReferralDraft(referral_type=kind, referrer="Children's Social Care",
                          category="young person", letter=letter,
                          summary="Unexplained bruising seen at school; family known to services.")
    return await panel.file_referral(actor=OP, draft=draft)


async def vote(panel: Panel, name: str, ref: str, outcome: str, reason: str = "", **kw):  # type: ignore[no-untyped-def]
    return await panel.vote(actor=await panel.actor_named(name), reference=ref, outcome=outcome, reason=reason, **kw)


async def rows(panel: Panel, model: type) -> list:
    """Every committed row of `model` in the panel's record, in the order written."""
    async with panel.uow() as uow:
        return uow.store.all(model)  # type: ignore[attr-defined]


async def outbox(panel: Panel, kind: str | None = None) -> list[OutboxMessage]:
    return [m for m in await rows(panel, OutboxMessage) if kind is None or m.kind == kind]


async def actions(panel: Panel) -> list[str]:
    """The audit log's actions, in order."""
    return [e.action for e in await rows(panel, AuditEntry)]
