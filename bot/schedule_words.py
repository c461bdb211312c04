"""What the agenda and meeting commands say, shared by the chat commands (`bot.commands.meetings`) and the command
line (`panelbot agenda`): plain English, UK time, a referral named by its reference and anonymised subject."""

from __future__ import annotations

from bot.service import Panel


async def agenda_lines(panel: Panel) -> list[str]:
    """Suffolk section 3: the next panel's new referrals and every case on hold (back at each panel)."""
    agenda = await panel.agenda()
    if agenda.panel is None:
        return [
            f"The {panel.preset.name} has no monthly panel: each referral is decided by its own deadline "
            "(`status` lists them)."
        ]
    day = panel.cal.format(panel.cal.end_of_day(agenda.panel), with_time=False)
    if agenda.at is not None:  # planned as a meeting: its time, and its name for `meeting move`
        day = f"{panel.fmt(agenda.at)} ({agenda.reference})"
    lines = [f"Agenda for the panel of {day}:"]
    if agenda.new:
        lines.append(f"New referrals ({len(agenda.new)}):")
        lines += [f"  **{i.reference} · {i.subject}** ({i.type_label})" for i in agenda.new]
    else:
        lines.append("New referrals: none.")
    if agenda.on_hold:
        lines.append(f"On hold, back at this panel ({len(agenda.on_hold)}):")
        for i in agenda.on_hold:
            until = f", held until {panel.cal.format(i.hold_until, with_time=False)}" if i.hold_until else ""
            lines.append(f"  **{i.reference} · {i.subject}** ({i.type_label}){until}")
    else:
        lines.append("On hold: none.")
    if agenda.goes_to is not None and agenda.goes_to != agenda.panel:
        later = panel.cal.format(panel.cal.end_of_day(agenda.goes_to), with_time=False)
        lines.append(f"A referral received today is past this panel's cut-off and goes to the panel of {later}.")
    return lines


async def meeting_lines(panel: Panel) -> list[str]:
    """`meeting list`: every scheduled meeting, with its referral, window and the partners confirmed to attend (or,
    once held, who attended and whether it was quorate), and, for a meeting that decides its referral's current
    stage, the views given so far (or the stage still to decide); the monthly panels too."""
    from flows.meetings import attendance_line, labels

    rows = await panel.list_meetings()
    if not rows:
        return ["No meetings are scheduled. The business manager schedules one with `meeting schedule REF DATE TIME`."]
    out = []
    for m in rows:
        place = f", {m.place}" if m.place else ""
        if m.of_partnership:  # the monthly panel: the partnership's own, with no referral
            line = f"**{m.reference}**: {m.name}, {panel.fmt(m.at)}{place}."
        else:
            line = f"**{m.reference} · {m.subject}**: {m.name} {panel.fmt(m.at)}{place}."
        if m.window:
            line += f" {m.window}"
            if m.window_override:
                line += f" Held then anyway: {m.window_override}"
        if m.held:
            line += f" Held: attended by {labels(panel.preset, m.attended)} (quorate)."
        elif m.held_not_quorate:
            missing = [r for r in m.needed if r not in m.attended]
            line += (f" Held but not quorate (attended: {labels(panel.preset, m.attended)}; still needed: "
                     f"{labels(panel.preset, missing)}).")
        else:
            line += f" {attendance_line(panel.preset, m.attending, m.needed)}"
        if m.decides:
            line += f" {m.decides}"
        out.append(line)
    return out
