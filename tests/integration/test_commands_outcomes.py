"""Naming an outcome in `vote` and `decide` (issue 18, point 1): the longest outcome id or label is matched
first, so a multi-word outcome is never cut into a short form and a "reason"; an outcome the procedure gives
only with a reason is refused, with the usage line, when no reason is left."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.commands import run
from bot.service import Actor
from flows.referrals import ReferralDraft
from storage.models import AuditEntry, Vote


async def dudley(make_panel):  # type: ignore[no-untyped-def]
    panel = await make_panel("dudley")
    for name, role in (("Lee", "local_authority"), ("Pat", "police"), ("Hana", "health"), ("Bo", "business_manager")):
        await panel.add_member(actor=Actor.operator(), name=name, role=role)
    ref = await panel.file_referral(actor=Actor.operator(), draft=ReferralDraft(
        referral_type="cspr", referrer="Police", category="young_person", letter="B",
        summary="Injuries found at home; agencies were involved."))
    return panel, ref


async def votes(panel) -> list[tuple[str | None, str | None]]:  # type: ignore[no-untyped-def]
    async with panel.uow() as uow:
        return [(v.outcome, v.reason) for v in (await uow.session.execute(select(Vote).order_by(Vote.id))).scalars()]


async def test_a_multi_word_outcome_needing_a_reason_is_not_read_as_a_short_form_and_a_reason(make_panel) -> None:  # type: ignore[no-untyped-def]
    panel, ref = await dudley(make_panel)
    lee = await panel.actor_named("Lee")
    async with panel.uow() as uow:
        entries = (await uow.session.execute(select(func.count()).select_from(AuditEntry))).scalar_one()

    for line in (f"vote {ref} no review", f"vote {ref} No review required", f'vote {ref} "no review"',
                 f"vote {ref} no_review"):
        reply = await run(panel, lee, line)
        assert not reply.ok, line
        assert reply.lines == [f'"No review required" needs a reason: `vote {ref} no_review REASON`. '
                               "Nothing was recorded."], line
    assert await votes(panel) == []
    async with panel.uow() as uow:
        assert (await uow.session.execute(select(func.count()).select_from(AuditEntry))).scalar_one() == entries

    reply = await run(panel, lee, f"vote {ref} no review the threshold is not met")
    assert reply.ok, reply.lines
    assert await votes(panel) == [("no_review", "the threshold is not met")]


async def test_a_label_typed_in_full_and_a_short_form_still_work(make_panel) -> None:  # type: ignore[no-untyped-def]
    panel, ref = await dudley(make_panel)
    pat, hana = await panel.actor_named("Pat"), await panel.actor_named("Hana")
    assert (await run(panel, pat, f"vote {ref} Undertake a child safeguarding practice review clear harm")).ok
    assert (await run(panel, hana, f"vote {ref} alt learning from a table top")).ok  # `alt`: one id starts so
    assert await votes(panel) == [("cspr", "clear harm"), ("alternative_review", "learning from a table top")]


async def test_decide_needs_its_reason_after_a_multi_word_outcome(make_panel) -> None:  # type: ignore[no-untyped-def]
    panel, ref = await dudley(make_panel)
    bo = await panel.actor_named("Bo")
    reply = await run(panel, bo, f"decide {ref} no review")
    # A decision always gives its reason: the person is asked for it (each platform asks in its own way), and
    # the outcome asked about is the whole of "no review", not "no" with the reason "review".
    assert reply.ask is not None and not reply.lines
    assert reply.ask.command == f"decide {ref} no_review"
    assert reply.ask.intro == (f"**{ref}**: decide **No review required**.",)
    assert (reply.ask.label, reply.ask.button) == ("The reason for the decision", "Decide")
    refused = await run(panel, bo, f"decide {ref} nonsense")
    assert not refused.ok and refused.ask is None and '"nonsense" is not an outcome' in refused.lines[0]
