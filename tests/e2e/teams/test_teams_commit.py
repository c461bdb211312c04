"""Teams answers an activity only after its work has committed (issue 17, point 1). The turn runs inside the
Bot Connector's request, so the answer waits for the commit; when the database fails during the turn the
request is answered 503 (the Connector sends the activity again) and nothing is recorded; and an activity sent
again after its work had committed records nothing twice."""

from __future__ import annotations

from outage import ALREADY, Outage, decided_salford_referral, disagreements
from teams_fake import person

BEA = person("Bea")


async def test_an_activity_the_database_failed_is_answered_503_and_recorded_once_when_resent(teams, monkeypatch):
    h = await teams("salford")
    await h.member("Bea", "business_manager", BEA)
    reference = await decided_salford_referral(h.panel)
    activity = h.message(BEA, f"disagree {reference} referrer they consider the threshold is met", "personal")

    outage = Outage(monkeypatch)
    before = len(h.fake.messages)
    status, _ = await h.post(activity)
    assert status == 503 and outage.failed >= 1
    assert await disagreements(h.panel) == 0 and h.fake.messages[before:] == []  # nobody told anything

    outage.back()
    status, _ = await h.post(activity)
    assert status in (200, 202) and await disagreements(h.panel) == 1
    (told,) = h.fake.messages[before:]
    assert "disagree" in told.shown.lower() and ALREADY not in told.shown


async def test_an_activity_sent_again_after_it_committed_records_nothing_twice(teams):
    h = await teams("salford")
    await h.member("Bea", "business_manager", BEA)
    reference = await decided_salford_referral(h.panel)
    activity = h.message(BEA, f"disagree {reference} referrer they consider the threshold is met", "personal")
    before = len(h.fake.messages)

    assert (await h.post(activity))[0] in (200, 202)
    assert (await h.post(activity))[0] in (200, 202)  # the same activity id: the Connector's retry
    assert await disagreements(h.panel) == 1
    first, second = h.fake.messages[before:]
    assert ALREADY not in first.shown and ALREADY in second.shown
