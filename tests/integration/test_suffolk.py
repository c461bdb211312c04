"""Suffolk's monthly panel (suffolk-practice-review-guidance-2021.txt, section 4): the panel meets on the
25th; a referral received after the 15th goes to the next month's panel; every case on hold comes back at
each panel meeting."""

from datetime import UTC, datetime

from bot.service import Actor
from flows.referrals import ReferralDraft


def draft() -> ReferralDraft:
    return ReferralDraft(referral_type="child", referrer="Police", category="baby", letter="A",
                         summary="Injury reported by the health visitor.")


async def test_referral_after_the_15th_goes_to_next_months_panel(make_panel, clock):
    """Received Mon 16 Nov 2026: the November cut-off has passed, so December's panel. 25 Dec 2026 is
    Christmas Day, so the meeting is the last working day before it, Thu 24 Dec 2026."""
    clock.set(datetime(2026, 11, 16, 10, 0, tzinfo=UTC))
    panel = await make_panel("suffolk")
    ref = await panel.file_referral(actor=Actor.operator(), draft=draft())
    card = await panel.card(ref)
    assert panel.fmt(card.deadline) == "Thu 24 Dec 2026, 17:00"
    assert card.deadline_rule == "its monthly panel"


async def test_referral_before_the_cut_off_goes_to_this_months_panel(make_panel, clock):
    clock.set(datetime(2026, 11, 10, 10, 0, tzinfo=UTC))
    panel = await make_panel("suffolk")
    ref = await panel.file_referral(actor=Actor.operator(), draft=draft())
    assert panel.fmt((await panel.card(ref)).deadline) == "Wed 25 Nov 2026, 17:00"


async def test_held_cases_are_listed_on_the_panel_day_once(make_panel, clock):
    clock.set(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))
    panel = await make_panel("suffolk")
    ref = await panel.file_referral(actor=Actor.operator(), draft=draft())
    await panel.hold(actor=Actor.operator(), reference=ref, reason="awaiting the post-mortem")
    clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    assert await panel.hold_agenda() == []  # not the panel's day yet
    clock.set(datetime(2026, 11, 25, 9, 30, tzinfo=UTC))
    assert await panel.hold_agenda() == [ref]
    assert await panel.hold_agenda() == []  # once per meeting
    clock.set(datetime(2026, 12, 24, 9, 30, tzinfo=UTC))  # December's panel, moved off Christmas Day
    assert await panel.hold_agenda() == [ref]


async def test_no_agenda_for_a_partnership_without_a_monthly_panel(make_panel):
    panel = await make_panel("salford")
    assert await panel.hold_agenda() == []
