"""Reading the panel's work: `status`, `overdue` and `show`."""

from __future__ import annotations

from bot.commands.registry import Reply, command
from bot.service import Actor, Panel
from flows.milestones import status_words
from flows.views import due_line, plural


@command("status", "status [REF]", "open referrals, what each waits for and the next deadline", "status")
async def _status(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    if args:
        card = await panel.card(args[0])
        lines = await status_lines(panel, args[0])
        return Reply(lines, card=card)
    return Reply(await status_lines(panel, None))


async def status_lines(panel: Panel, reference: str | None) -> list[str]:
    rows = await panel.status(reference)
    if not rows:
        return ["No open referrals."]
    now = panel.now()
    out = []
    for r in rows:
        # One line a referral: what it is, what it waits for, and its next deadline (or since when it is late).
        due = f" {due_line(r.next_due_label or '', r.next_due, now, panel.cal)}." if r.next_due else ""
        left = f" {status_words(r.reference, list(r.to_do))}" if r.to_do else ""
        out.append(
            f"**{r.reference} · {r.subject}** ({r.type_label}): {r.status_label}; waiting for {r.waiting_for}.{due}"
            f"{left}"
        )
        out += [f"  {line}" for line in r.outstanding]  # a required notification not yet made (issue 23)
    return out


@command("overdue", "overdue", "everything past its deadline, oldest first, then what is still to do", "overdue")
async def _overdue(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    return Reply(await overdue_lines(panel))


async def overdue_lines(panel: Panel) -> list[str]:
    rows = await panel.overdue()
    left = await panel.still_to_do()  # milestones without a clock: never overdue, but not done either
    out = [] if rows else ["Nothing is overdue."]
    for r in rows:
        late = (
            f"{plural(r.working_days_late, 'working day')} late"
            if r.working_days_late
            else f"{plural(int(r.hours_late), 'hour')} late"
        )
        out.append(
            f"**Overdue since {panel.fmt(r.due)}** ({late}): {r.label} for {r.reference} · {r.subject} "
            f"(waiting on {r.owner})."
        )
    return out + left


@command("show", "show REF", "the referral card", "show SAL-2026-001", 1)
async def _show(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    return Reply([], card=await panel.card(args[0]))
