"""`panelbot demo`: the story of the product in a few seconds, on a temporary database that is deleted at
the end. It drives the same commands and views a real panel uses, through the terminal adapter."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.rule import Rule

from bot.commands import run
from bot.console.adapter import ConsoleAdapter
from bot.console.render import styled
from bot.console.repl import SimClock
from bot.notify import Sender
from bot.service import Actor, Panel
from bot.service.bootstrap import open_panel
from flows.preset import load_preset
from flows.referrals import ReferralDraft
from storage.db import make_engine, upgrade

START = datetime(2026, 11, 23, 10, 12, tzinfo=UTC)  # Mon 23 Nov 2026, 10:12 in the UK


async def run_demo(console: Console) -> None:
    with tempfile.TemporaryDirectory(prefix="panelbot-demo-") as tmp:
        engine = make_engine(f"sqlite+aiosqlite:///{Path(tmp) / 'demo.db'}")
        try:
            await upgrade(engine)
            clock = SimClock(real=lambda: START)
            await _story(console, engine, clock)
        finally:
            await engine.dispose()
    console.print(Rule())
    console.print("The demo's database has been deleted. Run `panelbot run --practice` to try it yourself.")


async def _setup(
    engine,
    preset: str,
    clock: SimClock,
    console: Console,  # type: ignore[no-untyped-def]
    members: list[tuple[str, str]],
) -> tuple[Panel, Sender]:
    panel = await open_panel(engine, load_preset(preset), clock=clock, practice=True)  # simulated time: practice
    sender = Sender(panel, [ConsoleAdapter(panel, console)])
    for name, role in members:
        await panel.add_member(actor=Actor.operator(), name=name, role=role)
    return panel, sender


async def _do(console: Console, panel: Panel, sender: Sender, who: str, line: str) -> None:
    actor = await panel.actor_named(who)
    console.print(styled(f"**{actor.name}** ({panel.preset.role_label(actor.role)}) types: `{line}`"))
    reply = await run(panel, actor, line)
    for text in reply.lines:
        console.print(styled(f"  → {text}"), style=None if reply.ok else "red")
    await sender.flush()


def _say(console: Console, text: str) -> None:
    console.print()
    console.print(styled(text), style="italic")


async def _story(console: Console, engine, clock: SimClock) -> None:  # type: ignore[no-untyped-def]
    console.print(Rule("Salford: the virtual panel (quorum: any two members; the majority decides)"))
    panel, sender = await _setup(
        engine,
        "salford",
        clock,
        console,
        [("Ann", "independent_adviser"), ("Ben", "chair"), ("Cat", "deputy_chair"), ("Dev", "business_manager")],
    )
    _say(console, "The business manager files a referral. The subject is shown only as a category and a letter.")
    bm = await panel.actor_named("Dev")
    ref = await panel.file_referral(
        actor=bm,
        draft=ReferralDraft(
            referral_type="rapid_review",
            referrer="Children's Social Care",
            category="young_person",
            letter="C",
            summary="Serious injury at home; agencies involved for two years.",
        ),
    )
    await sender.flush()
    _say(console, "Two members vote. Quorum is met, but the other two could still make it 2-2, so voting stays open.")
    await _do(console, panel, sender, "Ann", f"vote {ref} commence_rapid_review")
    await _do(console, panel, sender, "Ben", f"vote {ref} commence_rapid_review")
    _say(console, "Nobody else votes. 48 hours pass (Salford 7.5) and the panel's deadline arrives.")
    clock.offset += datetime(2026, 11, 25, 10, 13, tzinfo=UTC) - START
    await panel.check_deadlines()
    await sender.flush()

    _say(console, "A second referral: the panel splits 2-2, a tie, so it goes to the Independent Adviser.")
    ref2 = await panel.file_referral(
        actor=bm,
        draft=ReferralDraft(
            referral_type="rapid_review",
            referrer="Greater Manchester Police",
            category="baby",
            letter="A",
            summary="Unexplained fracture.",
        ),
    )
    await sender.flush()
    await _do(console, panel, sender, "Ann", f"vote {ref2} commence_rapid_review")
    await _do(console, panel, sender, "Ben", f"vote {ref2} case_review")
    await _do(console, panel, sender, "Cat", f"vote {ref2} commence_rapid_review")
    await _do(console, panel, sender, "Dev", f"vote {ref2} case_review")
    _say(console, "The Independent Adviser decides, with a reason, and the record says who decided and why.")
    await _do(console, panel, sender, "Ann", f"decide {ref2} commence_rapid_review Thresholds are met")

    console.print()
    console.print(Rule("Dudley: one vote needed from each statutory partner"))
    dudley, dsender = await _setup(
        engine,
        "dudley",
        clock,
        console,
        [
            ("Lee", "local_authority"),
            ("Pat", "police"),
            ("Hana", "health"),
            ("Bea", "business_manager"),
            ("Ivan", "independent_chair"),
        ],
    )
    _say(console, "A Dudley SAR referral: the local authority and health vote; the card says who is still needed.")
    dbm = await dudley.actor_named("Bea")
    ref3 = await dudley.file_referral(
        actor=dbm,
        draft=ReferralDraft(
            referral_type="sar",  # a SAR referral is decided by the vote; a child's, at the rapid review meeting
            referrer="Adult Social Care",
            category="adult",
            letter="D",
            summary="Self-neglect concerns raised by the care provider.",
        ),
    )
    await dsender.flush()
    outcome = "sar"
    await _do(console, dudley, dsender, "Lee", f"vote {ref3} {outcome}")
    await _do(console, dudley, dsender, "Hana", f"vote {ref3} {outcome}")
    _say(console, "The business manager asks for the status of open referrals:")
    await _do(console, dudley, dsender, "Bea", "status")
