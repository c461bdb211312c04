"""Events, milestones and agencies' information requests: `event`, `done`, `request`, `returned`, `contact`,
`extend` and `requests`.

`request REF` with no agency opens the information request form (`flows.requests.request_form`) for the business
manager; its answers come back through `send`, the typed command's own call."""

from __future__ import annotations

from datetime import date

from bot.commands.parsing import parse_date
from bot.commands.registry import Reply, command
from bot.service import Actor, Panel
from flows.errors import InvalidInput
from flows.intake import FormSpec
from flows.preset import EVENTS, Preset
from flows.requests import request_form
from flows.returns import Origin


@command(
    "event",
    "event REF EVENT [on DATE]",
    "BM: record that something happened (starts its clocks), or plan publication for a date",
    "event SAL-2026-001 rr_meeting",
    2,
)
async def _event(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    rest = args[2:]
    if rest and rest[0].lower() == "on":
        if len(rest) < 2:
            raise InvalidInput(f"Say the date, e.g. `event {args[0].upper()} {args[1]} on 2027-01-13`.")
        return Reply(await panel.schedule_event(actor=actor, reference=args[0], event=args[1], on=parse_date(rest[1])))
    record = await panel.happened(actor=actor, reference=args[0], event=args[1])
    what = EVENTS.get(args[1], args[1])
    lines = [f"Recorded {what} for {args[0].upper()}."]
    lines.append(f"Clocks started: {', '.join(record.started)}." if record.started
                 else "No clock starts from it in this procedure.")
    lines += [f"Met: {m}." for m in record.met]
    lines += [f"Flagged: {f}" for f in record.flagged]
    return Reply([" ".join(lines[:2]), *lines[2:]])


@command(
    "done",
    "done REF CLOCK",
    "BM: mark a milestone met (e.g. info_request_send), or one without a deadline (e.g. tell_referrer)",
    "done SAL-2026-001 info_request_send",
    2,
)
async def _done(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    return Reply([await panel.mark_done(actor=actor, reference=args[0], clock_id=args[1])])


@command(
    "request",
    "request REF AGENCY... [due DATE] (no agency: a form)",
    "BM: send information requests to agencies; with no agency named, a form to choose them (and the due date)",
    "request SAL-2026-001 police health",
    1,
)
async def _request(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    if len(args) == 1:  # the form, for the business manager only
        return await _open_form(panel, actor, args[0])
    agencies, due = args[1:], None
    if len(agencies) >= 2 and agencies[-2].lower() == "due":
        agencies, due = agencies[:-2], parse_date(agencies[-1])
    elif agencies and agencies[-1].lower() == "due":
        raise InvalidInput(f"Say the date they are due, e.g. `request {args[0].upper()} police due 2026-12-20`.")
    return await send(panel, actor, args[0], agencies, due)


async def send(panel: Panel, actor: Actor, reference: str, agencies: list[str], due: date | None,
               *, in_form: bool = False) -> Reply:
    """Send a referral's information requests, typed (`request REF AGENCY... [due DATE]`) or from the request form:
    one service call, so who may, the agencies and the due date are checked once, by the service.

    From the form, a refusal of the input that names no field is about the due date: the form offers only the
    preset's agencies and asks for at least one, so what is left for the service to refuse is when the requests
    are due (a date past, a monthly panel too close); it is shown at that field. A refusal that names its field
    is shown as it is."""
    try:
        lines = await panel.send_requests(actor=actor, reference=reference, agencies=agencies, due=due)
    except InvalidInput as exc:
        if not in_form or exc.field is not None:
            raise
        raise InvalidInput(str(exc), field="due", in_form=exc.in_form) from exc
    return Reply([f"Information requests for {reference.upper()}:", *lines])


def form_for(preset: Preset, reference: str, subject: str, referral_type: str, offered: tuple[str, ...]) -> FormSpec:
    """The request form of a referral, offering `offered` (agency ids, in the preset's order)."""
    return request_form(preset, reference, subject, offered=offered, referral_type=referral_type,
                        return_clock=preset.return_clock_for(referral_type))


async def _open_form(panel: Panel, actor: Actor, reference: str) -> Reply:
    """The request form: the agencies that have a channel or a contact to choose from. Only the business manager
    gets it, and only for a referral the panel has."""
    panel.require_bm(actor, "send information requests")
    card = await panel.card(reference)
    preset = panel.preset
    if not preset.agencies:
        raise InvalidInput(f"The {preset.name} procedure lists no agencies to send information requests to.")
    channels = {purpose for purpose, _, _ in await panel.list_channels()}
    contacts = {c.agency for c in await panel.list_contacts(actor=actor)}
    offered = tuple(a.id for a in preset.agencies if f"agency:{a.id}" in channels or a.id in contacts)
    if not offered:
        example = preset.agencies[0].id
        raise InvalidInput(
            f"No agency has a channel or a contact yet, so the form has none to offer. Name the agencies instead, "
            f"e.g. `request {card.reference} {example}`, or set an agency's channel first: `panelbot channel set "
            f"agency:{example} --id PLATFORM:ID`.")
    referral_type = next((t.id for t in preset.referral_types if t.label == card.type_label), "")
    return Reply(form=form_for(preset, card.reference, card.subject, referral_type, offered))


@command(
    "returned",
    "returned REF AGENCY",
    "record that an agency has sent its information",
    "returned SAL-2026-001 police",
    2,
    with_origin=True,
)
async def _returned(panel: Panel, actor: Actor, args: list[str], origin: Origin | None = None) -> Reply:
    """Only the agency (its button in its channel, a registered contact) or the BM: `flows.returns`."""
    reply = await panel.mark_returned(actor=actor, reference=args[0], agency=" ".join(args[1:]), origin=origin)
    return Reply([reply])


@command(
    "contact",
    "contact add|remove agency:NAME PLATFORM:ID, or contact list",
    "BM: who may mark an agency's returns made from anywhere",
    "contact list",
    1,
)
async def _contact(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    what = args[0].lower()
    panel.require_bm(actor, "manage agency contacts")
    if what == "list":
        rows = await panel.list_contacts(actor=actor)
        if not rows:
            return Reply(["No agency contacts are registered. Add one with `contact add agency:NAME PLATFORM:ID`."])
        return Reply([f"{r.agency_label} (agency:{r.agency}): {r.account}" for r in rows])
    if what not in ("add", "remove") or len(args) != 3:
        return Reply(
            ["Usage: `contact add agency:NAME PLATFORM:ID`, `contact remove agency:NAME PLATFORM:ID` or `contact "
             "list` (for example `contact add agency:police slack:U0123`)."],
            ok=False,
        )
    if what == "add":
        agency, account = await panel.add_contact(actor=actor, agency=args[1], platform_id=args[2])
        return Reply([f"{account} is now a contact for {agency.label}: they can mark its returns made."])
    agency, account = await panel.remove_contact(actor=actor, agency=args[1], platform_id=args[2])
    return Reply([f"{account} is no longer a contact for {agency.label}."])


@command(
    "extend",
    "extend REF AGENCY DATE REASON",
    "BM: give an agency until a later date",
    "extend SAL-2026-001 police 2026-12-10 awaiting records from archive",
    4,
)
async def _extend(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    until = parse_date(args[2])
    return Reply(
        [
            await panel.extend_request(
                actor=actor, reference=args[0], agency=args[1], until=until, reason=" ".join(args[3:])
            )
        ]
    )


@command(
    "requests", "requests REF", "the information requests of a referral and their returns", "requests SAL-2026-001", 1
)
async def _requests(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    rows = await panel.list_requests(args[0])
    if not rows:
        return Reply([f"No information requests have been sent for {args[0].upper()}."])
    lines = []
    for r in rows:
        state = (
            f"returned {panel.fmt(r.returned_at)}"
            if r.returned_at
            else (
                f"**overdue since {panel.fmt(r.due_at)}**" if r.due_at < panel.now() else f"due {panel.fmt(r.due_at)}"
            )
        )
        lines.append(f"{r.agency}: sent {panel.fmt(r.sent_at)}; {state}.")
    return Reply(lines)
