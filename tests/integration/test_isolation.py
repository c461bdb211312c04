"""One database, two partnerships: neither sees nor touches the other's referrals.

Partnership A runs the Salford preset; partnership B is a second partnership on the same database with a
copy of it under another id and name but the same reference prefix, so both have a referral called
SAL-2026-001: the hardest case for a lookup by reference. B's referrals are about "Young Person Q" and its
members have names A never uses, so any leak of B into something A sees is visible as text.

Two doors are tried. The ordinary one: A's member, through A's panel, asks about or acts on B's references
(guessing them). The back one: an `Actor` made from A's member row handed to B's panel (an adapter wired to
the wrong panel, or a forged id): every change must be refused and leave the database as it was.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import func, select

from bot.commands import run
from bot.notify import Outgoing, Sender
from bot.reports.export import WITHHELD, check, live_chain
from bot.reports.ics import feed
from bot.service import Actor, Panel
from bot.service.bootstrap import open_panel
from flows.errors import PanelError
from flows.preset import load_preset
from flows.referrals import ReferralDraft
from flows.reports import parse_period
from flows.views import card_lines
from storage.audit import verify
from storage.models import AuditEntry, Base, OutboxMessage, Referral

OP = Actor.operator()
A_MEMBERS = [("Ann Adviser", "independent_adviser"), ("Ben Chair", "chair"), ("Cat Deputy", "deputy_chair"),
             ("Dee Manager", "business_manager")]
B_MEMBERS = [("Zara Quill", "independent_adviser"), ("Yusuf Quill", "chair"), ("Xena Quill", "deputy_chair"),
             ("Wilf Quill", "business_manager")]
B_MARKS = ("Young Person Q", "Quill", "Bolton")  # B's subject, member names and referrer: never shown to A


class Recorder:
    """A platform that records what it is asked to post, per target."""

    platform = "slack"
    reaches_everyone = False
    target_interval = 0.0

    def __init__(self) -> None:
        self.sent: list[tuple[str, Outgoing]] = []

    async def deliver(self, target: str, message: Outgoing, previous_id: str | None) -> str | None:
        self.sent.append((target, message))
        return f"m{len(self.sent)}"


def words(message: Outgoing, panel: Panel) -> str:
    parts = [message.text or "", message.headline or "", *(a.command for a in message.actions)]
    if message.card is not None:
        parts += card_lines(message.card, panel.cal)
    return "\n".join(parts)


async def two_partnerships(engine, clock):  # type: ignore[no-untyped-def]
    salford = load_preset("salford")
    east = dataclasses.replace(salford, id="salford_east", name="East Salford Safeguarding Partnership")
    a = await open_panel(engine, salford, clock=clock)
    b = await open_panel(engine, east, clock=clock)
    assert a.partnership_id != b.partnership_id
    for panel, members, prefix in ((a, A_MEMBERS, "U-A"), (b, B_MEMBERS, "U-B")):
        for i, (name, role) in enumerate(members):
            await panel.add_member(actor=OP, name=name, role=role, ids=[f"slack:{prefix}{i}"])
    await a.set_channel(actor=OP, purpose="panel", platform_id="slack:C-A-PANEL")
    await a.set_channel(actor=OP, purpose="bm", platform_id="slack:C-A-BM")
    await a.set_channel(actor=OP, purpose="agency:police", platform_id="slack:C-A-POLICE")
    await b.set_channel(actor=OP, purpose="panel", platform_id="slack:C-B-PANEL")
    await b.set_channel(actor=OP, purpose="bm", platform_id="slack:C-B-BM")
    await b.set_channel(actor=OP, purpose="agency:police", platform_id="slack:C-B-POLICE")
    return a, b


def draft(letter: str, referrer: str) -> ReferralDraft:
    return ReferralDraft(referral_type="rapid_review", referrer=referrer, category="young person", letter=letter,
                         summary="Concerns raised by school about injuries.")


async def snapshot(panel: Panel) -> tuple[object, ...]:
    async with panel.uow() as uow:
        counts = select(*(select(func.count()).select_from(t).scalar_subquery() for t in Base.metadata.sorted_tables))
        head = select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
        return (*(await uow.session.execute(counts)).one(), *(await uow.session.execute(head)).one())


async def test_a_member_of_one_partnership_cannot_see_or_act_on_the_others_referrals(engine, clock) -> None:
    a, b = await two_partnerships(engine, clock)
    # B: one referral with the panel, one escalated to its adviser, one decided with a request out to police.
    b1 = await b.file_referral(actor=OP, draft=draft("Q", "Bolton Police"))
    b2 = await b.file_referral(actor=OP, draft=draft("Q", "Bolton Police"))
    b3 = await b.file_referral(actor=OP, draft=draft("Q", "Bolton Police"))
    await b.escalate(actor=OP, reference=b2)
    await b.decide_now(actor=OP, reference=b3, outcome="commence_rapid_review", reason="obvious")
    await b.send_requests(actor=OP, reference=b3, agencies=["police"])
    await b.record_disagreement(actor=OP, reference=b3, party="referrer", reason="they think it is not needed")
    # A: one referral of its own, with the same reference as B's first.
    a1 = await a.file_referral(actor=OP, draft=draft("C", "Children's Social Care"))
    assert a1 == b1 == "SAL-2026-001"  # the same reference in two partnerships: two rows, no collision
    async with a.uow() as uow:
        rows = (await uow.session.execute(select(Referral.partnership_id).where(Referral.reference == a1))).all()
    assert sorted(r[0] for r in rows) == sorted([a.partnership_id, b.partnership_id])

    clock.advance(days=10)  # every clock of both is now overdue: the overdue list and reminders have work
    bm = await a.actor_for("slack", "U-A3")
    adviser = await a.actor_for("slack", "U-A0")
    assert bm is not None and bm.is_bm and adviser is not None
    assert await a.actor_for("slack", "U-B3") is None  # B's business manager is nobody in A

    # Reads through A show A's referral and nothing of B's.
    seen: list[str] = []
    for line in ("status", f"status {a1}", f"show {a1}", "overdue", "members", "report", "disagreements", "help"):
        reply = await run(a, bm, line)
        assert reply.ok, line
        seen += reply.lines + (card_lines(reply.card, a.cal) if reply.card else [])
    text = "\n".join(seen)
    assert "Young Person C" in text and "Ann Adviser" in text
    for mark in B_MARKS:
        assert mark not in text
    # B's references, outside the help's made-up examples (`hold SAL-2026-003 until ...` names no referral).
    listed = "\n".join(line for line in seen if "For example" not in line)
    assert "SAL-2026-002" not in listed and "SAL-2026-003" not in listed
    # Guessing B's other references: not found, in the same words as a typo.
    for line in (f"status {b2}", f"show {b2}", f"requests {b3}", f"disagreements {b3}"):
        reply = await run(a, bm, line)
        assert not reply.ok and reply.lines == [f"There is no referral {line.split()[1]}. Use `status` to list open "
                                                "referrals."], line
    report = await a.report(parse_period("", today=a.cal.local(a.now()).date()))
    assert report.received == 1 and report.by_referrer == (("Children's Social Care", 1),)
    assert report.disagreements == () and not any("Bolton" in who for who, _ in report.by_referrer)
    entries = await a.calendar_entries()
    assert entries and {e.reference for e in entries} == {a1} and all(e.subject == "Young Person C" for e in entries)
    ics = feed(a.preset, a.cal, entries, a.now()).decode()
    assert "Young Person Q" not in ics
    export = await a.export_record()
    assert [r["reference"] for r in export["referrals"]] == [a1]
    assert all(not t or all(r.get("reference") == a1 for r in t) for n, t in export.items()
               if n not in ("manifest", "audit_log") and isinstance(t, list))
    dumped = repr(export)
    for mark in B_MARKS:
        assert mark not in dumped, mark
    assert not [e for e in export["audit_log"] if e["subject"] in (b2, b3)]
    live = live_chain(await _audit(a))
    problems, _ = check(export, live)
    assert problems == []  # `panelbot audit verify --export` still proves the archive, B's entries withheld
    withheld = [e for e in export["audit_log"] if e["action"] == WITHHELD]
    assert withheld and all(e["actor"] == "" and e["payload"] == {} for e in withheld)
    withheld[0]["hash"] = "0" * 64  # a withheld entry is checked against the live chain, not skipped
    assert check(export, live)[0]

    # Acting on B's references through A: not found, and nothing changes anywhere.
    before = await snapshot(a)
    for actor, line in [
        (adviser, f"vote {b2} commence_rapid_review"),
        (adviser, f"recuse {b2}"),
        (adviser, f"decide {b2} case_review the adviser's view"),
        (bm, f"returned {b3} police"),
        (bm, f"extend {b3} police 2026-12-31 archive"),
        (bm, f"escalate {b2}"),
        (bm, f"withdraw {b2} not ours"),
        (bm, f"disagree {b3} referrer no"),
        (Actor.guest("slack", "U-B-POLICE-LEAD"), f"returned {b3} police"),
    ]:
        reply = await run(a, actor, line)
        assert not reply.ok, line
        assert reply.lines[0].startswith(
            ("There is no referral", "You are not on this partnership's panel", "Only Greater Manchester Police")
        ), line
    assert await snapshot(a) == before

    # Reminders and the deadline sweep of A leave B's rows alone.
    async with b.uow() as uow:
        b_outbox = (await uow.session.execute(select(func.count()).select_from(OutboxMessage)
                                              .where(OutboxMessage.partnership_id == b.partnership_id))).scalar_one()
    await a.run_reminders()
    await a.check_deadlines()
    async with b.uow() as uow:
        assert (await uow.session.execute(select(func.count()).select_from(OutboxMessage)
                                          .where(OutboxMessage.partnership_id == b.partnership_id))).scalar_one() \
            == b_outbox
    assert (await b.card(b1)).status == "with_panel"  # A's sweep did not close B's overdue ballot

    async with a.uow() as uow:
        assert (await verify(uow.session)).ok


async def _audit(panel: Panel) -> list[AuditEntry]:
    async with panel.uow() as uow:
        return list((await uow.session.execute(select(AuditEntry).order_by(AuditEntry.seq))).scalars())


async def test_an_actor_from_one_partnership_is_refused_by_the_other(engine, clock) -> None:
    """An adapter wired to the wrong panel, a stale lookup or a forged id: the member row behind the actor
    must be a current member of the partnership whose panel is asked, or nothing happens."""
    a, b = await two_partnerships(engine, clock)
    ref = await b.file_referral(actor=OP, draft=draft("Q", "Bolton Police"))
    decided = await b.file_referral(actor=OP, draft=draft("Q", "Bolton Police"))
    await b.decide_now(actor=OP, reference=decided, outcome="commence_rapid_review", reason="obvious")
    await b.send_requests(actor=OP, reference=decided, agencies=["police"])
    escalated = await b.file_referral(actor=OP, draft=draft("Q", "Bolton Police"))
    await b.escalate(actor=OP, reference=escalated)
    a_bm = await a.actor_for("slack", "U-A3")
    a_adviser = await a.actor_for("slack", "U-A0")
    a_chair = await a.actor_for("slack", "U-A1")
    assert a_bm and a_adviser and a_chair
    removed = await b.actor_for("slack", "U-B1")
    assert removed is not None
    await b.remove_member(actor=OP, name="Yusuf Quill")  # B's chair leaves after their id was looked up
    forged = Actor(member_id=a_bm.member_id, name="Wilf Quill", role="business_manager")  # a real id, a false name
    wrong_role = dataclasses.replace(await b.actor_for("slack", "U-B2"), role="business_manager")  # type: ignore[type-var]

    before = await snapshot(b)
    attempts = [
        (a_adviser, f"vote {ref} commence_rapid_review"),
        (a_chair, f"vote {ref} case_review"),
        (a_adviser, f"recuse {ref}"),
        (removed, f"vote {ref} commence_rapid_review"),
        (a_adviser, f"decide {escalated} case_review the adviser's view"),
        (a_adviser, f"returned {decided} police"),
        (a_bm, f"extend {decided} police 2026-12-31 archive"),
        (a_bm, f"decide {ref} commence_rapid_review obvious"),
        (a_bm, f"close {ref}"),
        (a_bm, f"escalate {ref}"),
        (a_bm, f"return {ref} nothing attached"),
        (a_bm, f"hold {ref}"),
        (a_bm, f"withdraw {ref} not needed"),
        (a_bm, f"event {ref} rr_meeting"),
        (a_bm, f"done {ref} info_request_send"),
        (a_bm, f"request {ref} police"),
        (a_bm, f"disagree {decided} referrer no"),
        (forged, f"withdraw {ref} not needed"),
        (wrong_role, f"escalate {ref}"),
    ]
    for actor, line in attempts:
        reply = await run(b, actor, line)
        assert not reply.ok, f"{actor.name}: {line} -> {reply.lines}"
        assert reply.lines[0].startswith(("You are not on this partnership's panel", "As ")), reply.lines
        assert "Quill" not in reply.lines[0] or actor is forged
    for call in (
        lambda: b.file_referral(actor=a_bm, draft=draft("R", "Education")),
        lambda: b.add_member(actor=a_bm, name="Intruder", role="police"),
        lambda: b.remove_member(actor=a_bm, name="Zara Quill"),
        lambda: b.set_channel(actor=a_bm, purpose="panel", platform_id="slack:C-ELSEWHERE"),
    ):
        try:
            await call()
        except PanelError as exc:
            assert str(exc).startswith("You are not on this partnership's panel")
        else:
            raise AssertionError("an actor from partnership A changed partnership B")
    assert await snapshot(b) == before
    card = await b.card(ref)
    assert all(v.outcome is None for v in card.votes) and not any(v.member == "Ann Adviser" for v in card.votes)
    async with b.uow() as uow:
        assert (await verify(uow.session)).ok


async def test_each_partnerships_sender_delivers_only_its_own_messages(engine, clock) -> None:
    a, b = await two_partnerships(engine, clock)
    await b.file_referral(actor=OP, draft=draft("Q", "Bolton Police"))
    b2 = await b.file_referral(actor=OP, draft=draft("Q", "Bolton Police"))
    await b.escalate(actor=OP, reference=b2)
    a1 = await a.file_referral(actor=OP, draft=draft("C", "Children's Social Care"))
    await a.vote(actor=await a.actor_named("Ann Adviser"), reference=a1, outcome="commence_rapid_review")
    await a.send_requests(actor=OP, reference=a1, agencies=["police"])

    seen_a, seen_b = Recorder(), Recorder()
    assert await Sender(a, [seen_a]).flush() > 0
    targets = {t for t, _ in seen_a.sent}
    assert targets <= {"C-A-PANEL", "C-A-BM", "C-A-POLICE"} and "C-A-PANEL" in targets
    text = "\n".join(words(m, a) for _, m in seen_a.sent)
    assert "Young Person C" in text
    for mark in B_MARKS:
        assert mark not in text
    async with b.uow() as uow:
        pending_b = (await uow.session.execute(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.partnership_id == b.partnership_id, OutboxMessage.sent_at.is_(None)))).scalar_one()
    assert pending_b > 0  # A's sender left every one of B's messages alone

    assert await Sender(b, [seen_b]).flush() == pending_b
    targets = {t for t, _ in seen_b.sent}
    assert targets <= {"C-B-PANEL", "C-B-BM", "U-B0"} and "C-B-PANEL" in targets  # U-B0: B's adviser, privately
    assert "Young Person C" not in "\n".join(words(m, b) for _, m in seen_b.sent)
    assert await Sender(a, [seen_a]).flush() == 0
    async with a.uow() as uow:
        assert (await verify(uow.session)).ok


async def test_a_row_id_is_no_way_into_another_partnership(engine, clock) -> None:
    a, b = await two_partnerships(engine, clock)
    await b.file_referral(actor=OP, draft=draft("Q", "Bolton Police"))
    async with b.uow() as uow:
        b_id = (await uow.session.execute(select(Referral.id))).scalar_one()
    assert (await b.card_by_id(b_id)).subject == "Young Person Q"
    try:
        await a.card_by_id(b_id)
    except PanelError as exc:
        assert "Young Person Q" not in str(exc)
    else:
        raise AssertionError("partnership A read B's card by its row id")

