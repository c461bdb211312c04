"""One scenario, two adapters: the terminal panel and Slack reach the same decisions from the same inputs.

The scenario (Salford 7.5) is written once as steps. The terminal run types them into a `ConsoleSession`
(`new` with its questions, `as NAME`, `vote`, `recuse`, `decide`, `close`, `clock +48h`); the Slack run does
the same through signed requests: the filing modal, the card's buttons and reason modals, the chair's
buttons in a direct message, `/panel decide` and `/panel close`. Both end with the same referrals in the
same states, decided the same way by the same people, and the same card wording.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from rich.console import Console
from slack_fake import Harness
from sqlalchemy import select

from bot.console.adapter import ConsoleAdapter
from bot.console.repl import ConsoleSession, SimClock
from bot.notify import Sender
from bot.service import Actor, Panel
from bot.service.bootstrap import open_panel
from flows.anonymity import CATEGORY_LABELS
from flows.preset import load_preset
from flows.views import card_lines
from storage.db import make_engine, upgrade
from storage.models import Member, Referral

START = datetime(2026, 11, 23, 10, 12, tzinfo=UTC)
MEMBERS = [("Alex", "independent_adviser", "U0ADV"), ("Sam", "chair", "U0CHAIR"), ("Jo", "deputy_chair", "U0DEP"),
           ("Bea", "business_manager", "U0BM")]
SLACK_ID = {name: slack_id for name, _, slack_id in MEMBERS}


@dataclass(frozen=True)
class Step:
    what: str  # file | vote | recuse | decide | close | wait
    who: str = "Bea"
    ref: str = ""
    outcome: str = ""
    text: str = ""
    hours: int = 0
    letter: str = ""


SCENARIO = [
    # SAL-2026-001: majority at the 48-hour deadline (count quorum of 2)
    Step("file", letter="C", text="Bruising seen at school"),
    Step("vote", "Alex", "SAL-2026-001", "commence_rapid_review", "Clear multi-agency concerns"),
    Step("vote", "Sam", "SAL-2026-001", "commence_rapid_review"),
    Step("vote", "Jo", "SAL-2026-001", "case_review", "Learning is single agency"),
    # SAL-2026-002: a 2-2 tie, decided by the Independent Adviser
    Step("file", letter="A", text="Infant admitted with a head injury"),
    Step("vote", "Alex", "SAL-2026-002", "commence_rapid_review"),
    Step("vote", "Sam", "SAL-2026-002", "case_review"),
    Step("vote", "Jo", "SAL-2026-002", "commence_rapid_review"),
    Step("vote", "Bea", "SAL-2026-002", "case_review"),
    Step("decide", "Alex", "SAL-2026-002", "case_review", "A case review will capture the learning"),
    # SAL-2026-003: the BM decides an obvious rapid review at once (7.5)
    Step("file", letter="D", text="Death of a child known to services"),
    Step("decide", "Bea", "SAL-2026-003", "commence_rapid_review", "Obvious rapid review"),
    # SAL-2026-004: a recusal, a changed vote, then the BM closes once quorum is met
    Step("file", letter="E", text="Concerns raised by health visitor"),
    Step("recuse", "Jo", "SAL-2026-004", text="Knows the family"),
    Step("vote", "Sam", "SAL-2026-004", "neither_threshold", "Threshold not met"),
    Step("vote", "Alex", "SAL-2026-004", "case_review"),
    Step("vote", "Sam", "SAL-2026-004", "case_review", "On reflection, a case review"),
    Step("close", "Bea", "SAL-2026-004"),
    Step("wait", hours=48),
]


class FixedClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


async def outcome_of(panel: Panel) -> list[tuple]:
    """Every referral: its state, its outcome, how and by whom it was decided, and its card's words."""
    async with panel.uow() as uow:
        rows = list((await uow.session.execute(select(Referral).order_by(Referral.id))).scalars())
        names = {m.id: m.name for m in (await uow.session.execute(select(Member))).scalars()}
    out = []
    for r in rows:
        # The terminal runs on a practice database (its `clock` moves time), whose cards say PRACTICE first.
        card = replace(await panel.card(r.reference), practice=False)
        out.append((r.reference, r.status, r.outcome, r.decided_how, names.get(r.decided_by_id),
                    r.decision_reason, tuple(card_lines(card, panel.cal))))
    return out


async def run_in_terminal(tmp_path) -> list[tuple]:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'terminal.db'}")
    await upgrade(engine)
    fixed = FixedClock()
    sim = SimClock(real=fixed)
    preset = load_preset("salford")
    panel = await open_panel(engine, preset, clock=sim, practice=True)
    console = Console(file=io.StringIO(), width=200)
    answers: list[str] = []

    async def answer(prompt: str) -> str:
        return answers.pop(0)

    session = ConsoleSession(panel, Sender(panel, [ConsoleAdapter(panel, console)]), console, sim, answer)
    for name, role, _ in MEMBERS:
        await panel.add_member(actor=Actor.operator(), name=name, role=role)
    categories = list(CATEGORY_LABELS)
    for step in SCENARIO:
        if step.what == "wait":
            await session.handle(f"clock +{step.hours}h")
            continue
        await session.handle(f"as {step.who}")
        if step.what == "file":
            answers[:] = ["1", "Children's Social Care", "", str(categories.index("young_person") + 1),
                          step.letter, step.text, "", "", "", "", ""]  # issue 23's questions, left blank
            await session.handle("new")
            assert not answers
        elif step.what == "vote":
            await session.handle(f"vote {step.ref} {step.outcome} {step.text}".strip())
        elif step.what == "recuse":
            await session.handle(f"recuse {step.ref} {step.text}")
        elif step.what == "decide":
            await session.handle(f"decide {step.ref} {step.outcome} {step.text}")
        elif step.what == "close":
            await session.handle(f"close {step.ref}")
    result = await outcome_of(panel)
    await engine.dispose()
    return result


async def run_in_slack(h: Harness, clock) -> list[tuple]:  # type: ignore[no-untyped-def]
    for name, role, slack_id in MEMBERS:
        await h.member(name, role, slack_id)
    await h.slash("U0BM", "setup")
    preset = h.panel.preset
    for step in SCENARIO:
        user = SLACK_ID[step.who]
        if step.what == "wait":
            clock.advance(hours=step.hours)
            await h.panel.check_deadlines()  # the scheduler's job
            await h.settle()
        elif step.what == "file":
            await h.slash(user, "new")
            await h.submit(user, h.modal(), {"referral_type": "rapid_review", "referrer": "childrens_social_care",
                                             "category": "young_person", "letter": step.letter, "summary": step.text})
        elif step.what == "vote":
            await h.press(user, h.card(step.ref), preset.outcome(step.outcome).label)
            await h.submit(user, h.modal(), {"reason": step.text})
        elif step.what == "recuse":
            await h.press(user, h.card(step.ref), "Recuse")
            await h.submit(user, h.modal(), {"reason": step.text})
        elif step.what == "decide" and step.who == "Bea":
            await h.slash(user, f"decide {step.ref} {step.outcome}")
            await h.submit(user, h.modal(), {"reason": step.text})
        elif step.what == "decide":  # the tie-break role, from the buttons in their direct message
            dm = [m for m in h.fake.dms(user) if step.ref in m.raw][-1]
            await h.press(user, dm, preset.outcome(step.outcome).label)
            await h.submit(user, h.modal(), {"reason": step.text})
        elif step.what == "close":
            await h.slash(user, f"close {step.ref}")
    return await outcome_of(h.panel)


async def test_the_terminal_and_slack_reach_the_same_decisions(slack, clock, tmp_path) -> None:
    terminal = await run_in_terminal(tmp_path)
    h = await slack("salford")
    in_slack = await run_in_slack(h, clock)
    assert clock.now == START + timedelta(hours=48)
    assert [r[:6] for r in in_slack] == [
        ("SAL-2026-001", "decided", "commence_rapid_review", "panel", None,
         "Clear multi-agency concerns"),
        ("SAL-2026-002", "decided", "case_review", "chair", "Alex", "A case review will capture the learning"),
        ("SAL-2026-003", "decided", "commence_rapid_review", "bm", "Bea", "Obvious rapid review"),
        ("SAL-2026-004", "decided", "case_review", "panel", None, "On reflection, a case review"),
    ]
    assert in_slack == terminal  # the same states, deciders, reasons and card wording, line for line
