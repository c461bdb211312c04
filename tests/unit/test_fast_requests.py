"""Information requests and their returns through the service on the in-memory record (Salford 7.7: agency
returns within 5 working days). Who may mark a return made: the agency (its button on the message the bot
delivered to its channel, or a contact the business manager registered) or the business manager, no one else.
The same sentences as tests/test_reminders.py, tests/test_agency_contacts.py and tests/test_return_origin.py,
without a database."""

from __future__ import annotations

from datetime import date

import pytest
from memory_panel import OP, actions, memory_panel, outbox, rows, uk

from bot.service import Actor
from flows.errors import InvalidInput, NotAllowed, WrongState
from flows.referrals import ReferralDraft
from flows.returns import Origin
from storage.models import AgencyMessage, Deadline, InfoRequest

POLICE = "Greater Manchester Police"
THANKS = "Thank you: Greater Manchester Police's return for {ref} is recorded. No more reminders."
REFUSED = (
    "Only Greater Manchester Police (its button in its own channel, or a contact the business manager registered) "
    "or the business manager can record its return, so nothing was changed."
)


async def requested(clock):  # type: ignore[no-untyped-def]
    """Salford, a referral filed on Thu 24 Dec 2026 and a request sent to the police: due Tue 5 Jan 2027."""
    clock.set(uk("2026-12-24T10:00"))
    panel = await memory_panel("salford", clock, [("Dee", "business_manager"), ("Pat", "police")])
    draft = ReferralDraft(referral_type=panel.preset.referral_types[0].id, referrer="Health visitor",
                          category="baby", letter="A", summary="Fracture found at a routine check.")
    ref = await panel.file_referral(actor=OP, draft=draft)
    [line] = await panel.send_requests(actor=OP, reference=ref, agencies=["police"])
    assert line == (
        f"{POLICE}: requested, due Tue 5 Jan 2027, 17:00. No channel is set for police yet: set one with "
        "`panelbot channel set agency:police --id PLATFORM:ID` so the request reaches them."
    )
    return panel, ref


async def return_deadline(panel) -> Deadline:  # type: ignore[no-untyped-def]
    [row] = [d for d in await rows(panel, Deadline) if d.clock_id == "agency_return"]
    return row


async def test_a_request_goes_to_the_agency_with_its_button_and_is_not_sent_twice(clock):
    panel, ref = await requested(clock)
    [message] = await outbox(panel, "request")
    assert message.purpose == "agency:police"
    assert "Please send" in message.body["text"] and "by **Tue 5 Jan 2027, 17:00**" in message.body["text"]
    assert message.body["actions"] == [
        {"label": "Mark as returned", "command": f"returned {ref} police", "style": "primary"}
    ]
    again = await panel.send_requests(actor=OP, reference=ref, agencies=["police"])
    assert again == [f"{POLICE}: a request is already open; nothing sent again."]
    assert len(await rows(panel, InfoRequest)) == 1


async def test_request_refusals_change_nothing(clock):
    panel, ref = await requested(clock)
    before = await actions(panel)
    with pytest.raises(InvalidInput, match='"fire brigade" is not an agency this partnership sends requests to'):
        await panel.send_requests(actor=OP, reference=ref, agencies=["fire brigade"])
    with pytest.raises(NotAllowed, match="Only the business manager can send information requests"):
        await panel.send_requests(actor=await panel.actor_named("Pat"), reference=ref, agencies=["health"])
    assert await actions(panel) == before


async def test_the_bm_marks_a_return_and_its_reminders_stop(clock):
    panel, ref = await requested(clock)
    clock.set(uk("2027-01-06T11:00"))  # a working day late
    assert await panel.mark_returned(actor=OP, reference=ref, agency="police") == THANKS.format(ref=ref)
    deadline = await return_deadline(panel)
    assert deadline.done_at is not None and deadline.next_reminder_at is None
    assert [m.body["text"] for m in await outbox(panel, "notice") if m.purpose == "bm"][-1] == (
        f"{POLICE} has returned its information for {ref} · Baby A, 1 working day late."
    )
    again = await panel.mark_returned(actor=OP, reference=ref, agency="police")
    assert again.startswith(f"{POLICE}'s return for {ref} was already recorded on Wed 6 Jan 2027, 11:00")


async def test_a_panel_member_of_the_agency_or_a_stranger_cannot_mark_its_return(clock):
    panel, ref = await requested(clock)
    for who in (await panel.actor_named("Pat"), Actor.guest("slack", "U0STRANGER")):
        with pytest.raises(NotAllowed) as refused:
            await panel.mark_returned(actor=who, reference=ref, agency="police")
        assert str(refused.value) == REFUSED
    assert (await return_deadline(panel)).done_at is None


async def test_a_contact_the_bm_registers_may_mark_it_from_anywhere(clock):
    panel, ref = await requested(clock)
    chosen, account = await panel.add_contact(actor=OP, agency="agency:police", platform_id="slack:U0CONTACT")
    assert (chosen.label, account) == (POLICE, "slack:U0CONTACT")
    with pytest.raises(InvalidInput):
        await panel.add_contact(actor=OP, agency="police", platform_id="slack:U0CONTACT")
    said = await panel.mark_returned(actor=Actor.guest("slack", "U0CONTACT"), reference=ref, agency="police")
    assert said == THANKS.format(ref=ref)


async def test_the_button_counts_only_on_the_message_the_bot_delivered_to_the_agency(clock):
    panel, ref = await requested(clock)
    [referral_id] = {m.referral_id for m in await outbox(panel, "request")}
    async with panel.uow() as uow:  # the outbox delivered the request to the police channel
        await uow.agency_messages.add(AgencyMessage(partnership_id=1, referral_id=referral_id, agency="police",
                                                    platform="slack", channel="C0POLICE", message_id="111.1",
                                                    delivered_at=clock()))
        await uow.commit()
    someone = Actor.guest("slack", "U0SOMEONE")
    with pytest.raises(NotAllowed) as refused:  # the same message id, pressed from another chat
        await panel.mark_returned(actor=someone, reference=ref, agency="police",
                                  origin=Origin("slack", "D0ELSEWHERE", "111.1"))
    assert str(refused.value) == REFUSED
    said = await panel.mark_returned(actor=someone, reference=ref, agency="police",
                                     origin=Origin("slack", "C0POLICE", "111.1"))
    assert said == THANKS.format(ref=ref)
    async with panel.uow() as uow:
        [entry] = [e for e in await uow.records.audit_log() if e.action == "request_returned"]
    assert (entry.payload["via"], entry.payload["channel"]) == ("agency_channel", "slack:C0POLICE")


async def test_an_extension_moves_the_due_date_and_restarts_reminders(clock):
    panel, ref = await requested(clock)
    reply = await panel.extend_request(actor=OP, reference=ref, agency="police", until=date(2027, 1, 12),
                                       reason="records held in archive")
    assert reply == f"{POLICE}'s return for {ref} is now due Tue 12 Jan 2027, 17:00."
    assert [line.due_at for line in await panel.list_requests(ref)] == [uk("2027-01-12T17:00")]
    await panel.mark_returned(actor=OP, reference=ref, agency="police")
    with pytest.raises(WrongState):
        await panel.extend_request(actor=OP, reference=ref, agency="police", until=date(2027, 1, 20), reason="x")
