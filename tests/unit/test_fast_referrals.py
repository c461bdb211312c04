"""The business manager's decisions on a referral through the service on the in-memory record: deciding at
once, returning as incomplete and resubmitting, holding and resuming, withdrawing; and that only the business
manager may. The same rules and sentences as tests/test_service_referrals.py and tests/test_service_voting.py
(Salford 7.5: the BM may decide an obvious rapid review at once; incomplete referrals are resubmitted within 5
working days; Suffolk section 3: holds), without a database."""

from __future__ import annotations

from datetime import date

import pytest
from memory_panel import COMMENCE, CSPR, OP, actions, dudley, file, memory_panel, outbox, rows, salford, uk, vote

from flows.errors import InvalidInput, NotAllowed, WrongState
from flows.referrals import Status
from flows.views import card_lines
from storage.models import Ballot, Deadline

SUFFOLK = [("Lia", "local_authority"), ("Pol", "police"), ("Hal", "health"), ("Bea", "business_manager")]


async def card(panel, ref: str) -> str:
    return "\n".join(card_lines(await panel.card(ref), panel.cal))


async def test_the_bm_decides_an_obvious_rapid_review_at_once_and_the_panel_is_told(clock):
    panel = await salford(clock)
    ref = await file(panel)
    said = await panel.decide_now(actor=await panel.actor_named("Dee"), reference=ref, outcome=COMMENCE,
                                  reason="Child died; obvious rapid review")
    assert said == f"{ref} is decided: Commence rapid review. The panel has been told."
    text = await card(panel, ref)
    assert "**Decided: Commence rapid review** (Mon 23 Nov 2026, 10:12)" in text
    assert "Decided by the Business Manager (Dee). Reason: Child died; obvious rapid review" in text
    assert sorted(m.purpose for m in await outbox(panel, "decision")) == ["bm", "panel"]
    [ballot] = await rows(panel, Ballot)
    assert (ballot.close_reason, ballot.result_outcome) == ("decided_by_bm", COMMENCE)
    with pytest.raises(WrongState):
        await vote(panel, "Ben", ref, COMMENCE)


async def test_only_the_bm_decides_at_once_and_only_where_the_procedure_allows_it(clock):
    panel = await salford(clock)
    ref = await file(panel)
    with pytest.raises(NotAllowed) as refused:
        await panel.decide_now(actor=await panel.actor_named("Ben"), reference=ref, outcome=COMMENCE, reason="Obvious")
    assert str(refused.value) == "Only the business manager can decide a referral at once. Nothing was changed."
    with pytest.raises(InvalidInput):
        await panel.decide_now(actor=OP, reference=ref, outcome=COMMENCE, reason="  ")
    # Dudley: a SAR referral is decided by the panel's vote, never by the BM at once; a child's referral is
    # decided at the rapid review meeting ("The Rapid Review Meeting"), so the BM is pointed there.
    dudley_panel = await dudley(clock)
    sar = await file(dudley_panel, referral_type="sar")
    with pytest.raises(WrongState) as refused:
        await dudley_panel.decide_now(actor=OP, reference=sar, outcome="sar", reason="Obvious")
    assert str(refused.value) == (
        "The Dudley Safeguarding People Partnership procedure does not let the business manager decide at once; "
        "the panel votes.")
    child = await file(dudley_panel, letter="D", referral_type="cspr")
    with pytest.raises(WrongState) as refused:
        await dudley_panel.decide_now(actor=OP, reference=child, outcome=CSPR, reason="Obvious")
    assert str(refused.value) == (
        f"{child} is decided at the rapid review meeting, not by the business manager at once: record the meeting's "
        f"decision with `meeting held {child} ROLE... outcome OUTCOME`. Nothing was changed.")
    assert (await dudley_panel.card(sar)).open and (await dudley_panel.card(child)).open
    assert await outbox(dudley_panel, "decision") == []


async def test_a_panel_member_cannot_run_the_bm_s_commands(clock):
    panel = await salford(clock)
    ref = await file(panel)
    ben = await panel.actor_named("Ben")
    before = await actions(panel)
    for attempt, doing in (
        (panel.close_ballot(actor=ben, reference=ref), "close a vote"),
        (panel.escalate(actor=ben, reference=ref), "escalate a referral"),
        (panel.return_incomplete(actor=ben, reference=ref, missing="x"), "return a referral"),
        (panel.hold(actor=ben, reference=ref), "put a referral on hold"),
        (panel.withdraw(actor=ben, reference=ref, reason="x"), "withdraw a referral"),
    ):
        with pytest.raises(NotAllowed) as refused:
            await attempt
        assert str(refused.value) == f"Only the business manager can {doing}. Nothing was changed."
    assert await actions(panel) == before


async def test_the_bm_closes_voting_only_once_quorum_is_met(clock):
    panel = await salford(clock)
    ref = await file(panel)
    await vote(panel, "Ann", ref, COMMENCE)
    with pytest.raises(WrongState) as refused:
        await panel.close_ballot(actor=OP, reference=ref)
    assert str(refused.value).startswith(f"{ref} has no quorum yet (1 more vote needed), so voting cannot be closed.")
    await vote(panel, "Ben", ref, COMMENCE)
    assert await panel.close_ballot(actor=OP, reference=ref) == (
        f"Voting on {ref} is closed: decided: Commence rapid review."
    )


async def test_an_incomplete_referral_goes_back_and_returns_for_a_new_round(clock):
    panel = await salford(clock)
    ref = await file(panel)
    await vote(panel, "Ann", ref, COMMENCE)
    said = await panel.return_incomplete(actor=OP, reference=ref, missing="Health chronology not attached")
    # Salford 7.5: the information requests wait for the resubmission (issue 21, section 4).
    assert said == (
        f"{ref} is returned as incomplete. Stopped until it is resubmitted: Agency summary and chronology requests "
        "sent."
    )
    text = await card(panel, ref)
    assert "Returned as incomplete. Missing: Health chronology not attached" in text
    assert "Next: Incomplete referral resubmitted by **Mon 30 Nov 2026, 17:00**" in text
    [status] = await panel.status()
    assert status.waiting_for == "resubmission by Children's Social Care"
    with pytest.raises(WrongState):
        await vote(panel, "Ben", ref, COMMENCE)

    clock.set(uk("2026-11-26T14:30"))
    assert await panel.resubmit(actor=OP, reference=ref) == (
        f"{ref} is resubmitted and back with the panel. Started again: Agency summary and chronology requests sent: "
        "due Mon 30 Nov 2026, 17:00."
    )
    text = await card(panel, ref)
    assert "Panel decision due **Sat 28 Nov 2026, 14:30** (48 hours)" in text
    assert "Independent Adviser (Ann): –" in text  # the round-1 vote does not carry over
    assert [(b.round, b.closed_at is None) for b in await rows(panel, Ballot)] == [(1, False), (2, True)]
    with pytest.raises(WrongState):
        await panel.resubmit(actor=OP, reference=ref)


async def test_a_hold_pauses_voting_and_its_end_date_releases_it(clock):
    panel = await memory_panel("suffolk", clock, SUFFOLK)
    ref = await file(panel)
    with pytest.raises(InvalidInput):
        await panel.hold(actor=OP, reference=ref, until=date(2026, 11, 23))
    said = await panel.hold(actor=OP, reference=ref, until=date(2026, 12, 1), reason="Court hearing pending")
    assert said == f"{ref} is on hold until Tue 1 Dec 2026."
    with pytest.raises(WrongState) as refused:
        await vote(panel, "Lia", ref, "partnership_review")
    assert str(refused.value) == f"{ref} is on hold, so voting is paused. Your vote was not recorded."
    clock.set(uk("2026-11-30T23:59"))
    assert await panel.release_holds() == []
    clock.set(uk("2026-12-01T00:01"))
    assert await panel.release_holds() == [ref]
    assert "Panel decision due **Thu 24 Dec 2026, 17:00** (its monthly panel)" in await card(panel, ref)
    assert [m.body["text"] for m in await outbox(panel, "notice") if m.purpose == "bm"] == [
        f"{ref} · Young Person C: the hold has ended and it is back with the panel."
    ]
    assert await panel.release_holds() == []


async def test_withdrawing_cancels_every_open_deadline(clock):
    panel = await salford(clock)
    ref = await file(panel)
    said = await panel.withdraw(actor=OP, reference=ref, reason="Sent to us in error")
    assert said == f"{ref} is withdrawn; its open deadlines are cancelled."
    deadlines = await rows(panel, Deadline)
    assert deadlines and all(d.cancelled_at is not None for d in deadlines)
    assert (await panel.card(ref)).status == Status.WITHDRAWN
    assert await panel.status() == []
    clock.set(uk("2027-01-04T10:00"))
    assert await panel.overdue() == []
