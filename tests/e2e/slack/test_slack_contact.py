"""On Slack, an agency contact the business manager registered can type `/panel returned REF AGENCY`, though
they are not on the panel: the slash command hands it to the shared command layer as a guest, which decides
(issue 17, point 2). A stranger typing the same is refused in the core's words and nothing changes."""

from __future__ import annotations

from sqlalchemy import select
from test_slack_voting import dudley  # noqa: E402  (the Slack test folder is on the path)

from bot.service import Actor
from flows.referrals import ReferralDraft
from storage.models import InfoRequest


async def returned_at(h) -> object:  # type: ignore[no-untyped-def]
    async with h.panel.uow() as uow:
        return (await uow.session.execute(select(InfoRequest.returned_at))).scalar_one()


async def test_a_registered_contact_types_returned_and_a_stranger_cannot(slack) -> None:
    h = await dudley(slack)
    ref = await h.panel.file_referral(actor=Actor.operator(), draft=ReferralDraft(
        referral_type="cspr", referrer="Police", category="young person", letter="C",
        summary="Injuries noticed at school"))
    await h.panel.send_requests(actor=Actor.operator(), reference=ref, agencies=["police"])
    await h.panel.add_contact(actor=Actor.operator(), agency="police", platform_id="slack:U0COPS")

    assert await h.slash("U0STRANGER", f"returned {ref} police") == 200
    await h.settle()
    assert "or the business manager can record its return, so nothing was changed" in h.said_to("U0STRANGER")
    assert await returned_at(h) is None

    assert await h.slash("U0COPS", f"returned {ref} police") == 200
    await h.settle()
    assert ref in h.said_to("U0COPS") and "nothing was changed" not in h.said_to("U0COPS")
    assert await returned_at(h) is not None
