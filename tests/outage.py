"""A database that fails at the worst moment: COMMIT raises what the driver raises when the server has gone
(`OperationalError`), until `back()`. Everything before the commit ran, so this is the case where a platform
must not be told "done" (issue 17: acknowledge only after commit)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bot.service import Actor, Panel
from flows.referrals import ReferralDraft
from storage import uow as uow_module
from storage.models import Disagreement

ALREADY = "That was already recorded; nothing more was changed."


class Outage:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.failed = 0
        self.down = True
        real = uow_module.UnitOfWork.commit

        async def commit(uow: uow_module.UnitOfWork) -> None:
            if self.down:
                self.failed += 1
                raise OperationalError("COMMIT", {}, ConnectionResetError("server closed the connection"))
            await real(uow)

        monkeypatch.setattr(uow_module.UnitOfWork, "commit", commit)

    def back(self) -> None:
        self.down = False


async def decided_salford_referral(panel: Panel) -> str:
    """A Salford referral the business manager has decided at once (7.5), so a disagreement can be recorded:
    a command that records something new each time it runs, unlike a vote or a hold."""
    draft = ReferralDraft(
        referral_type="rapid_review", referrer="Police", category="young person", letter="C",
        summary="Injuries seen at school; the family is known to services.",
    )
    reference = await panel.file_referral(actor=Actor.operator(), draft=draft)
    await panel.decide_now(actor=Actor.operator(), reference=reference, outcome="commence", reason="Clearly met.")
    return reference


async def disagreements(panel: Panel) -> int:
    async with panel.uow() as uow:
        return (await uow.session.execute(select(func.count()).select_from(Disagreement))).scalar_one()
