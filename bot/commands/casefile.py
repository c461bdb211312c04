"""What a referral carries after it is filed, and complaints about a review (issue 23): `notified`, `parallel`,
`complaint` and `complaints`."""

from __future__ import annotations

from datetime import datetime

from bot.commands.parsing import parse_date
from bot.commands.registry import Reply, command
from bot.service import Actor, Panel
from flows.complaints import standing, subject_label
from flows.errors import InvalidInput
from flows.views import literal


@command(
    "notified",
    "notified REF KIND [on DATE]",
    "BM: record a notification made (the National Panel, Ofsted...), today or on the date given",
    "notified SAL-2026-001 national_panel on 2026-11-20",
    2,
)
async def _notified(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    words, on = args[1:], None
    if len(words) >= 2 and words[-2].lower() == "on":
        words, on = words[:-2], parse_date(words[-1])
    elif words[-1].lower() == "on" or not words:
        raise InvalidInput(f"Say the date, e.g. `notified {args[0].upper()} national_panel on 2026-11-20`.")
    kind = "_".join(words)
    return Reply([await panel.record_notification(actor=actor, reference=args[0], kind=kind, on=on)])


@command(
    "parallel",
    "parallel REF add|remove KIND",
    "BM: record a process running alongside (a criminal investigation, an inquest...) starting or ending",
    "parallel SAL-2026-001 add criminal_investigation",
    3,
)
async def _parallel(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    kind = "_".join(args[2:])
    return Reply([await panel.change_parallel(actor=actor, reference=args[0], action=args[1], kind=kind)])


COMPLAINT_USAGE = ("`complaint REF about decision|process|outcome TEXT`, `complaint escalate REF [N]` or "
                   "`complaint responded REF [N] by WHO [on DATE]`")


@command(
    "complaint",
    "complaint REF about decision|process|outcome TEXT, complaint escalate REF [N], "
    "complaint responded REF [N] by WHO [on DATE]",
    "BM: record a complaint about a review, its escalation to the Independent Chair, and each written response",
    "complaint SAL-2026-001 about decision the family feel the threshold for a review was met",
    2,
)
async def _complaint(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    what = args[0].lower()
    if what in ("escalate", "responded"):
        reference, rest = args[1], args[2:]
        number = int(rest.pop(0)) if rest and rest[0].isdigit() else None
        if what == "escalate":
            if rest:
                raise InvalidInput(f"Usage: {COMPLAINT_USAGE}.")
            return Reply((await panel.complaint_escalated(actor=actor, reference=reference, number=number)).split("\n"))
        on = None
        if len(rest) >= 2 and rest[-2].lower() == "on":
            on, rest = parse_date(rest[-1]), rest[:-2]
        if not rest or rest[0].lower() != "by" or len(rest) < 2:
            raise InvalidInput(f"Say who sent it, e.g. `complaint responded {reference.upper()} by business manager`.")
        return Reply(await panel.complaint_responded(actor=actor, reference=reference, by=" ".join(rest[1:]),
                                                     number=number, on=on))
    if len(args) < 4 or args[1].lower() != "about":
        raise InvalidInput(f"Usage: {COMPLAINT_USAGE}.")
    said = await panel.complaint(actor=actor, reference=args[0], about=args[2], text=" ".join(args[3:]))
    return Reply(said.split("\n"))


def _where(panel: Panel, due: datetime | None, done: datetime | None) -> str:
    state = standing(due, done, panel.now())
    if state in ("met", "late"):
        return f"sent {panel.fmt(done)}" + (" (late)" if state == "late" else " (in time)")  # type: ignore[arg-type]
    if due is None:
        return "not yet sent"
    return f"**overdue since {panel.fmt(due)}**" if state == "overdue" else f"due by {panel.fmt(due)}"


@command("complaints", "complaints [REF]", "the complaints recorded and where each response stands", "complaints")
async def _complaints(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    panel.require_panel(actor, "see complaints")
    rows = await panel.list_complaints(args[0] if args else None)
    if not rows:
        return Reply(["No complaints have been recorded" + (f" about {args[0].upper()}." if args else ".")])
    lines = []
    for r in rows:
        line = (f"**{r.reference} · complaint {r.number}** ({subject_label(r.about).lower()}, received "
                f"{panel.fmt(r.received_at)}): the response {_where(panel, r.response_due, r.responded_at)}")
        if r.escalated_at is not None:
            line += (f"; escalated {panel.fmt(r.escalated_at)}, the Chair's response "
                     f"{_where(panel, r.escalation_due, r.chair_responded_at)}")
        lines.append(f"{line}. {literal(r.text)}")
    return Reply(lines)
