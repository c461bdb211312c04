"""The meeting form's rules (issue 21, section 1), with no platform: its fields as one question at a time and as a
whole form, a refusal sent back to the answer it is about, and what `meeting schedule REF` answers and `forms.submit`
does on the in-memory record. The platforms themselves: tests/e2e/test_meeting_form.py.

Dudley: filed Mon 14 Dec 2026; its rapid review meeting's window is Wed 23 Dec 2026 to Tue 5 Jan 2027."""

from __future__ import annotations

from datetime import date

import pytest
from memory_panel import actions, dudley, file, uk

from bot.commands import forms, run
from flows.errors import InvalidInput, NotAllowed, PanelError
from flows.intake import Ask, Interview, Review, parse_time, referral_form
from flows.meetings import cancel_form, move_form, schedule_form
from flows.preset import load_preset

TODAY = date(2026, 12, 14)
FORM = schedule_form("DUD-2026-001", "Young Person C")


def fmt(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def test_the_form_is_asked_one_question_at_a_time_and_checked_as_it_goes() -> None:
    interview = Interview(load_preset("dudley"), form=FORM)
    step = interview.step(fmt)
    assert isinstance(step, Ask) and step.field.key == "date"
    step = interview.give("30/12/2026", today=TODAY, fmt_date=fmt)  # as the typed command reads it
    assert isinstance(step, Ask) and step.field.key == "time"
    step = interview.give("ten", today=TODAY, fmt_date=fmt)
    assert isinstance(step, Ask) and step.problem == '"ten" is not a time of day; write it like 10:00 or 14:30.'
    step = interview.give("9:30", today=TODAY, fmt_date=fmt)
    assert isinstance(step, Ask) and step.field.key == "place"
    step = interview.give("Room 2, born 03/04/2015", today=TODAY, fmt_date=fmt)
    assert isinstance(step, Ask) and step.field.key == "place"
    assert step.problem == ("The place looks like it contains a date of birth, which is not repeated here. Please "
                            "remove it; nothing was saved.")
    interview.give("None", today=TODAY, fmt_date=fmt)
    step = interview.give("skip", today=TODAY, fmt_date=fmt)
    assert isinstance(step, Review) and step.lines == ["Day: Wed 30 Dec 2026", "Time: 09:30"]
    assert interview.answers == {"date": "2026-12-30", "time": "09:30", "place": None, "override": None}

    # Sent and refused at the day (outside the window): the day is asked again with the refusal, and the reason
    # left blank after it too; the time is kept.
    step = interview.reopen("date", "Tue 22 Dec 2026 is before the window.", fmt)
    assert isinstance(step, Ask) and (step.field.key, step.problem) == ("date", "Tue 22 Dec 2026 is before the window.")
    interview.give("2026-12-22", today=TODAY, fmt_date=fmt)
    assert interview.current() is not None and interview.current().key == "place"  # type: ignore[union-attr]
    assert interview.answers["time"] == "09:30"


def test_a_whole_form_is_checked_at_once_and_screened_as_the_typed_command_is() -> None:
    preset = load_preset("dudley")
    check = FORM.check(preset, {"date": "2026-12-30", "time": "25:00", "place": "dob 1 January 2001",
                                "override": ""}, today=TODAY)
    assert set(check.errors) == {"time", "place"}
    assert "1 January 2001" not in check.errors["place"]
    # A place is screened for dates of birth, postcodes and NHS numbers, as the typed command screens it; not
    # for names (a room named after someone is a place).
    check = FORM.check(preset, {"date": "2026-12-30", "time": "10:00", "place": "Mary Seacole House, Room 2"},
                       today=TODAY)
    assert check.ok and check.answers["place"] == "Mary Seacole House, Room 2"
    assert parse_time("14:05").isoformat() == "14:05:00"
    with pytest.raises(InvalidInput):
        parse_time("2pm")


def test_a_form_is_known_again_from_what_a_platform_kept() -> None:
    preset = load_preset("dudley")
    assert forms.form_from(preset, FORM.data()) == FORM
    assert forms.form_from(preset, None) == referral_form(preset)  # kept before there were other forms
    assert forms.form_from(preset, {"form": "meeting", "reference": "not a reference", "subject": ""}) is None
    assert forms.form_from(preset, {"form": "something else"}) is None
    assert forms.form_from(preset, "meeting") is None


async def test_the_command_opens_the_form_for_the_business_manager_only(clock) -> None:
    clock.set(uk("2026-12-14T10:00"))
    panel = await dudley(clock)
    ref = await file(panel)
    reply = await run(panel, await panel.actor_named("Bob"), f"meeting schedule {ref}")
    assert reply.ok and reply.form == schedule_form(ref, "Young Person C")
    reply = await run(panel, await panel.actor_named("Pol"), f"meeting schedule {ref}")
    assert not reply.ok and reply.form is None
    assert reply.lines == ["Only the business manager can schedule meetings. Nothing was changed."]
    reply = await run(panel, await panel.actor_named("Bob"), "meeting schedule DUD-2026-999")
    assert not reply.ok and reply.form is None


async def test_the_answers_go_through_the_typed_commands_call(clock) -> None:
    clock.set(uk("2026-12-14T10:00"))
    panel = await dudley(clock)
    ref = await file(panel)
    form = schedule_form(ref, "Young Person C")
    bob, pol = await panel.actor_named("Bob"), await panel.actor_named("Pol")
    with pytest.raises(NotAllowed):
        await forms.submit(panel, pol, form, {"date": "2026-12-30", "time": "10:00"})
    with pytest.raises(InvalidInput) as refused:
        await forms.submit(panel, bob, form, {"date": "2026-12-22", "time": "10:00"})
    assert forms.refused_field(form, refused.value) == "date"
    assert refused.value.beside.endswith("Tue 22 Dec 2026 is before the window. Choose a day inside it, or keep "
                                         "this one and give the reason for holding it then. Nothing was scheduled.")
    assert "meeting_scheduled" not in await actions(panel)
    with pytest.raises(InvalidInput) as refused:
        await forms.submit(panel, bob, form, {"date": "2026-12-10", "time": "10:00"})
    assert forms.refused_field(form, refused.value) == "date" and "must be in the future" in str(refused.value)
    reply = await forms.submit(panel, bob, form, {"date": "2026-12-22", "time": "10:00", "place": "Room 2",
                                                  "override": "the chair is away from 23 Dec"})
    assert reply.lines[0] == f"The rapid review meeting for {ref} is scheduled for Tue 22 Dec 2026, 10:00, Room 2."
    assert "meeting_scheduled" in await actions(panel)
    # A refusal of the whole form names no field: a platform says it as a message.
    with pytest.raises(PanelError) as again:
        await forms.submit(panel, bob, form, {"date": "2026-12-30", "time": "10:00"})
    assert forms.refused_field(form, again.value) is None and "already scheduled" in str(again.value)


# Moving and cancelling the meeting through a form (`meeting move REF`, `meeting cancel REF` with nothing more) ------


async def test_move_and_cancel_open_their_forms_for_the_business_manager_only(clock) -> None:
    clock.set(uk("2026-12-14T10:00"))
    panel = await dudley(clock)
    ref = await file(panel)
    bob, pol = await panel.actor_named("Bob"), await panel.actor_named("Pol")
    # No meeting scheduled yet: one sentence, no form.
    for line in (f"meeting move {ref}", f"meeting cancel {ref}"):
        reply = await run(panel, bob, line)
        assert not reply.ok and reply.form is None
        assert reply.lines == [f"No rapid review meeting is scheduled for {ref}; schedule one with `meeting schedule "
                               f"{ref} DATE TIME`."]
    await run(panel, bob, f"meeting schedule {ref} 2026-12-30 10:00 Room 2")
    reply = await run(panel, bob, f"meeting move {ref}")
    assert reply.ok and reply.form == move_form(ref, "Young Person C", "the rapid review meeting",
                                                "Wed 30 Dec 2026, 10:00, Room 2")
    assert [f.key for f in reply.form.fields] == ["date", "time", "override"]
    assert reply.form.intro[0].startswith(f"**{ref} · Young Person C**: the rapid review meeting is now on Wed 30 Dec "
                                          "2026, 10:00, Room 2. Choose its new day and time.")
    assert forms.form_from(panel.preset, reply.form.data()) == reply.form
    reply = await run(panel, bob, f"meeting cancel {ref}")
    assert reply.ok and reply.form is not None and [f.key for f in reply.form.fields] == ["reason"]
    assert reply.form.field("reason").required  # type: ignore[union-attr]
    assert "cancel the rapid review meeting on Wed 30 Dec 2026, 10:00, Room 2" in reply.form.intro[0]
    assert forms.form_from(panel.preset, reply.form.data()) == reply.form
    assert forms.form_from(panel.preset, {**reply.form.data(), "now": 3}) is None  # not what we kept
    for what in ("move", "cancel"):
        reply = await run(panel, pol, f"meeting {what} {ref}")
        assert not reply.ok and reply.form is None
        assert reply.lines == [f"Only the business manager can {what} meetings. Nothing was changed."]


async def test_the_move_and_cancel_answers_go_through_the_typed_commands_calls(clock) -> None:
    clock.set(uk("2026-12-14T10:00"))
    panel = await dudley(clock)
    ref = await file(panel)
    bob, pol = await panel.actor_named("Bob"), await panel.actor_named("Pol")
    await run(panel, bob, f"meeting schedule {ref} 2026-12-30 10:00")
    moving = move_form(ref, "Young Person C", "the rapid review meeting", "Wed 30 Dec 2026, 10:00")
    with pytest.raises(NotAllowed):
        await forms.submit(panel, pol, moving, {"date": "2027-01-04", "time": "10:00"})
    with pytest.raises(InvalidInput) as refused:
        await forms.submit(panel, bob, moving, {"date": "2026-12-22", "time": "10:00"})
    assert forms.refused_field(moving, refused.value) == "date"
    assert refused.value.beside.endswith("Tue 22 Dec 2026 is before the window. Choose a day inside it, or keep "
                                         "this one and give the reason for holding it then. Nothing was moved.")
    with pytest.raises(InvalidInput) as refused:
        await forms.submit(panel, bob, moving, {"date": "2026-12-10", "time": "10:00"})
    assert forms.refused_field(moving, refused.value) == "date" and "must be in the future" in str(refused.value)
    assert "meeting_moved" not in await actions(panel)
    reply = await forms.submit(panel, bob, moving, {"date": "2027-01-04", "time": "14:30"})
    assert reply.lines[0] == (f"The rapid review meeting for {ref} is moved to Mon 4 Jan 2027, 14:30 (was Wed 30 Dec "
                              "2026, 10:00).")
    assert "meeting_moved" in await actions(panel)

    cancelling = cancel_form(ref, "Young Person C", "the rapid review meeting", "Mon 4 Jan 2027, 14:30")
    check = cancelling.check(panel.preset, {"reason": ""}, today=TODAY)
    assert set(check.errors) == {"reason"}
    check = cancelling.check(panel.preset, {"reason": "the family's solicitor, born 03/04/1980"}, today=TODAY)
    assert set(check.errors) == {"reason"} and "03/04/1980" not in check.errors["reason"]
    with pytest.raises(NotAllowed):
        await forms.submit(panel, pol, cancelling, {"reason": "the chair is ill"})
    with pytest.raises(InvalidInput) as refused:  # screened by the service too, and named as the form's field
        await forms.submit(panel, bob, cancelling, {"reason": "born 03/04/1980"})
    assert forms.refused_field(cancelling, refused.value) == "reason"
    with pytest.raises(InvalidInput) as refused:
        await forms.submit(panel, bob, cancelling, {"reason": "  "})
    assert forms.refused_field(cancelling, refused.value) == "reason"
    assert refused.value.beside == "Please give the reason for cancelling the meeting. Nothing was cancelled."
    assert "meeting_cancelled" not in await actions(panel)
    reply = await forms.submit(panel, bob, cancelling, {"reason": "the chair is ill"})
    assert reply.lines == [f"The rapid review meeting for {ref} on Mon 4 Jan 2027, 14:30 is cancelled."]
    assert "meeting_cancelled" in await actions(panel)
    # Sent again, with no meeting left: a refusal of the whole form, said as a message.
    with pytest.raises(PanelError) as again:
        await forms.submit(panel, bob, cancelling, {"reason": "the chair is ill"})
    assert forms.refused_field(cancelling, again.value) is None and "No rapid review meeting" in str(again.value)


async def test_a_monthly_panel_is_moved_and_cancelled_typed_only(clock) -> None:
    clock.set(uk("2026-12-14T10:00"))
    panel = await dudley(clock)
    reply = await run(panel, await panel.actor_named("Bob"), "meeting move PANEL-2027-01")
    assert not reply.ok and reply.form is None and "`meeting move PANEL-2027-01 DATE TIME`" in reply.lines[0]


# Recording the meeting as held through a form (`meeting held REF` with no roles) ----------------------------------

ALL_THREE = ("local_authority", "police", "health")


async def test_held_opens_its_form_for_the_business_manager_only_with_the_quorum_and_the_outcomes(clock) -> None:
    clock.set(uk("2026-12-14T10:00"))
    panel = await dudley(clock)
    ref = await file(panel)
    bob, pol = await panel.actor_named("Bob"), await panel.actor_named("Pol")
    reply = await run(panel, bob, f"meeting held {ref}")  # no meeting scheduled: one sentence, no form
    assert not reply.ok and reply.form is None
    assert reply.lines == [f"No rapid review meeting is scheduled for {ref}; schedule one with `meeting schedule "
                           f"{ref} DATE TIME`."]
    await run(panel, bob, f"meeting schedule {ref} 2026-12-30 10:00 Room 2")
    reply = await run(panel, pol, f"meeting held {ref}")
    assert not reply.ok and reply.form is None
    assert reply.lines == ["Only the business manager can record meetings. Nothing was changed."]
    reply = await run(panel, bob, f"meeting held {ref}")
    form = reply.form
    assert reply.ok and form is not None and form.kind == "meeting_held"
    assert [f.key for f in form.fields] == ["roles", "override", "outcome", "reason"]
    assert [(c.value, c.label) for c in form.field("roles").choices] == [  # type: ignore[union-attr]
        ("local_authority", "Local authority"), ("police", "Police"), ("health", "Health (ICB)")]
    assert form.field("roles").kind == "choices" and form.field("roles").required  # type: ignore[union-attr]
    outcome = form.field("outcome")
    assert outcome is not None and outcome.kind == "choice" and not outcome.required
    assert [c.value for c in outcome.choices] == [o.id for o in panel.preset.outcomes_for(
        panel.preset.referral_types[0].id)]
    assert not form.field("reason").required and not form.field("override").required  # type: ignore[union-attr]
    assert "Needed for: No review required" in form.field("reason").hint  # type: ignore[union-attr]
    assert form.intro[0].startswith(f"**{ref} · Young Person C**: record the rapid review meeting on Wed 30 Dec 2026, "
                                    "10:00, Room 2 as held: who attended, and what it decided.")
    assert forms.form_from(panel.preset, form.data()) == form
    assert forms.form_from(panel.preset, {**form.data(), "quorum": "nobody"}) is None  # not what we kept
    assert forms.form_from(panel.preset, {**form.data(), "outcomes": 3}) is None
    # The monthly panel stays typed.
    reply = await run(panel, bob, "meeting held PANEL-2027-01")
    assert not reply.ok and reply.form is None


async def test_the_held_answers_go_through_the_typed_commands_call(clock) -> None:
    clock.set(uk("2026-12-14T10:00"))
    panel = await dudley(clock)
    ref = await file(panel)
    bob, pol = await panel.actor_named("Bob"), await panel.actor_named("Pol")
    await run(panel, bob, f"meeting schedule {ref} 2026-12-30 10:00")
    clock.set(uk("2026-12-30T12:00"))
    form = (await run(panel, bob, f"meeting held {ref}")).form
    assert form is not None
    with pytest.raises(NotAllowed):
        await forms.submit(panel, pol, form, {"roles": list(ALL_THREE)})
    # Not quorate with a decision: refused beside the reason to count it.
    with pytest.raises(PanelError) as refused:
        await forms.submit(panel, bob, form, {"roles": ["local_authority", "police"], "outcome": "cspr",
                                              "reason": "agreed"})
    assert forms.refused_field(form, refused.value) == "override"
    assert refused.value.beside == ("The rapid review meeting was not quorate (still needed: Health (ICB)), so it "
                                    "cannot decide: give the reason to count it anyway, or leave the decision blank. "
                                    "Nothing was recorded.")
    # A decision the procedure wants a reason for, without one: refused beside the reason.
    with pytest.raises(InvalidInput) as refused:
        await forms.submit(panel, bob, form, {"roles": list(ALL_THREE), "outcome": "no_review"})
    assert forms.refused_field(form, refused.value) == "reason"
    assert refused.value.beside == ('Please give the reason for "No review required"; the procedure asks for one. '
                                    "Nothing was recorded.")
    with pytest.raises(InvalidInput) as refused:  # screened as the typed command screens it
        await forms.submit(panel, bob, form, {"roles": list(ALL_THREE), "outcome": "no_review",
                                              "reason": "the boy born 03/04/2015"})
    assert forms.refused_field(form, refused.value) == "reason" and "03/04/2015" not in str(refused.value)
    with pytest.raises(InvalidInput) as refused:  # a reason with no decision
        await forms.submit(panel, bob, form, {"roles": list(ALL_THREE), "reason": "agreed"})
    assert forms.refused_field(form, refused.value) == "outcome"
    assert "meeting_held" not in await actions(panel)

    # Not quorate and not counted: recorded as such, and the answer speaks of the form.
    reply = await forms.submit(panel, bob, form, {"roles": ["local_authority", "police"]})
    assert reply.lines == [f"The rapid review meeting for {ref} on Wed 30 Dec 2026, 10:00 is recorded as not quorate "
                           "(attended: Local authority, Police; still needed: Health (ICB)). It does not count as the "
                           "rapid review meeting; to count it anyway, record it again with the reason to count it."]
    # Recorded again, with everyone and the decision.
    reply = await forms.submit(panel, bob, form, {"roles": list(ALL_THREE), "outcome": "cspr",
                                                  "reason": "the partners agreed on the learning"})
    assert reply.lines[0] == (f"The rapid review meeting for {ref} is recorded: held Wed 30 Dec 2026, 10:00, attended "
                              "by Local authority, Police, Health (ICB) (quorate).")
    assert (f"Decided at the rapid review meeting for {ref}: Undertake a child safeguarding practice review (attended "
            "by Local authority, Police, Health (ICB)).") in reply.lines
    assert (await panel.card(ref)).status == "decided"
    # Held now: no meeting is left to record, so no form.
    again = await run(panel, bob, f"meeting held {ref}")
    assert not again.ok and again.form is None and again.lines[0].startswith("No rapid review meeting is scheduled")
