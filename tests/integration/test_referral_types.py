"""A referral is only offered what applies to its type (issue 18, point 1), through the real `Panel` service and
every platform's card: a Dudley safeguarding adults review (SAR) referral is never offered a child safeguarding
practice review, a vote or decision for an outcome of the other pathway is refused, and its information
request asks for the SAR scoping, not the children's Rapid Review template."""

from __future__ import annotations

import io
import json

from rich.console import Console
from sqlalchemy import func, select

from bot.commands import run
from bot.console.render import card_panel
from bot.service import Actor
from bot.slack.blocks import card_blocks
from bot.teams.cards import referral_card
from bot.telegram.render import card_keyboard
from flows.referrals import ReferralDraft
from storage.models import AuditEntry, InfoRequest, OutboxMessage, Vote

CSPR_LABEL = "Undertake a child safeguarding practice review"
SAR_LABEL = "Recommend a safeguarding adults review to the Independent Chair"


async def dudley(make_panel, referral_type: str):  # type: ignore[no-untyped-def]
    panel = await make_panel("dudley")
    for name, role in (("Lee", "local_authority"), ("Pat", "police"), ("Hana", "health"),
                       ("Bo", "business_manager"), ("Ida", "independent_chair")):
        await panel.add_member(actor=Actor.operator(), name=name, role=role)
    ref = await panel.file_referral(actor=Actor.operator(), draft=ReferralDraft(
        referral_type=referral_type, referrer="Adult Social Care", category="adult", letter="E",
        summary="Died after a fall at home; carers had raised concerns."))
    return panel, ref


async def rows(panel, model) -> int:  # type: ignore[no-untyped-def]
    async with panel.uow() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_a_sar_card_offers_only_sar_outcomes_on_every_platform(make_panel) -> None:  # type: ignore[no-untyped-def]
    panel, ref = await dudley(make_panel, "sar")
    card = await panel.card(ref)
    assert [label for _, label in card.outcomes] == [
        "No review required", SAR_LABEL, "Incomplete referral: returned to the sender"
    ]
    buffer = io.StringIO()
    Console(file=buffer, width=400, color_system=None).print(card_panel(card, panel.cal))
    shown = {
        "terminal": buffer.getvalue(),
        "slack": json.dumps(card_blocks(card, panel.cal)),
        "telegram": json.dumps(card_keyboard(card).to_dict()),
        "teams": json.dumps(referral_card(card, panel.cal)),
    }
    for platform, text in shown.items():
        assert SAR_LABEL in text, platform
        assert CSPR_LABEL not in text, platform
        assert "alternative learning review" not in text, platform

    child = await panel.card(await dudley_child(panel))
    assert [oid for oid, _ in child.outcomes] == ["cspr", "alternative_review", "no_review"]


async def dudley_child(panel) -> str:  # type: ignore[no-untyped-def]
    return await panel.file_referral(actor=Actor.operator(), draft=ReferralDraft(
        referral_type="cspr", referrer="Police", category="young_person", letter="F",
        summary="Injuries found at home; agencies were involved."))


async def test_a_vote_or_decision_for_the_other_pathway_is_refused(make_panel) -> None:  # type: ignore[no-untyped-def]
    panel, ref = await dudley(make_panel, "sar")
    lee = await panel.actor_named("Lee")
    entries = await rows(panel, AuditEntry)
    for line in (f"vote {ref} cspr", f"vote {ref} {CSPR_LABEL}", f"vote {ref} alternative_review a table top"):
        reply = await run(panel, lee, line)
        assert not reply.ok, line
        assert reply.lines[0].startswith('"')
        assert "is not an outcome for a safeguarding adults review referral; choose one of: no_review (No review " \
               f"required), sar ({SAR_LABEL}), incomplete_referral" in reply.lines[0], reply.lines
        assert reply.lines[0].endswith("Nothing was recorded.")
    assert await rows(panel, Vote) == 0
    assert await rows(panel, AuditEntry) == entries

    assert (await run(panel, lee, f"vote {ref} sar meets the criteria")).ok
    # A split panel passes it to the Independent Chair, who is offered (and may choose) only SAR outcomes.
    await run(panel, await panel.actor_named("Pat"), f"vote {ref} no review single-agency learning only")
    await run(panel, await panel.actor_named("Hana"), f"vote {ref} incomplete_referral no chronology")
    assert (await panel.card(ref)).status == "escalated"
    async with panel.uow() as uow:
        to_chair = [m.body for m in (await uow.session.execute(select(OutboxMessage))).scalars()
                    if m.purpose.startswith("member:") and m.body.get("actions")]
    assert [a["label"] for a in to_chair[-1]["actions"]] == [
        "No review required", SAR_LABEL, "Incomplete referral: returned to the sender"
    ]
    ida = await panel.actor_named("Ida")
    reply = await run(panel, ida, f"decide {ref} cspr a practice review is needed")
    assert not reply.ok
    assert "is not an outcome for a safeguarding adults review referral" in reply.lines[0]
    assert (await panel.card(ref)).status == "escalated"
    assert (await run(panel, ida, f"decide {ref} sar the criteria are met")).ok


async def test_a_sar_request_asks_for_the_sar_scoping(make_panel) -> None:  # type: ignore[no-untyped-def]
    panel, ref = await dudley(make_panel, "sar")
    child = await dudley_child(panel)
    await panel.send_requests(actor=Actor.operator(), reference=ref, agencies=["police"])
    await panel.send_requests(actor=Actor.operator(), reference=child, agencies=["police"])
    async with panel.uow() as uow:
        asked = [r.asked for r in (await uow.session.execute(select(InfoRequest).order_by(InfoRequest.id))).scalars()]
        told = [m.body["text"] for m in (await uow.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)))
                .scalars() if m.purpose == "agency:police"]
    assert asked[0] == "the SAR scoping information: your agency's involvement with the adult (SAR rapid review)"
    assert "Rapid Reviews" in asked[1]
    assert "Please send the SAR scoping information" in told[0]
    assert "initial scoping and information sharing template (Rapid Reviews)" not in told[0]
    assert "initial scoping and information sharing template (Rapid Reviews)" in told[1]
