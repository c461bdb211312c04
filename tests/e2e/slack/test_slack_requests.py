"""Information requests in Slack (the reminder issue): the agency's channel gets the request with a Mark as
returned button, and the agency contact, who is not on the panel, presses it."""

from __future__ import annotations

import json

from slack_fake import flat_blocks, seen
from test_slack_voting import file_referral, salford

from bot.service import Actor


def seen_view(view: dict) -> str:
    return seen(flat_blocks(view["blocks"]))

AGENCY_CHANNEL = "C0POLICE"


async def test_agency_contact_marks_the_return_made_from_slack(slack) -> None:
    h = await salford(slack)
    await h.panel.set_channel(actor=Actor.operator(), purpose="agency:police", platform_id=f"slack:{AGENCY_CHANNEL}")
    ref = await file_referral(h)
    await h.slash("U0BM", f"request {ref} police")
    await h.flush()
    assert "Greater Manchester Police: requested, due Mon 30 Nov 2026, 17:00." in h.said_to("U0BM")
    (request,) = [m for m in h.fake.in_channel(AGENCY_CHANNEL) if "Information request" in m.shown]
    assert f"{ref} · Young Person C" in request.shown and "Mon 30 Nov 2026, 17:00" in request.shown

    await h.press("U0SGT", request, "Mark as returned")  # a police contact with no panel role
    await h.flush()
    assert h.said_to("U0SGT") == (f"Thank you: Greater Manchester Police's return for {ref} is recorded. "
                                  "No more reminders.")
    (line,) = await h.panel.list_requests(ref)
    assert line.returned_by == "slack:U0SGT (guest)"

    await h.press("U0SGT", h.card(ref), "Commence rapid review")  # but the same person cannot vote
    assert "not on this partnership's panel" in h.said_to("U0SGT")


# `/panel request REF` with no agency: the request form (issue 5), the same on every platform ------------------------
# (tests/e2e/test_request_form.py fills it in on each); here, what is Slack's own: the modal's blocks, a submission
# that skipped the client's checks, many agencies, and the modal Slack showed before every platform had the form.


async def test_the_business_manager_ticks_agencies_in_a_form_and_is_told_the_result_privately(slack) -> None:
    h = await salford(slack)
    await h.panel.set_channel(actor=Actor.operator(), purpose="agency:police", platform_id=f"slack:{AGENCY_CHANNEL}")
    await h.panel.add_contact(actor=Actor.operator(), agency="health", platform_id="slack:U0NURSE")
    ref = await file_referral(h)
    await h.slash("U0BM", f"request {ref.lower()}")
    modal = h.modal()
    assert modal["callback_id"] == "panel_form" and modal["title"]["text"] == "Information requests"
    agencies, due = [blk for blk in modal["blocks"] if blk["type"] == "input"]
    assert agencies["element"]["type"] == "checkboxes" and not agencies.get("optional")
    # The agencies with a channel (the police) or a contact (health); the others are named in the typed command.
    assert [o["text"]["text"] for o in agencies["element"]["options"]] == ["Greater Manchester Police",
                                                                           "Health (ICB)"]
    assert due["element"]["type"] == "datepicker" and due["optional"]
    assert f"{ref} · Young Person C: send an information request to each agency you choose." in seen_view(modal)

    await h.submit("U0BM", modal, {"agencies": ["police", "health"]})
    await h.flush()
    told = h.said_to("U0BM")
    assert told.startswith(f"Information requests for {ref}: Greater Manchester Police: requested, due Mon 30 Nov "
                           "2026, 17:00. Health (ICB): requested, due Mon 30 Nov 2026, 17:00. No channel is set for "
                           "health yet")
    assert [line.agency for line in await h.panel.list_requests(ref)] == ["Greater Manchester Police", "Health (ICB)"]
    (request,) = [m for m in h.fake.in_channel(AGENCY_CHANNEL) if "Information request" in m.shown]
    assert [b["label"] for b in request.buttons] == ["Mark as returned"]

    await h.slash("U0BM", f"request {ref}")  # again: the core sends nothing twice
    await h.submit("U0BM", h.modal(), {"agencies": ["police"]})
    assert h.said_to("U0BM") == (f"Information requests for {ref}: Greater Manchester Police: a request is already "
                                 "open; nothing sent again.")


async def test_no_agency_ticked_is_an_error_on_the_field_and_nothing_is_sent(slack) -> None:
    h = await salford(slack)
    await h.panel.set_channel(actor=Actor.operator(), purpose="agency:police", platform_id=f"slack:{AGENCY_CHANNEL}")
    ref = await file_referral(h)
    await h.slash("U0BM", f"request {ref}")
    private = len(h.fake.private)
    # Slack's client asks for the required field itself; a submission that skipped that check gets the error
    await h.submit("U0BM", h.modal(), {"agencies": []}, client_checks=False)
    assert json.loads(h.last_response) == {
        "response_action": "errors",
        "errors": {"agencies": "Choose at least one agency to send a request to."},
    }
    assert await h.panel.list_requests(ref) == [] and len(h.fake.private) == private


async def test_only_the_business_manager_gets_the_form_and_the_core_refuses_anyone_else(slack) -> None:
    h = await salford(slack)
    await h.panel.set_channel(actor=Actor.operator(), purpose="agency:police", platform_id=f"slack:{AGENCY_CHANNEL}")
    ref = await file_referral(h)
    views = len(h.fake.views)
    await h.slash("U0ADV", f"request {ref}")
    assert h.said_to("U0ADV") == "Only the business manager can send information requests. Nothing was changed."
    await h.slash("U0STRANGER", f"request {ref}")
    assert "You are not on this partnership's panel" in h.said_to("U0STRANGER")
    await h.slash("U0BM", "request SAL-2026-999")
    assert "SAL-2026-999" in h.said_to("U0BM")  # the core's words for a reference it does not know
    assert len(h.fake.views) == views

    # A form submitted by someone else (or after the role changed) is refused by the core all the same.
    await h.slash("U0BM", f"request {ref}")
    await h.submit("U0ADV", h.modal(), {"agencies": ["police"]})
    assert h.said_to("U0ADV") == "Only the business manager can send information requests. Nothing was changed."
    assert await h.panel.list_requests(ref) == []


async def test_many_agencies_get_a_multi_select_and_a_procedure_with_no_return_time_asks_for_the_date(slack) -> None:
    # Stockport lists more agencies than Slack's checkboxes hold, and sets no time for agency returns: a blank due
    # date is refused beside that box, and nothing is sent until one is given.
    h = await slack("stockport")
    await h.member("Bea", "business_manager", "U0BM")
    await h.slash("U0BM", "setup")
    for i, agency in enumerate(h.panel.preset.agencies):
        await h.panel.set_channel(actor=Actor.operator(), purpose=f"agency:{agency.id}", platform_id=f"slack:C0A{i}")
    ref = await file_referral(h)
    await h.slash("U0BM", f"request {ref}")
    agencies, _ = [blk for blk in h.modal()["blocks"] if blk["type"] == "input"]
    assert agencies["element"]["type"] == "multi_static_select"
    assert len(agencies["element"]["options"]) == len(h.panel.preset.agencies) > 10
    assert "The procedure sets no time for agency returns: give the date the information is due" in seen_view(h.modal())
    await h.submit("U0BM", h.modal(), {"agencies": ["police", "housing"]})
    answer = json.loads(h.last_response)
    assert answer["response_action"] == "errors" and list(answer["errors"]) == ["due"]
    assert "sets no time for agency returns" in answer["errors"]["due"]
    assert await h.panel.list_requests(ref) == []
    await h.submit("U0BM", h.modal(), {"agencies": ["police", "housing"], "due": "2026-12-18"})
    assert "Greater Manchester Police: requested, due Fri 18 Dec 2026, 17:00." in h.said_to("U0BM")
    assert len(await h.panel.list_requests(ref)) == 2


async def test_the_modal_from_before_every_platform_had_the_form_is_still_answered(slack) -> None:
    """A request modal opened before an upgrade (callback `panel_request`, the reference alone in its metadata, every
    agency of the preset ticked in the block `agencies`) and sent after it: the requests go, as they did then."""
    h = await salford(slack)
    await h.panel.set_channel(actor=Actor.operator(), purpose="agency:police", platform_id=f"slack:{AGENCY_CHANNEL}")
    ref = await file_referral(h)
    await h.slash("U0BM", f"request {ref}")
    agencies = next(blk for blk in h.modal()["blocks"] if blk["type"] == "input")
    options = [{"text": {"type": "plain_text", "text": a.label}, "value": a.id} for a in h.panel.preset.agencies]
    old = {**h.modal(), "callback_id": "panel_request",
           "private_metadata": json.dumps({"channel": "C0PANEL", "reference": ref}),
           "blocks": [{**agencies, "element": {**agencies["element"], "options": options}}]}
    await h.submit("U0BM", old, {"agencies": ["police", "education"]})
    await h.flush()
    assert h.said_to("U0BM").startswith(f"Information requests for {ref}: Greater Manchester Police: requested, due "
                                        "Mon 30 Nov 2026, 17:00. Education: requested, due Mon 30 Nov 2026, 17:00.")
    assert [line.agency for line in await h.panel.list_requests(ref)] == ["Greater Manchester Police", "Education"]
    await h.submit("U0BM", old, {"agencies": []}, client_checks=False)
    assert json.loads(h.last_response)["errors"] == {"agencies": "Choose at least one agency to send a request to."}


async def test_naming_the_agencies_still_runs_the_shared_command_without_a_form(slack) -> None:
    h = await salford(slack)
    ref = await file_referral(h)
    views = len(h.fake.views)
    await h.slash("U0BM", f"request {ref} probation")
    assert h.said_to("U0BM").startswith(f"Information requests for {ref}: Probation: requested")
    assert len(h.fake.views) == views
    await h.slash("U0BM", "help")
    assert "/panel request REF AGENCY... [due DATE] (no agency: a form)" in h.said_to("U0BM")
