"""The text commands every platform shares: `status`, `vote SAL-2026-014 commence`, `hold REF until DATE`...

A platform turns what a person typed (a Slack slash command, a Telegram /command, a Teams @-mention, a line
in the terminal) into `run(panel, actor, text)` and shows the `Reply` in its own format. A button under a
message runs its command with `origin=Origin(platform, channel, message)`, saying where it was pressed; a
typed command has none. Forms (filing a
referral) and buttons are the platform's own, but they end in the same `Panel` methods.
"""

from __future__ import annotations

import difflib
import logging
import re
import shlex
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from bot.service import Actor, Panel
from flows.anonymity import unquote_details
from flows.errors import InvalidInput, PanelError
from flows.preset import EVENTS, Preset
from flows.returns import Origin
from flows.views import CardView, due_line, literal, plural


@dataclass
class Reply:
    lines: list[str] = field(default_factory=list)
    card: CardView | None = None
    ok: bool = True
    # Files to attach, (file name, bytes): the report's PNG charts. A platform uploads them (Slack
    # files_upload_v2, Telegram send_photo, a Teams attachment); the terminal saves them to a folder.
    files: tuple[tuple[str, bytes], ...] = ()


Handler = Callable[[Panel, Actor, list[str]], Awaitable[Reply]]


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    help: str
    example: str
    handler: Handler
    min_args: int = 0
    # The handler also takes `origin=` (where the command came from), for a rule that depends on it.
    with_origin: bool = False

    def usage_line(self, preset: Preset) -> str:
        """The refusal of a command typed without what it needs, in the running partnership's words."""
        return f"Usage: `{self.usage}` (for example `{for_partnership(self.example, preset)}`)."


# Examples are written with Salford's (and Suffolk's) references; a person sees their own partnership's prefix.
_EXAMPLE_REFERENCE = re.compile(r"\b(?:SAL|SUF)-(?=\d{4}-\d{3})")


def for_partnership(text: str, preset: Preset) -> str:
    """An example as the running partnership writes it: `vote SAL-2026-001 ...` is `vote DUD-2026-001 ...` in
    Dudley."""
    return _EXAMPLE_REFERENCE.sub(f"{preset.reference_prefix}-", text)


def example_reference(preset: Preset) -> str:
    """"REF is a referral reference such as DUD-2026-014": the help's example of a reference."""
    return f"{preset.reference_prefix}-2026-014"


log = logging.getLogger(__name__)
REFERENCE = re.compile(r"[A-Z]{2,6}-\d{4}-\d{3,}")

COMMANDS: dict[str, Command] = {}
# What someone who is not on the panel (an agency contact) may do: ask for help, and mark their return made.
GUEST_COMMANDS = frozenset({"help", "returned"})


def command(
    name: str, usage: str, help: str, example: str, min_args: int = 0, with_origin: bool = False
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        COMMANDS[name] = Command(name, usage, help, example, handler, min_args, with_origin)
        return handler

    return register


def parse_date(text: str) -> date:
    """Dates as people type them: 2026-12-25 or 25/12/2026."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %b %Y", "%d %B %Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InvalidInput(f'"{text}" is not a date; write it like 2026-12-25 or 25/12/2026.')


def parse_moment(text: str) -> datetime:
    """A moment as people type it, the same in the terminal and on the command line: 2026-12-24 09:30,
    2026-12-24T09:30, 24/12/2026 09:30, or a date alone (its midnight). Naive unless an offset is written
    (2026-12-24T09:30+00:00); the caller reads a naive one as UK time."""
    text = " ".join(text.split())
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    refusal = InvalidInput(f'"{text}" is not a time; write it like 2026-12-24 09:30 or 24/12/2026 09:30.')
    try:
        return datetime.combine(parse_date(text), time(0))
    except InvalidInput:
        pass
    day, _, clock = text.replace("T", " ").rpartition(" ")
    try:
        return datetime.combine(parse_date(day), datetime.strptime(clock, "%H:%M").time())
    except (InvalidInput, ValueError):
        raise refusal from None


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """What a person typed, made safe to store: control characters (NUL above all, which PostgreSQL refuses in
    text) are dropped, and a lone UTF-16 surrogate (valid in JSON, not in UTF-8) becomes U+FFFD. Every
    platform's JSON decoder can hand us either."""
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", text))


MAX_LINE = 6000  # a summary may be 4,000 characters; a command line never needs more than this
MAX_WORD = 300


async def run(panel: Panel, actor: Actor, text: str, origin: Origin | None = None) -> Reply:
    """Run one command line. A refusal is a Reply with ok=False and one plain sentence; it changes nothing.
    `origin` is where it came from (the platform, chat and message of a button pressed); None when typed."""
    text = clean_text(text)
    if len(text) > MAX_LINE:
        return Reply(
            [f"That is {len(text):,} characters long; keep a command under {MAX_LINE:,}. Nothing was changed."],
            ok=False,
        )
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    if not words:
        return await _help(panel, actor, [])
    if any(len(w) > MAX_WORD for w in words):
        # No reference, outcome, agency or date is this long, and a refusal would quote it back in full.
        return Reply([f"One word there is over {MAX_WORD} characters long, which no command expects. Nothing was "
                      "changed."], ok=False)
    name, args = words[0].lower().lstrip("/"), words[1:]
    cmd = COMMANDS.get(name)
    if cmd is None:
        return Reply([unquote_details(not_a_command(name, COMMANDS), text)], ok=False)
    if actor.role == "guest" and name not in GUEST_COMMANDS:
        return Reply(
            [
                "You are not on this partnership's panel, so Panelbot cannot do that for you. "
                "Ask the business manager to add you."
            ],
            ok=False,
        )
    if len(args) < cmd.min_args:
        return Reply([cmd.usage_line(panel.preset)], ok=False)
    try:
        panel.check_actor(actor)  # an actor looked up in another partnership's panel
        if cmd.with_origin:
            reply = await cmd.handler(panel, actor, args, origin=origin)  # type: ignore[call-arg]
        else:
            reply = await cmd.handler(panel, actor, args)
    except PanelError as exc:
        reply = Reply([unquote_details(str(exc), text)], ok=False)  # never quote back a DOB, postcode, NHS number
    log.info("command %s: %s", name, "done" if reply.ok else "refused", extra=command_fields(panel, name, args))
    return reply


def command_fields(panel: Panel, name: str, args: list[str]) -> dict[str, str]:
    """What a log line may say about a command (JSON logs: `command`, `reference`, `outcome`): its name, and
    its reference and outcome only when they are ones the panel knows. Never anything else that was typed."""
    fields = {"command": name}
    if args and REFERENCE.fullmatch(args[0].strip().upper()):
        fields["reference"] = args[0].strip().upper()
    if name in ("vote", "decide") and len(args) > 1:
        known = {o.id for o in panel.preset.outcomes}
        if args[1].lower() in known:
            fields["outcome"] = args[1].lower()
    return fields


def not_a_command(name: str, known: Iterable[str]) -> str:
    """The refusal of a mistyped command, with the nearest command as the command line suggests it:
    '"stauts" is not a command. Did you mean `status`? Type `help` to see the commands.'"""
    close = difflib.get_close_matches(name.lower(), list(known), n=1, cutoff=0.6)
    hint = f" Did you mean `{close[0]}`?" if close else ""
    return f'"{name}" is not a command.{hint} Type `help` to see the commands.'


@command("help", "help", "list the commands", "help")
async def _help(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    lines = [f"Commands (REF is a referral reference such as {example_reference(panel.preset)}):"]
    lines += [f"  `{c.usage}`: {c.help}" for c in COMMANDS.values()]
    return Reply(lines)


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
        out.append(
            f"**{r.reference} · {r.subject}** ({r.type_label}): {r.status_label}; waiting for {r.waiting_for}.{due}"
        )
    return out


@command("overdue", "overdue", "everything past its deadline, oldest first", "overdue")
async def _overdue(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    return Reply(await overdue_lines(panel))


async def overdue_lines(panel: Panel) -> list[str]:
    rows = await panel.overdue()
    if not rows:
        return ["Nothing is overdue."]
    out = []
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
    return out


@command("show", "show REF", "the referral card", "show SAL-2026-001", 1)
async def _show(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    return Reply([], card=await panel.card(args[0]))


def split_outcome(preset: Preset, words: list[str]) -> tuple[str, str]:
    """The outcome at the start of `words` and the reason after it. The longest run of words that is an
    outcome's id or label wins (`no review` is `no_review`, not `no` and the reason "review"); then the longest
    run that starts one outcome id and no other, as a short form (`commence`). Anything else is passed on as the
    first word, for the service to refuse with the list of outcomes."""
    ids = [o.id for o in preset.outcomes]
    labels = {o.label.lower(): o.id for o in preset.outcomes}
    longest = max((max(len(o.label.split()), len(o.id.split("_"))) for o in preset.outcomes), default=1)
    runs = range(min(len(words), longest), 0, -1)

    def key(n: int) -> str:
        return "_".join(words[:n]).lower().replace("-", "_").replace(" ", "_")

    for n in runs:
        if key(n) in ids:
            return key(n), " ".join(words[n:])
        if " ".join(words[:n]).lower() in labels:
            return labels[" ".join(words[:n]).lower()], " ".join(words[n:])
    for n in runs:
        started = [i for i in ids if i.startswith(key(n))]
        if len(started) == 1:
            return started[0], " ".join(words[n:])
    return words[0], " ".join(words[1:])


def needs_reason(panel: Panel, cmd: str, reference: str, outcome: str) -> Reply | None:
    """The usage line, when the outcome needs a reason (the procedure asks for one) and none was given."""
    chosen = next((o for o in panel.preset.outcomes if o.id == outcome), None)
    if chosen is None or not chosen.reason_required:
        return None
    return Reply(
        [
            f'"{chosen.label}" needs a reason: `{cmd} {reference} {outcome} REASON`. Nothing was recorded.'
        ],
        ok=False,
    )


@command("vote", "vote REF OUTCOME [REASON]", "vote (again to change your vote)", "vote SAL-2026-001 commence", 2)
async def _vote(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    outcome, reason = split_outcome(panel.preset, args[1:])
    if not reason and (refusal := needs_reason(panel, "vote", args[0], outcome)) is not None:
        return refusal
    receipt = await panel.vote(actor=actor, reference=args[0], outcome=outcome, reason=reason)
    return Reply([receipt.message], ok=receipt.changed)


@command("recuse", "recuse REF [REASON]", "step aside for a conflict of interest", "recuse SAL-2026-001", 1)
async def _recuse(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    receipt = await panel.recuse(actor=actor, reference=args[0], reason=" ".join(args[1:]))
    return Reply([receipt.message])


@command(
    "decide",
    "decide REF OUTCOME REASON",
    "BM: decide at once, without waiting for the votes; chair: decide an escalation",
    "decide SAL-2026-001 commence obviously a rapid review",
    3,
)
async def _decide(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    ref = args[0]
    outcome, reason = split_outcome(panel.preset, args[1:])
    if not reason:
        cmd = COMMANDS["decide"]
        return Reply([f"Usage: `{cmd.usage}` (for example `{cmd.example}`); a decision always gives its reason."],
                     ok=False)
    card = await panel.card(ref)
    if card.status == "escalated":
        return Reply([await panel.chair_decide(actor=actor, reference=ref, outcome=outcome, reason=reason)])
    return Reply([await panel.decide_now(actor=actor, reference=ref, outcome=outcome, reason=reason)])


@command("close", "close REF", "BM: close voting once quorum is met", "close SAL-2026-001", 1)
async def _close(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    return Reply([await panel.close_ballot(actor=actor, reference=args[0])])


@command("escalate", "escalate REF", "BM: pass a referral to the chair without waiting", "escalate SAL-2026-001", 1)
async def _escalate(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    return Reply([await panel.escalate(actor=actor, reference=args[0])])


@command(
    "return",
    "return REF WHAT IS MISSING",
    "BM: return an incomplete referral to the referrer",
    "return SAL-2026-001 no chronology attached",
    2,
)
async def _return(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    return Reply([await panel.return_incomplete(actor=actor, reference=args[0], missing=" ".join(args[1:]))])


@command("resubmit", "resubmit REF", "BM: an incomplete referral is back; voting reopens", "resubmit SAL-2026-001", 1)
async def _resubmit(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    return Reply([await panel.resubmit(actor=actor, reference=args[0])])


@command(
    "hold",
    "hold REF [until DATE] [REASON]",
    "BM: pause a referral, until a date or until resumed",
    "hold SUF-2026-003 until 2027-01-25",
    1,
)
async def _hold(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    until = None
    rest = args[1:]
    if rest and rest[0].lower() == "until":
        if len(rest) < 2:
            raise InvalidInput(
                f"Say the date to hold until, e.g. `hold {args[0].upper()} until 2027-01-25`."
            )
        until, rest = parse_date(rest[1]), rest[2:]
    return Reply([await panel.hold(actor=actor, reference=args[0], until=until, reason=" ".join(rest))])


@command("resume", "resume REF", "BM: bring a held referral back to the panel", "resume SUF-2026-003", 1)
async def _resume(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    return Reply([await panel.resume(actor=actor, reference=args[0])])


@command("withdraw", "withdraw REF REASON", "BM: withdraw a referral", "withdraw SAL-2026-001 filed twice", 2)
async def _withdraw(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    return Reply([await panel.withdraw(actor=actor, reference=args[0], reason=" ".join(args[1:]))])


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
    "BM: mark a milestone met (e.g. info_request_send)",
    "done SAL-2026-001 info_request_send",
    2,
)
async def _done(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    return Reply([await panel.mark_done(actor=actor, reference=args[0], clock_id=args[1])])


@command(
    "request",
    "request REF AGENCY... [due DATE]",
    "BM: send information requests to agencies",
    "request SAL-2026-001 police health",
    2,
)
async def _request(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    agencies, due = args[1:], None
    if len(agencies) >= 2 and agencies[-2].lower() == "due":
        agencies, due = agencies[:-2], parse_date(agencies[-1])
    elif agencies and agencies[-1].lower() == "due":
        raise InvalidInput(f"Say the date they are due, e.g. `request {args[0].upper()} police due 2026-12-20`.")
    lines = await panel.send_requests(actor=actor, reference=args[0], agencies=agencies, due=due)
    return Reply([f"Information requests for {args[0].upper()}:", *lines])


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


@command("agenda", "agenda", "the next monthly panel: its new referrals and every case on hold", "agenda")
async def _agenda(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    from bot.schedule_words import agenda_lines

    return Reply(await agenda_lines(panel))


@command(
    "meeting",
    "meeting schedule|move REF DATE TIME [PLACE] [override REASON], meeting cancel REF REASON, meeting held REF "
    "ROLE... [override REASON], or meeting list",
    "BM: the rapid review (or screening) meeting of a referral; anyone: the meetings scheduled",
    "meeting list",
    1,
)
async def _meeting(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    from bot.schedule_words import meeting_lines
    from flows.meetings import split_override

    what, rest = args[0].lower(), args[1:]
    if what == "list":
        return Reply(await meeting_lines(panel))
    usage = Reply([f"Usage: `{COMMANDS['meeting'].usage}` (for example `meeting schedule "
                   f"{example_reference(panel.preset)} 2026-12-22 10:00 Room 2`)."], ok=False)
    if what not in ("schedule", "move", "cancel", "held") or not rest:
        return usage
    reference, rest = rest[0], rest[1:]
    if what == "cancel":
        return Reply([await panel.cancel_meeting(actor=actor, reference=reference, reason=" ".join(rest))])
    rest, override = split_override(rest)
    if what == "held":
        return Reply(await panel.meeting_held(actor=actor, reference=reference, roles=rest, override=override))
    if len(rest) < 2:
        return usage
    at = parse_moment(f"{rest[0]} {rest[1]}")
    at = at if at.tzinfo else at.replace(tzinfo=panel.cal.tz)  # typed times are UK time
    if what == "move":
        return Reply(await panel.move_meeting(actor=actor, reference=reference, at=at, override=override))
    return Reply(await panel.schedule_meeting(actor=actor, reference=reference, at=at, place=" ".join(rest[2:]),
                                              override=override))


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


# The business manager's view: reports and disagreements (issue 8) ---------------------------------------


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
