"""The panel and the business manager's view of it: `members`, `report`, `disagree` and `disagreements`
(issue 8)."""

from __future__ import annotations

from bot.commands.registry import Reply, command
from bot.service import Actor, Panel
from flows.views import literal


@command("members", "members", "who is on the panel", "members")
async def _members(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    members = await panel.list_members()
    if not members:
        return Reply(["The panel has no members yet."])
    lines = []
    for m in members:
        votes = "votes" if m.votes else "does not vote"
        lines.append(f"{m.name}: {m.role_label} ({votes})")
    return Reply(lines)

@command(
    "report",
    "report [PERIOD]",
    "the measures for a period, with charts",
    "report 2026-04-01..2027-03-31",
)
async def _report(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    import asyncio

    from bot.reports.charts import report_charts
    from bot.reports.tables import chat_lines
    from flows.reports import parse_period

    panel.require_panel(actor, "see reports")
    period = parse_period(" ".join(args), today=panel.cal.local(panel.now()).date())
    report = await panel.report(period)
    files = await asyncio.to_thread(report_charts, report, panel.cal)  # drawing must not hold up the bot
    return Reply(chat_lines(report, panel.preset, panel.cal), files=files)


@command(
    "disagree",
    "disagree REF referrer|national_panel REASON",
    "BM: record that the referrer or the National Panel disagrees with a decision",
    "disagree SAL-2026-001 referrer they consider the threshold for a rapid review is met",
    3,
)
async def _disagree(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    return Reply(
        [await panel.record_disagreement(actor=actor, reference=args[0], party=args[1], reason=" ".join(args[2:]))]
    )


@command("disagreements", "disagreements [REF]", "the disagreements recorded", "disagreements")
async def _disagreements(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    from flows.reports import PARTIES

    panel.require_panel(actor, "see disagreements")
    rows = await panel.list_disagreements(args[0] if args else None)
    if not rows:
        return Reply(["No disagreements have been recorded" + (f" for {args[0].upper()}." if args else ".")])
    labels = {o.id: o.label for o in panel.preset.outcomes}
    return Reply(
        [
            f"**{r.reference} · {r.subject}**: {PARTIES.get(r.party, r.party)} disagrees with "
            f"{labels.get(r.decision or '', r.decision)} (recorded {panel.fmt(r.recorded_at)}): {literal(r.reason)}"
            for r in rows
        ]
    )
