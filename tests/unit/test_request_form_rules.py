"""The information request form's rules, with no platform: which agencies it offers (those with a channel or a
contact), what it says a blank due date means in each procedure, its fields asked one at a time and as a whole form,
and what `request REF` answers and `forms.submit` does on the in-memory record. The platforms themselves:
tests/e2e/test_request_form.py.

Salford (agency returns within 5 working days, 7.7), in summer: Mon 6 Jul 2026, 10:00 UK time (09:00 UTC). Five
working days on, the return is due Mon 13 Jul 2026 at the close of the day, 17:00 UK time."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from memory_panel import OP, actions, file, memory_panel, outbox

from bot.commands import forms, run
from flows.errors import InvalidInput, NotAllowed
from flows.intake import Ask, Interview, Review
from flows.requests import request_form

NOW = datetime(2026, 7, 6, 9, 0, tzinfo=UTC)
TODAY = date(2026, 7, 6)
PEOPLE = [("Dee", "business_manager"), ("Ben", "chair")]
SALFORD_CLOCK = "With no due date, each is due within the procedure's 5 working days."


def fmt(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


async def salford(clock, reachable: bool = True):  # type: ignore[no-untyped-def]
    """Salford with a referral; the police have a channel and probation a contact (when `reachable`)."""
    clock.set(NOW)
    panel = await memory_panel("salford", clock, PEOPLE)
    if reachable:
        await panel.set_channel(actor=OP, purpose="agency:police", platform_id="slack:C0POLICE")
        await panel.add_contact(actor=OP, agency="probation", platform_id="slack:U0PROBATION")
    return panel, await file(panel)


async def test_the_command_opens_the_form_for_the_business_manager_with_the_agencies_it_can_reach(clock) -> None:
    panel, ref = await salford(clock)
    dee, ben = await panel.actor_named("Dee"), await panel.actor_named("Ben")
    reply = await run(panel, dee, f"request {ref.lower()}")
    assert reply.ok and reply.form is not None
    form = reply.form
    assert (form.title, form.submit, form.reference, form.subject) == ("Information requests", "Send requests", ref,
                                                                       "Young Person C")
    assert form.intro[0].startswith(f"**{ref} · Young Person C**: send an information request to each agency you "
                                    "choose. Each is asked for the agency summary report and a chronology")
    assert form.intro[0].endswith(SALFORD_CLOCK)
    agencies, due = form.fields
    assert (agencies.key, agencies.kind, agencies.required) == ("agencies", "choices", True)
    # A channel (the police) or a contact (probation) makes an agency one the form offers; the others are not.
    assert [(c.value, c.label) for c in agencies.choices] == [("police", "Greater Manchester Police"),
                                                              ("probation", "Probation")]
    assert (due.key, due.kind, due.required, due.skip) == ("due", "date", False, "Skip")

    reply = await run(panel, ben, f"request {ref}")
    assert not reply.ok and reply.form is None
    assert reply.lines == ["Only the business manager can send information requests. Nothing was changed."]
    reply = await run(panel, dee, "request SAL-2026-999")
    assert not reply.ok and reply.form is None and "SAL-2026-999" in reply.lines[0]
    assert "request_sent" not in await actions(panel)


async def test_with_no_agency_to_reach_the_form_does_not_open_and_says_what_to_do(clock) -> None:
    panel, ref = await salford(clock, reachable=False)
    reply = await run(panel, await panel.actor_named("Dee"), f"request {ref}")
    assert not reply.ok and reply.form is None
    assert reply.lines == [f"No agency has a channel or a contact yet, so the form has none to offer. Name the "
                           f"agencies instead, e.g. `request {ref} police`, or set an agency's channel first: "
                           "`panelbot channel set agency:police --id PLATFORM:ID`."]
    # Typed, the agencies are sent to all the same, and the business manager told to set their channel.
    reply = await run(panel, await panel.actor_named("Dee"), f"request {ref} police")
    assert reply.ok and "No channel is set for police yet" in reply.lines[1]


@pytest.mark.parametrize(("name", "says", "skip"), [
    ("salford", SALFORD_CLOCK, "Skip"),
    # Dudley's SARs are due by the partners' scoping deadline, counted from the referral ("Timescales").
    ("dudley:sar", "With no due date, each is due within the procedure's 20 working days after the referral is "
                   "received.", "Skip"),
    ("kirklees", "With no due date, each is due within the procedure's 48 hours.", "Skip"),
    ("suffolk", "With no due date, each is due by the close of the working day before the referral's monthly panel.",
     "Skip"),
    ("stockport", "The procedure sets no time for agency returns: give the date the information is due, or leave it "
                  "blank where the referral's meeting is scheduled, and it is due by the close of the working day "
                  "before the meeting.", "Skip"),
])
async def test_the_form_says_what_a_blank_due_date_means_in_each_procedure(clock, name: str, says: str,
                                                                           skip: str) -> None:
    clock.set(NOW)
    name, _, kind = name.partition(":")
    panel = await memory_panel(name, clock, [("Dee", "business_manager")])
    await panel.set_channel(actor=OP, purpose=f"agency:{panel.preset.agencies[0].id}", platform_id="slack:C0AGENCY")
    ref = await file(panel, referral_type=kind or None)
    reply = await run(panel, await panel.actor_named("Dee"), f"request {ref}")
    assert reply.form is not None and reply.form.intro[0].endswith(says), reply.form.intro
    due = reply.form.field("due")
    assert due is not None and not due.required and due.skip == skip


async def test_one_question_at_a_time_each_answer_checked_as_it_is_given(clock) -> None:
    panel, ref = await salford(clock)
    form = (await run(panel, await panel.actor_named("Dee"), f"request {ref}")).form
    interview = Interview(panel.preset, form=form)
    step = interview.step(fmt)
    assert isinstance(step, Ask) and step.field.key == "agencies"
    step = interview.give("", today=TODAY, fmt_date=fmt)
    assert isinstance(step, Ask) and step.problem == "Choose at least one agency to send a request to."
    step = interview.give("education", today=TODAY, fmt_date=fmt)  # an agency the form does not offer
    assert isinstance(step, Ask) and step.field.key == "agencies" and '"education" is not one of the choices' in \
        str(step.problem)
    step = interview.give("1, Probation", today=TODAY, fmt_date=fmt)  # by number or by name
    assert isinstance(step, Ask) and step.field.key == "due"
    step = interview.give("31/02/2027", today=TODAY, fmt_date=fmt)
    assert isinstance(step, Ask)
    assert step.problem == '"31/02/2027" is not a date; write it like 2026-12-25 or 25/12/2026.'
    step = interview.give("Skip", today=TODAY, fmt_date=fmt)
    assert isinstance(step, Review)
    assert step.lines == ["Sent to: Greater Manchester Police, Probation", "Due: the procedure's 5 working days"]
    assert interview.answers == {"agencies": ["police", "probation"], "due": None}


async def test_a_whole_form_is_checked_at_once(clock) -> None:
    panel, ref = await salford(clock)
    form = (await run(panel, await panel.actor_named("Dee"), f"request {ref}")).form
    check = form.check(panel.preset, {"agencies": [], "due": "next week"}, today=TODAY)
    assert check.errors == {"agencies": "Choose at least one agency to send a request to.",
                            "due": '"next week" is not a date; write it like 2026-12-25 or 25/12/2026.'}
    check = form.check(panel.preset, {"agencies": "police,probation", "due": "2026-07-20"}, today=TODAY)
    assert check.ok and check.answers == {"agencies": ["police", "probation"], "due": "2026-07-20"}


async def test_a_form_is_known_again_from_what_a_platform_kept(clock) -> None:
    panel, ref = await salford(clock)
    preset = panel.preset
    form = (await run(panel, await panel.actor_named("Dee"), f"request {ref}")).form
    assert form.data() == {"form": "request", "reference": ref, "subject": "Young Person C",
                           "agencies": "police,probation", "type": "rapid_review"}
    assert forms.form_from(preset, form.data()) == form
    # An agency the preset does not list is dropped; with none left, or a reference that is not one, it is not ours.
    assert forms.form_from(preset, {**form.data(), "agencies": "police,fire_brigade"}).field("agencies").choices == \
        form.field("agencies").choices[:1]
    assert forms.form_from(preset, {**form.data(), "agencies": "fire_brigade"}) is None
    assert forms.form_from(preset, {**form.data(), "reference": "not one"}) is None
    # Slack's modal from before every platform had the form kept only the reference: every agency, no due date.
    old = forms.form_from(preset, {"form": "request", "reference": ref})
    assert old == request_form(preset, ref, "", offered=tuple(a.id for a in preset.agencies), ask_due=False)
    assert [f.key for f in old.fields] == ["agencies"] and len(old.field("agencies").choices) == 6


async def test_the_answers_go_through_the_typed_commands_call(clock) -> None:
    panel, ref = await salford(clock)
    dee, ben = await panel.actor_named("Dee"), await panel.actor_named("Ben")
    form = (await run(panel, dee, f"request {ref}")).form
    with pytest.raises(NotAllowed) as refused:
        await forms.submit(panel, ben, form, {"agencies": ["police"], "due": None})
    assert forms.refused_field(form, refused.value) is None  # about the whole form: said as a message
    with pytest.raises(InvalidInput) as refused:
        await forms.submit(panel, dee, form, {"agencies": ["police"], "due": "2026-07-03"})
    assert forms.refused_field(form, refused.value) == "due"
    assert refused.value.beside == "The due date must be in the future."
    assert "request_sent" not in await actions(panel) and await outbox(panel, "request") == []

    reply = await forms.submit(panel, dee, form, {"agencies": ["police", "probation"], "due": None})
    assert reply.lines[:2] == [f"Information requests for {ref}:",
                               "Greater Manchester Police: requested, due Mon 13 Jul 2026, 17:00."]
    assert reply.lines[2].startswith("Probation: requested, due Mon 13 Jul 2026, 17:00. No channel is set for "
                                     "probation yet")
    assert [m.purpose for m in await outbox(panel, "request")] == ["agency:police", "agency:probation"]
    # The same words as the typed command, which the form's answers go through.
    typed = await run(panel, dee, f"request {ref} police")
    assert typed.lines == [f"Information requests for {ref}:",
                           "Greater Manchester Police: a request is already open; nothing sent again."]


async def test_a_due_date_the_procedure_needs_is_asked_for_again_where_it_was_left_blank(clock) -> None:
    """Stockport sets no time for agency returns: a blank due date is the service's to refuse, at that field; given,
    it is the close of that day in UK time."""
    clock.set(NOW)
    panel = await memory_panel("stockport", clock, [("Dee", "business_manager")])
    await panel.set_channel(actor=OP, purpose="agency:police", platform_id="slack:C0POLICE")
    ref = await file(panel)
    dee = await panel.actor_named("Dee")
    form = (await run(panel, dee, f"request {ref}")).form
    with pytest.raises(InvalidInput) as refused:
        await forms.submit(panel, dee, form, {"agencies": ["police"], "due": None})
    assert forms.refused_field(form, refused.value) == "due"
    assert "sets no time for agency returns" in refused.value.beside
    assert "request_sent" not in await actions(panel)
    reply = await forms.submit(panel, dee, form, {"agencies": ["police"], "due": "2026-07-20"})
    assert reply.lines == [f"Information requests for {ref}:",
                           "Greater Manchester Police: requested, due Mon 20 Jul 2026, 17:00."]
