"""Every message uses the running partnership's words (issue 18, section 3).

Under each of the five presets: the help of every platform (the shared `help`, the terminal's, Slack's,
Teams', Telegram's help and command menu), the usage refusal of every command, and the report (the terminal
table of `panelbot report`, the Markdown and the chat lines) over a period with referrals of every type,
decisions, a disagreement and missed deadlines. None of it may name another partnership or use another's
reference prefix: a Dudley business manager reads `DUD-2026-014`, not `SAL-2026-014`, and no "Salford 10.3".
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from rich.console import Console

import bot.cli
from bot.commands import COMMANDS, run
from bot.commands.wording import IDIOMS, PLAIN
from bot.reports import tables
from bot.service import Actor
from bot.telegram.handlers import bot_commands
from flows.preset import load_preset
from flows.referrals import ReferralDraft
from flows.reports import parse_period

OP = Actor.operator()
PRESETS = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "flows" / "presets").glob("*.toml"))


def foreign_words(preset_id: str) -> list[str]:
    """The other partnerships' names ("Salford") and reference prefixes ("SAL-")."""
    out = []
    for other in PRESETS:
        if other == preset_id:
            continue
        p = load_preset(other)
        out += [p.name.split()[0], f"{p.reference_prefix}-"]
    return out


def assert_own_words(preset_id: str, where: str, text: str) -> None:
    for word in foreign_words(preset_id):
        found = re.search(rf"(?<![A-Za-z]){re.escape(word)}", text)
        context = text[max(0, found.start() - 80):found.end() + 80] if found else ""
        assert found is None, f"{where} of {preset_id} says {word!r}: …{context}…"


def test_there_are_five_presets() -> None:
    assert PRESETS == ["dudley", "kirklees", "salford", "stockport", "suffolk"]


@pytest.mark.parametrize("preset_id", PRESETS)
async def test_help_and_usage_lines_use_the_partnerships_own_references(make_panel, preset_id: str) -> None:
    panel = await make_panel(preset_id)
    prefix = panel.preset.reference_prefix

    for idiom in (PLAIN, *IDIOMS.values()):  # the help as each platform writes it
        shown = "\n".join((await run(panel, OP, "help", idiom=idiom)).lines)
        assert f"such as {prefix}-2026-014" in shown
        assert f"For example `{idiom.prefix}vote {prefix}-2026-001 commence`" in shown
        assert_own_words(preset_id, f"{idiom.name or 'the shared'} help", shown)
    telegram = "\n".join(f"{c.command}: {c.description}" for c in bot_commands())
    assert_own_words(preset_id, "Telegram's command menu", telegram)

    for name, cmd in COMMANDS.items():
        if cmd.min_args:
            refusal = await run(panel, OP, name)
            assert not refusal.ok and refusal.lines[0].startswith(f"Usage: `{cmd.usage}`"), (name, refusal.lines)
            assert_own_words(preset_id, f"`{name}`'s usage refusal", "\n".join(refusal.lines))
        assert_own_words(preset_id, f"`{name}`'s usage line", cmd.usage_line(panel.preset))
    assert f"`hold {prefix}-2026-003 until 2027-01-25`" in COMMANDS["hold"].usage_line(panel.preset)

    # A refusal that gives an example of a reference gives one of this partnership's.
    wrong = await run(panel, OP, "show 14")
    assert wrong.lines == [f'"14" is not a referral reference; they look like {prefix}-2026-014.']


async def seed(panel, clock) -> None:  # type: ignore[no-untyped-def]
    """One member per role; one referral of each type, escalated and decided by the chair with a reason (where
    a meeting decides, decided at it; where the business manager decides after the views, by them), one
    disagreement, information requests out to two agencies; then a month passes, so deadlines are missed."""
    p = panel.preset
    for i, role in enumerate(p.roles):
        await panel.add_member(actor=OP, name=f"Member{chr(65 + i)}", role=role.id)
    chair = next(m for m in await panel.list_members() if m.role == p.tie_break_role)
    chair_actor = await panel.actor_named(chair.name)
    references = []
    for i, kind in enumerate(p.referral_types):
        draft = ReferralDraft(referral_type=kind.id, referrer="School", category="young_person", letter=chr(65 + i),
                              summary="Injuries seen at school over a month.", themes=list(p.themes[:1]))
        references.append(await panel.file_referral(actor=OP, draft=draft))
    for ref, kind in zip(references, p.referral_types, strict=True):
        if p.stage_for(kind.id).by == "bm_after_views":  # type: ignore[union-attr]  # Stockport: no escalation
            clock.advance(days=10)  # past the decision deadline: the business manager decides without every view
            await panel.decide_now(actor=OP, reference=ref, outcome=p.outcomes_for(kind.id)[0].id,
                                   reason="The criteria are met")
            continue
        if p.stage_for(kind.id).by == "meeting":  # type: ignore[union-attr]  # Dudley's child: the meeting decides
            await panel.schedule_meeting(actor=OP, reference=ref, at=clock.now + timedelta(days=10))
            clock.advance(days=10, hours=1)
            await panel.meeting_held(actor=OP, reference=ref, roles=[r.id for r in p.roles if r.statutory],
                                     outcome=p.outcomes_for(kind.id)[0].id, reason="The criteria are met")
            continue
        await panel.escalate(actor=OP, reference=ref)
        await panel.chair_decide(actor=chair_actor, reference=ref, outcome=p.outcomes_for(kind.id)[0].id,
                                 reason="The criteria are met")
    await panel.record_disagreement(actor=OP, reference=references[0], party="referrer", reason="They see it otherwise")
    if any(c.id == "agency_return" for c in p.clocks):
        await panel.send_requests(actor=OP, reference=references[0], agencies=[a.id for a in p.agencies[:2]])
    clock.advance(days=40)


@pytest.mark.parametrize("preset_id", PRESETS)
async def test_the_report_uses_the_partnerships_own_words(make_panel, clock, preset_id, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    panel = await make_panel(preset_id)
    await seed(panel, clock)
    report = await panel.report(parse_period("2026-11-01..2027-01-31", today=clock.now.date() + timedelta(days=1)))
    assert report.received == len(panel.preset.referral_types)

    buffer = io.StringIO()
    monkeypatch.setattr(bot.cli.common, "out", Console(file=buffer, width=200, color_system=None))
    bot.cli._show_report(report, panel.preset, panel.cal, "table", None)
    table = buffer.getvalue()
    assert "Referrals by type" in table and "Timeliness by clock" in table and "Missed deadlines" in table
    assert_own_words(preset_id, "the report's table", table)

    md = tables.markdown(report, panel.preset, panel.cal)
    assert "## Disagreements, one by one" in md
    assert_own_words(preset_id, "the report's Markdown", md)

    chat = "\n".join(tables.chat_lines(report, panel.preset, panel.cal))
    assert_own_words(preset_id, "the report in chat", chat)
    if preset_id == "salford":  # Salford's own report still cites Salford's rules
        assert "## Referrals by type (Salford 10.3 (a))" in md
