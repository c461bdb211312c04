"""Hostile text through the shared commands every platform uses (bot/commands/), on a database.

Whatever a person types (any command, any arguments, right-to-left marks, zero-width spaces, NUL, lone
surrogates that a JSON decoder happily produces, emoji, 100,000 characters), the answer is a Reply in plain
words, never an exception. A refused command changes nothing: every table's row count and the head of the
audit chain are the same before and after. On SQLite, and PostgreSQL when PANELBOT_TEST_DATABASE_URL is set
(PostgreSQL refuses NUL in text, which is where the first bugs were). The parsers on their own:
tests/unit/test_fuzz_parsers.py.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from test_fuzz_parsers import odd_text, word  # the odd characters and words, shared with the parsers' own tests

from bot.commands import COMMANDS, run
from bot.service import Actor
from flows.referrals import ReferralDraft
from flows.reports import REPORT_YEARS
from storage.models import AuditEntry, Base, Vote

OP = Actor.operator()
# derandomize: the same examples every run, so the suite is repeatable (drop it to explore new ones).
FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


async def snapshot(panel) -> tuple:  # type: ignore[no-untyped-def]
    """Every table's row count and the audit chain's head: equal before and after means nothing changed."""
    async with panel.uow() as uow:
        counts = tuple(
            [(t.name, (await uow.session.execute(select(func.count()).select_from(t))).scalar_one())
             for t in Base.metadata.sorted_tables]
        )
        head = (await uow.session.execute(
            select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1))).first()
    return counts, tuple(head) if head else None


async def panel_with_referral(make_panel):  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    for name, role in [("Ann", "independent_adviser"), ("Ben", "chair"), ("Dee", "business_manager")]:
        await panel.add_member(actor=OP, name=name, role=role)
    draft = ReferralDraft(referral_type="rapid_review", referrer="School", category="baby", letter="A",
                          summary="Injury reported by the school nurse.")
    ref = await panel.file_referral(actor=OP, draft=draft)
    return panel, ref


def assert_plain(reply) -> None:  # type: ignore[no-untyped-def]
    text = "\n".join(reply.lines)
    assert reply.lines or reply.card is not None or reply.ask is not None or reply.form is not None  # something to show
    assert "Traceback" not in text and "Error(" not in text and "sqlalchemy" not in text.lower()
    if not reply.ok:
        assert len(reply.lines) == 1 and reply.lines[0].strip(), reply.lines


# Parsers on their own ----------------------------------------------------------------------------------------


# The commands, on a real database -------------------------------------------------------------------------------


async def test_report_with_a_year_python_cannot_hold_is_a_sentence(make_panel) -> None:
    """Before the fix these raised ValueError/OverflowError out of the command: a traceback on every platform."""
    panel, _ = await panel_with_referral(make_panel)
    before = await snapshot(panel)
    for period in ["0000", "0000-Q1", "9999/00", "FY9999", "9999-12", "9999", "0001-01-01..9999-12-31"]:
        reply = await run(panel, OP, f"report {period}")
        assert not reply.ok and reply.files == ()
        assert len(reply.lines) == 1 and reply.lines[0].endswith(
            f'" is not a period the record could cover; give years from {REPORT_YEARS[0]} to '
            f"{REPORT_YEARS[1]}, for example 2026/27 or 2026-Q3."
        )  # (a full date typed is not quoted back: it could be a date of birth)
    assert await snapshot(panel) == before


async def test_a_vote_reason_with_nul_or_a_lone_surrogate_is_stored_cleaned(make_panel) -> None:
    """Before the fix PostgreSQL refused NUL (DataError) and psycopg/aiosqlite could not encode a lone
    surrogate (UnicodeEncodeError): both escaped the command as a traceback."""
    panel, ref = await panel_with_referral(make_panel)
    for name, words in [("Ann", "commence \x00"), ("Ben", "neither before\x00after \ud800 ok \udfff")]:
        reply = await run(panel, await panel.actor_named(name), f"vote {ref} {words}")
        assert reply.ok, reply.lines
        assert reply.lines[0].startswith(f"Your vote on {ref} is recorded")
    async with panel.uow() as uow:
        reasons = list((await uow.session.execute(select(Vote.reason).order_by(Vote.id))).scalars())
    assert reasons == [None, "beforeafter \ufffd ok \ufffd"]


async def test_done_with_nul_or_a_lone_surrogate_in_the_clock_id(make_panel) -> None:
    """NUL is dropped, so `info_request_send<NUL>` is the real clock: the milestone is met. A lone surrogate
    is no clock: refused in a sentence, nothing changed (before the fix: DataError / UnicodeEncodeError)."""
    panel, ref = await panel_with_referral(make_panel)
    before = await snapshot(panel)
    bad = await run(panel, OP, f"done {ref} \ud800")
    assert not bad.ok and len(bad.lines) == 1
    assert await snapshot(panel) == before
    reply = await run(panel, OP, f"done {ref} info_request_send\x00")
    assert reply.ok, reply.lines
    assert await snapshot(panel) != before


async def test_a_100k_character_argument_is_refused_plainly(make_panel) -> None:
    panel, ref = await panel_with_referral(make_panel)
    ann = await panel.actor_named("Ann")
    before = await snapshot(panel)
    huge = "x" * 100_000
    for line in [f"vote {huge} commence", f"vote {ref} {huge}", f"hold {ref} until {huge}", f"report {huge}",
                 f"{huge}", f"extend {ref} police {huge} r", f"request {ref} {huge}", f"show {huge}"]:
        for actor in (OP, ann):
            reply = await run(panel, actor, line)
            assert not reply.ok, line[:40]
            assert_plain(reply)
            assert len(reply.lines[0]) < 200
    assert await snapshot(panel) == before


@FUZZ
@given(name=st.sampled_from(sorted(COMMANDS)), args=st.lists(word, max_size=5), as_member=st.booleans())
async def test_any_command_with_any_arguments_answers_in_words(make_panel, name, args, as_member) -> None:  # type: ignore[no-untyped-def]
    """Every command, hostile arguments, as the BM (who may do most) and as a member: a Reply, never an
    exception; a refusal is one sentence and leaves every table as it was."""
    panel, ref = await _shared_panel(make_panel)
    actor = OP if not as_member else await panel.actor_named("Ann")
    line = " ".join([name, *(a.replace("REF", ref) for a in args)])
    before = await snapshot(panel)
    reply = await run(panel, actor, line)
    assert_plain(reply)
    if not reply.ok:
        assert await snapshot(panel) == before, line


@FUZZ
@given(text=st.one_of(odd_text, st.text(max_size=300)))
async def test_arbitrary_lines_answer_in_words(make_panel, text: str) -> None:
    panel, _ = await _shared_panel(make_panel)
    before = await snapshot(panel)
    reply = await run(panel, OP, text)
    assert_plain(reply)
    if not reply.ok:
        assert await snapshot(panel) == before


@FUZZ
@given(
    cmd=st.sampled_from(["vote", "recuse", "request", "returned", "extend", "status", "hold", "disagree", "event"]),
    junk=st.lists(odd_text, min_size=1, max_size=4),
)
async def test_argument_parsers_with_a_real_reference_and_odd_unicode(make_panel, cmd, junk) -> None:  # type: ignore[no-untyped-def]
    """The reference is real, so each parser gets past it to the hostile part (outcome, agency, date, period,
    party, event)."""
    panel, ref = await _shared_panel(make_panel)
    if cmd == "hold":
        junk = ["until", *junk]
    for actor in (OP, await panel.actor_named("Ben")):
        before = await snapshot(panel)
        reply = await run(panel, actor, " ".join([cmd, ref, *(f'"{j}"' if " " in j else j for j in junk)]))
        assert_plain(reply)
        if not reply.ok:
            assert await snapshot(panel) == before


async def _shared_panel(make_panel):  # type: ignore[no-untyped-def]
    """One panel per test, kept on the fixture across hypothesis's examples (one event loop, one engine)."""
    if not hasattr(make_panel, "fuzz"):
        make_panel.fuzz = await panel_with_referral(make_panel)
    return make_panel.fuzz
