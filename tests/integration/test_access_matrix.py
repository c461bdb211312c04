"""Who may do what: every command and button × every role, through the real `Panel` service.

The expected answer of each cell comes from the table `ALLOWED` below, written from
the Salford procedure (sections 7.5 and 7.7) and the Salford preset's role data
(`flows/presets/salford.toml`: the virtual panel of Independent Adviser, Chair, Deputy Chair and Business
Manager votes; the three statutory partners are members who do not vote; the Independent Adviser is the
tie-break role), not from the code's own permission checks.

Roles: the business manager; each panel role of the preset (three voting, three non-voting statutory
partners); an agency contact (someone not on the panel whom the business manager registered as the police's
contact, `contact add agency:police slack:U-AGENCY`: the adapters make them `Actor.guest`); and a stranger,
whose platform id has no member row and who is nobody's contact (the adapters look them up with
`actor_for`, get nothing, and also treat them as a guest).

Marking an agency's return made depends on where it came from as well as who (issue 17): a button carries
the chat and message it was pressed on (`Origin`), which the cell gives as the adapters do. The request
messages are delivered to the police's channel by the real outbox sender, through a stand-in Slack adapter.

Every cell runs on a panel shared by the module (one per database backend) on a referral prepared in the
state the command needs. An allowed cell must take effect (an audit entry of the expected action for a
change; the reference in the reply for a read). A refused cell must answer one plain-English sentence and
leave the database exactly as it was: the row count of every table and the audit chain's head.
"""

from __future__ import annotations

import itertools
import os
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from sqlalchemy import func, select, text

from bot.commands import COMMANDS, GUEST_COMMANDS, run
from bot.notify import Outgoing, Sender
from bot.service import Actor, Panel
from bot.service.bootstrap import open_panel
from flows.errors import PanelError
from flows.preset import load_preset
from flows.referrals import ReferralDraft
from flows.returns import Origin
from storage.db import make_engine, upgrade
from storage.models import AgencyMessage, AuditEntry, Base, OutboxMessage, Referral

PG_URL = os.environ.get("PANELBOT_TEST_DATABASE_URL", "")
NOW = datetime(2026, 11, 23, 10, 12, tzinfo=UTC)  # a Monday morning; the clock does not move in this module
OP = Actor.operator()

pytestmark = pytest.mark.asyncio(loop_scope="module")

# The people. Each member has a Slack id; the test resolves every actor the way the adapters do.
MEMBERS = {
    "business_manager": ("Dee Manager", "U-BM"),
    "independent_adviser": ("Ann Adviser", "U-IA"),
    "chair": ("Ben Chair", "U-CHAIR"),
    "deputy_chair": ("Cat Deputy", "U-DEPUTY"),
    "local_authority": ("Lia Council", "U-LA"),
    "police": ("Pol Officer", "U-POLICE"),
    "health": ("Hal Nurse", "U-HEALTH"),
}
ROLES = [*MEMBERS, "agency_contact", "stranger"]

ALL = frozenset(ROLES)
PANEL = frozenset(MEMBERS)  # everyone with a member row
VOTERS = frozenset({"business_manager", "independent_adviser", "chair", "deputy_chair"})
BM = frozenset({"business_manager"})
TIE_BREAK = frozenset({"independent_adviser"})


@dataclass(frozen=True)
class Op:
    name: str
    state: str | None  # the referral state the cell needs, or None
    command: str | None = None  # a shared text command, with {ref}
    effect: str | None = None  # the audit action an allowed change writes; None for a read
    service: str | None = None  # a Panel method with no text command (forms, the CLI)
    action: str | None = None  # a button the service attaches to a message: taken from the outbox
    # Where the button was pressed: "agency", on the request message the bot delivered to the police's
    # channel; "elsewhere", that message's id sent from another chat. None: typed, no message.
    pressed: str | None = None
    # The preset of the panel it runs on: complaints are Stockport's (section 21). On Stockport's panel the
    # business manager and the three statutory partners are members too; the Salford-only roles are not.
    preset: str = "salford"


OPS = [
    Op("help", None, "help"),
    Op("status", None, "status"),
    Op("status REF", "with_panel", "status {ref}"),
    Op("show", "with_panel", "show {ref}"),
    Op("overdue", None, "overdue"),
    Op("requests", "requested", "requests {ref}"),
    Op("members", None, "members"),
    Op("report", None, "report"),
    Op("disagreements", None, "disagreements"),
    Op("agenda", None, "agenda"),
    Op("meeting list", None, "meeting list"),
    Op("meeting schedule", "with_panel", "meeting schedule {ref} 2026-12-01 10:00 Room 2", "meeting_scheduled"),
    Op("meeting attend", "meeting", "meeting attend {ref}", "meeting_attending"),
    Op("meeting held, deciding", "rr_meeting", "meeting held {ref} local_authority police health outcome cspr agreed",
       "stage_decided"),
    Op("meeting decide", "rr_meeting_held", "meeting decide {ref} cspr the partners agreed", "stage_decided"),
    Op("meeting invitation", "meeting", "meeting invitation {ref}"),
    Op("meeting attend withdraw", "attending", "meeting attend {ref} withdraw", "meeting_attendance_withdrawn"),
    Op("new (the intake form)", None, "new"),
    Op("vote", "with_panel", "vote {ref} commence_rapid_review", "vote_cast"),
    Op("recuse", "with_panel", "recuse {ref} I know the family", "recused"),
    Op("decide (at once)", "with_panel", "decide {ref} commence_rapid_review obviously a rapid review", "decided"),
    Op("decide (escalated)", "escalated", "decide {ref} case_review the adviser's view", "decided"),
    Op("close", "quorum", "close {ref}", "ballot_closed"),
    Op("escalate", "with_panel", "escalate {ref}", "escalated"),
    Op("return", "with_panel", "return {ref} no chronology attached", "returned_incomplete"),
    Op("resubmit", "returned", "resubmit {ref}", "resubmitted"),
    Op("hold", "with_panel", "hold {ref} until 2026-12-20 waiting for the inquest", "held"),
    Op("resume", "on_hold", "resume {ref}", "resumed"),
    Op("withdraw", "with_panel", "withdraw {ref} filed twice", "withdrawn"),
    Op("event", "with_panel", "event {ref} rr_meeting", "event"),
    Op("done", "with_panel", "done {ref} info_request_send", "milestone_done"),
    Op("request", "decided", "request {ref} police", "request_sent"),
    Op("returned (typed)", "requested", "returned {ref} police", "request_returned"),
    Op("extend", "requested", "extend {ref} police 2026-12-18 awaiting records from archive", "request_extended"),
    Op("disagree", "decided", "disagree {ref} referrer they consider the threshold is met", "disagreement_recorded"),
    Op("button: Mark as returned", "requested", effect="request_returned", action="request", pressed="agency"),
    Op("button: Mark as returned, from the wrong chat", "requested", effect="request_returned", action="request",
       pressed="elsewhere"),
    Op("button: Mark as returned, for another agency", "requested_both", "returned {ref} health", "request_returned",
       pressed="agency"),
    Op("contact add", None, "contact add agency:health slack:U-HEALTH-LEAD", "contact_added"),
    Op("contact list", None, "contact list"),
    Op("contact remove", "spare_contact", "contact remove agency:police {ref}", "contact_removed"),
    Op("button: chair decides", "escalated", effect="decided", action="escalation"),
    Op("file a referral (form)", None, effect="referral_filed", service="file"),
    Op("member add", None, effect="member_added", service="member_add"),
    Op("member remove", "spare_member", effect="member_removed", service="member_remove"),
    Op("channel set", None, effect="channel_set", service="channel_set"),
    # Issue 23.
    Op("notified", "with_panel", "notified {ref} ofsted on 2026-11-20", "notification_recorded"),
    Op("parallel", "with_panel", "parallel {ref} add criminal_investigation", "parallel_changed"),
    Op("complaints", None, "complaints"),
    Op("complaint", "sto_referral", "complaint {ref} about decision the family feel a review was needed",
       "complaint_recorded", preset="stockport"),
    Op("complaint responded", "sto_complaint", "complaint responded {ref} by business manager", "complaint_responded",
       preset="stockport"),
    Op("complaint escalate", "sto_responded", "complaint escalate {ref}", "complaint_escalated", preset="stockport"),
]

# The expected answer of every cell, with the rule it comes from.
ALLOWED: dict[str, frozenset[str]] = {
    # GUEST_COMMANDS: anyone may ask what the bot can do.
    "help": ALL,
    # Reads show referrals (anonymised) and deadlines: for the partnership's panel only, statutory partners
    # included (PROCEDURES.md, "What follows": nothing goes beyond the panel; Salford 7.5 lists the panel).
    "status": PANEL,
    "status REF": PANEL,
    "show": PANEL,
    "overdue": PANEL,
    "requests": PANEL,
    "members": PANEL,
    "report": PANEL,  # Salford 10.3: the measures are the partnership's
    "disagreements": PANEL,
    "agenda": PANEL,  # issue 21: the panel's agenda and meetings are the panel's to see
    "meeting list": PANEL,
    "meeting schedule": BM,  # issue 21 section 1: the BM schedules the meeting
    # Issue 21 section 1: "asks each statutory partner's members to confirm who attends for their agency" (Salford
    # 7.12: one representative of each statutory partner). The BM records it for them only by naming the partner.
    "meeting attend": frozenset({"local_authority", "police", "health"}),
    # Issue 21 section 1 (Salford 7.12): the meeting decides; the business manager records its decision, with who
    # attended, as they record the meeting itself.
    "meeting held, deciding": BM,
    "meeting decide": BM,
    "meeting invitation": PANEL,  # the meeting's .ics, as posted to the panel channel
    "meeting attend withdraw": frozenset({"local_authority", "police", "health"}),  # as it was confirmed
    "new (the intake form)": BM,  # Salford 7.5: the business manager files referrals (the form only opens)
    # Salford 7.5: the virtual panel (Independent Adviser, Chair, Deputy Chair, BM) decides; the statutory
    # partners are listed in the preset without votes (7.12 is the rapid-review meeting, not this vote).
    "vote": VOTERS,
    "recuse": VOTERS,  # BALLOTS.md: recusal changes who counts towards the vote, so only voters recuse
    # Salford 7.5: "an obvious rapid review: the BM decides at once and the panel is informed".
    "decide (at once)": BM,
    # Salford 7.5: on disagreement the Independent Adviser's view informs the final decision (tie_break).
    "decide (escalated)": TIE_BREAK,
    "button: chair decides": TIE_BREAK,
    # BALLOTS.md rule 5 and the BM's running of the panel (Salford 7.5: the BU forwards and manages
    # referrals; 7.5 incomplete referral returned; Suffolk 4 holds): the business manager's commands.
    "close": BM,
    "escalate": BM,
    "return": BM,
    "resubmit": BM,
    "hold": BM,
    "resume": BM,
    "withdraw": BM,
    "event": BM,
    "done": BM,
    "request": BM,  # Salford 7.7: the BU sends the agency summary and chronology requests
    "extend": BM,
    "disagree": BM,  # Salford 10.3 (c): the BU records disagreements for the annual report
    "file a referral (form)": BM,  # Salford 7.5: the BU forwards a referral to the virtual panel
    "member add": BM,
    "member remove": BM,
    "channel set": BM,
    # Salford 7.7: the agency returns its information, and the BU keeps track of it. A return marked made
    # stops the agency's reminders, so it must come from the agency (issue 17): its button, pressed on the
    # message the bot delivered to the agency's own channel (whoever is in that channel), or a contact the
    # BM registered for that agency (from anywhere), or the BM. A panel member of the same agency typing it
    # is none of these.
    "returned (typed)": BM | {"agency_contact"},
    "button: Mark as returned": ALL,
    "button: Mark as returned, from the wrong chat": BM | {"agency_contact"},
    "button: Mark as returned, for another agency": BM,  # the police's channel cannot mark health's return
    # Who is an agency's contact is the BM's to say, like members and channels.
    "contact add": BM,
    "contact list": BM,
    "contact remove": BM,
    # Issue 23: what the referral carries after it is filed is the business manager's to record (Salford 7.4 and
    # 7.5: the business unit checks the notifications), as are complaints (Stockport 21: the Safeguarding
    # Business Unit receives them and the Board Business Manager keeps the record); the list is the panel's.
    "notified": BM,
    "parallel": BM,
    "complaints": PANEL,
    "complaint": BM,
    "complaint responded": BM,
    "complaint escalate": BM,
}
ON_STOCKPORT = ("business_manager", "local_authority", "police", "health")  # the matrix's roles Stockport has

REFUSAL = re.compile(
    r"^(Only the business manager can |Only the Independent Adviser can |Only panel members and the business "
    r"manager can |Only a statutory partner's members \(Local authority, Police, Health \(ICB\)\) confirm who "
    r"attends for their agency\.|You are not on this partnership's panel|"
    r"As (Local authority|Police|Health \(ICB\)) you are not a voting member|"
    r"Only .+? \(its button in its own channel, or a contact the business manager registered\) or the business "
    r"manager can record its return, so nothing was changed\.$)"
)


async def test_the_table_covers_every_command_and_role() -> None:
    """A new command must get a row here: the matrix is every command of the shared table."""
    covered = {op.command.split()[0] for op in OPS if op.command}
    assert covered == set(COMMANDS), f"commands without a row: {set(COMMANDS) - covered}"
    assert {op.name for op in OPS} == set(ALLOWED)
    # What a guest may ask for reaches the core: some cell allows it to a stranger.
    stranger_may = {op.command.split()[0] if op.command else "returned" for op in OPS
                    if (op.command or op.action == "request") and "stranger" in ALLOWED[op.name]}
    assert GUEST_COMMANDS <= stranger_may
    preset = load_preset("salford")
    assert set(preset.voting_roles) == VOTERS
    assert {r.id for r in preset.roles} == set(MEMBERS)
    assert preset.tie_break_role in TIE_BREAK


# The shared panel -------------------------------------------------------------------------------------------


class SlackStandIn:
    """Delivers to nobody, but answers as Slack does: with the new message's `ts`."""

    platform, reaches_everyone = "slack", False

    target_interval = 0.0

    def __init__(self) -> None:
        self.sent = itertools.count(1)

    async def deliver(self, target: str, message: Outgoing, previous_id: str | None) -> str | None:
        return previous_id or f"1795000000.{next(self.sent):06d}"


@dataclass
class World:
    panel: Panel
    actors: dict[str, Actor]
    sender: Sender
    ready: dict[str, str] = field(default_factory=dict)  # state -> a referral (or member) in that state
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    stockport: Panel | None = None  # the second partnership on the same database, for Stockport's commands
    stockport_actors: dict[str, Actor] = field(default_factory=dict)


def _backends() -> list:
    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param(
            "postgresql",
            id="postgresql",
            marks=pytest.mark.skipif(not PG_URL, reason="PANELBOT_TEST_DATABASE_URL is not set"),
        ),
    ]


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=_backends())
async def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    admin = schema = None
    if request.param == "sqlite":
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('matrix') / 'panel.db'}")
    else:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = make_engine(PG_URL)
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = make_engine(PG_URL, connect_args={"options": f"-c search_path={schema} -c synchronous_commit=off"})
    # The report's PNG charts take half a second each to draw and have nothing to do with who may ask.
    patch = pytest.MonkeyPatch()
    patch.setattr("bot.reports.charts.report_charts", lambda report, cal: ())
    try:
        await upgrade(engine)
        panel = await open_panel(engine, load_preset("salford"), clock=lambda: NOW)
        for role, (name, uid) in MEMBERS.items():
            await panel.add_member(actor=OP, name=name, role=role, ids=[f"slack:{uid}"])
        await panel.set_channel(actor=OP, purpose="agency:police", platform_id="slack:C-POLICE")
        await panel.set_channel(actor=OP, purpose="agency:health", platform_id="slack:C-HEALTH")
        await panel.add_contact(actor=OP, agency="agency:police", platform_id="slack:U-AGENCY")
        actors: dict[str, Actor] = {}
        for role, (_, uid) in MEMBERS.items():
            found = await panel.actor_for("slack", uid)
            assert found is not None and found.role == role
            actors[role] = found
        # As the adapters do: a platform id with no member row becomes a guest.
        assert await panel.actor_for("slack", "U-AGENCY") is None
        actors["agency_contact"] = Actor.guest("slack", "U-AGENCY", "Police safeguarding lead")
        assert await panel.actor_for("telegram", "5550001") is None
        actors["stranger"] = Actor.guest("telegram", "5550001")
        stockport = await open_panel(engine, load_preset("stockport"), clock=lambda: NOW)
        stockport_actors = dict(actors)  # a Salford-only role is not on Stockport's panel: refused there
        for role in ON_STOCKPORT:
            name, uid = MEMBERS[role]
            await stockport.add_member(actor=OP, name=name, role=role, ids=[f"slack:S{uid}"])
            found = await stockport.actor_for("slack", f"S{uid}")
            assert found is not None
            stockport_actors[role] = found
        yield World(panel, actors, Sender(panel, [SlackStandIn()]), stockport=stockport,
                    stockport_actors=stockport_actors)
    finally:
        patch.undo()
        await engine.dispose()
        if admin is not None:
            async with admin.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            await admin.dispose()


async def _file(panel: Panel) -> str:
    draft = ReferralDraft(
        referral_type="rapid_review",
        referrer="Children's Social Care",
        category="young person",
        letter="C",
        summary="Unexplained bruising seen at school; family known to services.",
    )
    return await panel.file_referral(actor=OP, draft=draft)


async def _prepare(w: World, state: str) -> str:
    """A referral (or, for `spare_member`, a member's name) in `state`, made by the operator."""
    if state in w.ready:
        return w.ready[state]
    p = w.panel
    if state == "spare_member":
        name = f"Spare Member {next(w.counter)}"
        await p.add_member(actor=OP, name=name, role="police")
        w.ready[state] = name
        return name
    if state == "spare_contact":
        account = f"slack:U-SPARE-{next(w.counter)}"
        await p.add_contact(actor=OP, agency="agency:police", platform_id=account)
        w.ready[state] = account
        return account
    if state.startswith("sto_"):
        assert w.stockport is not None
        s = w.stockport
        ref = await s.file_referral(actor=OP, draft=ReferralDraft(
            referral_type="child", referrer="Greater Manchester Police", category="young person", letter="C",
            summary="Unexplained bruising seen at school; family known to services."))
        if state in ("sto_complaint", "sto_responded"):
            await s.complaint(actor=OP, reference=ref, about="process", text="the meeting was arranged late")
        if state == "sto_responded":
            await s.complaint_responded(actor=OP, reference=ref, by="business manager")
        w.ready[state] = ref
        return ref
    ref = await _file(p)
    if state == "quorum":  # two agreeing votes: quorate (Salford 7.5) but not settled, so voting stays open
        for role in ("independent_adviser", "deputy_chair"):
            await p.vote(actor=w.actors[role], reference=ref, outcome="commence_rapid_review")
    elif state == "escalated":
        await p.escalate(actor=OP, reference=ref)
    elif state == "returned":
        await p.return_incomplete(actor=OP, reference=ref, missing="no chronology attached")
    elif state == "on_hold":
        await p.hold(actor=OP, reference=ref)
    elif state in ("meeting", "attending"):
        await p.schedule_meeting(actor=OP, reference=ref, at=datetime(2026, 12, 1, 10, tzinfo=UTC), place="Room 2")
        if state == "attending":  # every statutory partner has confirmed
            await p.attend_meeting(actor=OP, reference=ref, roles=["local_authority", "police", "health"])
    elif state in ("rr_meeting", "rr_meeting_held"):  # Salford 7.12: the panel commenced a rapid review
        await p.decide_now(actor=OP, reference=ref, outcome="commence_rapid_review", reason="obvious")
        await p.schedule_meeting(actor=OP, reference=ref, at=datetime(2026, 12, 1, 10, tzinfo=UTC), place="Room 2")
        if state == "rr_meeting_held":
            await p.meeting_held(actor=OP, reference=ref, roles=["local_authority", "police", "health"])
    elif state in ("decided", "requested", "requested_both"):
        await p.decide_now(actor=OP, reference=ref, outcome="commence_rapid_review", reason="obvious")
        if state != "decided":
            await p.send_requests(
                actor=OP, reference=ref, agencies=["police", "health"] if state == "requested_both" else ["police"]
            )
            await w.sender.flush()  # the requests reach the agencies' channels, and each message's ts is kept
    else:
        assert state == "with_panel"
    w.ready[state] = ref
    return ref


async def _snapshot(panel: Panel) -> tuple[object, ...]:
    """The row count of every table and the audit chain's head: what "nothing changed" means."""
    async with panel.uow() as uow:
        s = uow.session
        counts = select(*(select(func.count()).select_from(t).scalar_subquery() for t in Base.metadata.sorted_tables))
        head = select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
        return (*(await s.execute(counts)).one(), *(await s.execute(head)).one())


async def _audit_since(panel: Panel, seq: int) -> list[str]:
    async with panel.uow() as uow:
        rows = await uow.session.execute(select(AuditEntry.action).where(AuditEntry.seq > seq))
        return list(rows.scalars())


async def _button(panel: Panel, ref: str, kind: str) -> str:
    """The command behind a button the service attached to a message it queued for this referral."""
    async with panel.uow() as uow:
        bodies = (
            await uow.session.execute(
                select(OutboxMessage.body)
                .join(Referral, Referral.id == OutboxMessage.referral_id)
                .where(Referral.reference == ref, OutboxMessage.kind == kind)
            )
        ).scalars()
        actions = [a for body in bodies for a in body.get("actions", [])]
    assert actions, f"no {kind} message with buttons for {ref}"
    action = actions[-1] if kind == "request" else next(a for a in actions if a["command"].endswith("case_review"))
    return action["command"] + (" the adviser's view" if action.get("needs_reason") else "")


async def _origin(panel: Panel, ref: str, pressed: str) -> Origin:
    """Where a press of the police request's button comes from: that message in the police's channel, or the
    same message id sent from another chat."""
    async with panel.uow() as uow:
        channel, ts = (
            await uow.session.execute(
                select(AgencyMessage.channel, AgencyMessage.message_id)
                .join(Referral, Referral.id == AgencyMessage.referral_id)
                .where(Referral.reference == ref, AgencyMessage.agency == "police")
            )
        ).one()
    assert channel == "C-POLICE"
    return Origin("slack", channel if pressed == "agency" else "C-ELSEWHERE", ts)


async def _service(w: World, op: Op, actor: Actor, target: str | None) -> tuple[bool, str]:
    p = w.panel
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "file": lambda: p.file_referral(
            actor=actor,
            draft=ReferralDraft(
                referral_type="case_review", referrer="Education", category="baby", letter="D", summary="Fall at home."
            ),
        ),
        "member_add": lambda: p.add_member(actor=actor, name=f"New Member {next(w.counter)}", role="health"),
        "member_remove": lambda: p.remove_member(actor=actor, name=target or ""),
        "channel_set": lambda: p.set_channel(actor=actor, purpose="agency:health", platform_id="slack:C-HEALTH"),
    }
    try:
        await calls[op.service or ""]()
    except PanelError as exc:
        return False, str(exc)
    return True, "done"


CELLS = [pytest.param(op, role, id=f"{op.name}|{role}") for op in OPS for role in ROLES]


@pytest.mark.parametrize(("op", "role"), CELLS)
async def test_cell(world: World, op: Op, role: str) -> None:
    on_stockport = op.preset == "stockport"
    panel = world.stockport if on_stockport and world.stockport is not None else world.panel
    actor = (world.stockport_actors if on_stockport else world.actors)[role]
    target = await _prepare(world, op.state) if op.state else None
    before = await _snapshot(panel)
    if op.service:
        ok, said = await _service(world, op, actor, target)
    else:
        line = await _button(panel, target or "", op.action) if op.action else (op.command or "").format(ref=target)
        origin = await _origin(panel, target or "", op.pressed) if op.pressed else None
        reply = await run(panel, actor, line, origin=origin)
        ok, said = reply.ok, "\n".join(reply.lines)
    after = await _snapshot(panel)
    if after != before and op.state:
        world.ready.pop(op.state, None)  # used up: the next cell gets a fresh one

    if role in ALLOWED[op.name]:
        assert ok, f"{role} should be allowed to {op.name}, but was told: {said}"
        if op.effect:
            assert op.effect in await _audit_since(panel, int(before[-2])), f"{op.name} by {role} had no effect"
        else:
            assert after == before, f"the read {op.name} changed the database"
            if op.state and op.name not in ("requests",):
                assert target in said or reply.card is not None
    else:
        assert not ok, f"{role} should not be allowed to {op.name}; the reply was: {said}"
        assert REFUSAL.match(said), f"unclear refusal for {role} / {op.name}: {said!r}"
        assert "Error" not in said and "Traceback" not in said and "{" not in said
        assert after == before, f"a refused {op.name} by {role} changed the database"
