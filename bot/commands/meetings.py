"""Meetings and the monthly panel: `agenda` (the next panel's new referrals and cases on hold) and `meeting`
(schedule, move, cancel, record as held, list). What they say is `bot.schedule_words`, shared with the command
line (`panelbot agenda`, `panelbot meeting list`).

`meeting schedule REF` with no day opens the meeting form (`flows.meetings.schedule_form`) for the business
manager; its answers come back through `schedule`, the typed command's own call. So do `meeting move REF` with no
day (`move_form`, through `move`), `meeting cancel REF` with no reason (`cancel_form`, through `cancel`) and
`meeting held REF` with no roles (`held_form`: who attended, and the decision where the meeting decides, through
`held`), for a referral's meeting; a monthly panel's are typed only."""

from __future__ import annotations

from datetime import datetime

from bot.commands.parsing import parse_moment, split_outcome
from bot.commands.registry import COMMANDS, Reply, command, example_reference
from bot.schedule_words import agenda_lines, meeting_lines
from bot.service import Actor, Panel
from flows.meetings import cancel_form, held_form, move_form, schedule_form, split_override
from flows.monthly_meetings import is_panel_reference


@command("agenda", "agenda", "the next monthly panel: its new referrals and every case on hold", "agenda")
async def _agenda(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    return Reply(await agenda_lines(panel))


@command(
    "meeting",
    "meeting schedule REF [DATE TIME [PLACE] [override REASON]] (no date: a form), meeting move REF [DATE TIME "
    "[override REASON]] (no date: a form), meeting cancel REF [REASON] (no reason: a form), meeting held REF "
    "[ROLE... [override REASON] [outcome OUTCOME [REASON]]] (no roles: a form), meeting decide REF OUTCOME "
    "[REASON], meeting attend REF "
    "[withdraw], meeting invitation REF, or meeting list",
    "BM: a referral's meeting (rapid review, screening or review panel), and its decision where it decides, or a "
    "monthly panel (REF as PANEL-2027-01: move, cancel, held); whoever the meeting's quorum needs (a statutory "
    "partner, for its agency): confirm you attend (or withdraw that); anyone: the meetings scheduled, and a "
    "meeting's calendar file",
    "meeting list",
    1,
)
async def _meeting(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    what, rest = args[0].lower(), args[1:]
    if what == "list":
        return Reply(await meeting_lines(panel))
    usage = Reply([f"Usage: `{COMMANDS['meeting'].usage}` (for example `meeting schedule "
                   f"{example_reference(panel.preset)} 2026-12-22 10:00 Room 2`)."], ok=False)
    if what not in ("schedule", "move", "cancel", "held", "attend", "decide", "invitation") or not rest:
        return usage
    reference, rest = rest[0], rest[1:]
    if is_panel_reference(reference):
        return await _panel_meeting(panel, actor, what, reference, rest)
    if what == "schedule" and not rest:  # the form, for the business manager only
        panel.require_bm(actor, "schedule meetings")
        card = await panel.card(reference)
        return Reply(form=schedule_form(card.reference, card.subject))
    if what in ("move", "cancel") and not rest:  # the form, for the business manager only, of the meeting there is
        now = await panel.meeting_to_change(actor=actor, reference=reference, doing=f"{what} meetings")
        make = move_form if what == "move" else cancel_form
        return Reply(form=make(now.reference, now.subject, now.name, now.when))
    if what == "held" and not rest:  # the form, for the business manager only, of the meeting there is
        now = await panel.meeting_to_record(actor=actor, reference=reference)
        return Reply(form=held_form(panel.preset, now.reference, now.subject, now.name, now.when, now.quorum,
                                    now.outcomes))
    if what == "decide":
        if not rest:
            return usage
        outcome, reason = split_outcome(panel.preset, rest)
        return Reply(await panel.meeting_decide(actor=actor, reference=reference, outcome=outcome, reason=reason))
    if what == "invitation":
        name, data = await panel.meeting_invitation(actor=actor, reference=reference)
        return Reply([f"The meeting's calendar file, {name}: open it to put the meeting in your calendar."],
                     files=((name, data),))
    if what == "attend":
        if rest and rest[0].lower() == "withdraw":
            return Reply(await panel.withdraw_attendance(actor=actor, reference=reference, roles=rest[1:]))
        return Reply(await panel.attend_meeting(actor=actor, reference=reference, roles=rest))
    if what == "cancel":
        return await cancel(panel, actor, reference, " ".join(rest))
    decision = None
    if what == "held" and "outcome" in (lowered := [w.lower() for w in rest]):
        at = lowered.index("outcome")  # `outcome OUTCOME [REASON]` comes last: its reason may say anything
        rest, decision = rest[:at], rest[at + 1 :]
        if not decision:
            return usage
    rest, override = split_override(rest)
    if what == "held":
        outcome, reason = split_outcome(panel.preset, decision) if decision else (None, "")
        return await held(panel, actor, reference, rest, override, outcome, reason)
    if len(rest) < 2:
        return usage
    if what == "move":
        return await move(panel, actor, reference, rest[0], rest[1], override)
    return await schedule(panel, actor, reference, rest[0], rest[1], " ".join(rest[2:]), override)


def _moment(panel: Panel, day: str, clock: str) -> datetime:
    at = parse_moment(f"{day} {clock}")
    return at if at.tzinfo else at.replace(tzinfo=panel.cal.tz)  # typed times are UK time


async def schedule(panel: Panel, actor: Actor, reference: str, day: str, clock: str, place: str = "",
                   override: str | None = None) -> Reply:
    """Schedule a referral's meeting, typed (`meeting schedule REF DATE TIME [PLACE] [override REASON]`) or sent
    from the meeting form: one call, so who may, the screening and the window are checked once, by the service."""
    return Reply(await panel.schedule_meeting(actor=actor, reference=reference, at=_moment(panel, day, clock),
                                              place=place, override=override))


async def move(panel: Panel, actor: Actor, reference: str, day: str, clock: str, override: str | None = None) -> Reply:
    """Move a referral's meeting, typed (`meeting move REF DATE TIME [override REASON]`) or sent from the move form:
    one call, so who may, the screening and the window are checked once, by the service."""
    return Reply(await panel.move_meeting(actor=actor, reference=reference, at=_moment(panel, day, clock),
                                          override=override))


async def cancel(panel: Panel, actor: Actor, reference: str, reason: str) -> Reply:
    """Cancel a referral's meeting, typed (`meeting cancel REF REASON`) or sent from the cancel form: one call."""
    return Reply([await panel.cancel_meeting(actor=actor, reference=reference, reason=reason)])


async def held(panel: Panel, actor: Actor, reference: str, roles: list[str], override: str | None = None,
               outcome: str | None = None, reason: str = "", *, in_form: bool = False) -> Reply:
    """Record a referral's meeting as held, typed (`meeting held REF ROLE... [override REASON] [outcome OUTCOME
    [REASON]]`) or sent from the held form: one call, so who may, the quorum and the decision are checked once."""
    return Reply(await panel.meeting_held(actor=actor, reference=reference, roles=roles, override=override,
                                          outcome=outcome, reason=reason, in_form=in_form))


async def _panel_meeting(panel: Panel, actor: Actor, what: str, reference: str, rest: list[str]) -> Reply:
    """The partnership's monthly panel (`PANEL-2027-01`): planned by Panelbot, moved or cancelled by the BM; the
    statutory partners confirm who attends; the BM records who attended."""
    if what == "cancel":
        return Reply(await panel.cancel_panel_meeting(actor=actor, reference=reference, reason=" ".join(rest)))
    if what == "move" and len(rest) == 2:
        return Reply(await panel.move_panel_meeting(actor=actor, reference=reference, at=_moment(panel, *rest)))
    if what == "attend":
        if rest and rest[0].lower() == "withdraw":
            return Reply(await panel.withdraw_panel_attendance(actor=actor, reference=reference, roles=rest[1:]))
        return Reply(await panel.attend_panel_meeting(actor=actor, reference=reference, roles=rest))
    if what == "held":
        roles, override = split_override(rest)
        return Reply(await panel.panel_meeting_held(actor=actor, reference=reference, roles=roles, override=override))
    ref = reference.upper()
    return Reply([f"{ref} is the partnership's monthly panel: Panelbot plans it from the preset, and the business "
                  f"manager moves it (`meeting move {ref} DATE TIME`), cancels it (`meeting cancel {ref} REASON`) or "
                  f"records who attended (`meeting held {ref} ROLE...`); each statutory partner confirms who attends "
                  f"(`meeting attend {ref}`)."], ok=False)
