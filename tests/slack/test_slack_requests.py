"""Information requests in Slack (the reminder issue): the agency's channel gets the request with a Mark as
returned button, and the agency contact, who is not on the panel, presses it."""

from __future__ import annotations

from test_slack_voting import file_referral, salford

from bot.service import Actor

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
