"""Who decides each stage (issue 21 section 1, issue 23 section 2): the preset's `[[stages]]` as the checker reads
it, the five shipped presets' settings with their sources, and the pure rules of `flows.stages` (the stage a
referral is at, the business manager's decision after the partners' views, the card's words for advice)."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime

import pytest
from stage_presets import dudley_panel_votes

from flows.calendar import WorkingCalendar
from flows.clocks import calendar_for
from flows.errors import NotAllowed, WrongState
from flows.preset import PresetError, load_preset, parse_preset
from flows.stages import check_bm_may_decide, require_decider, stage_now, views_awaited, views_text

BASE = """
id = "testshire"
name = "Testshire Safeguarding Partnership"
reference_prefix = "TST"

[[roles]]
id = "local_authority"
label = "Local authority"
votes = true
statutory = true

[[roles]]
id = "police"
label = "Police"
votes = true
statutory = true

[[roles]]
id = "health"
label = "Health"
votes = true
statutory = true

[[roles]]
id = "business_manager"
label = "Business Manager"

[[referral_types]]
id = "child"
label = "Child"

[[referral_types]]
id = "adult"
label = "Adult"

[panel]
quorum = { roles = ["local_authority", "police", "health"] }
tie_break = "business_manager"
decision_clock = "panel_decision"

[[outcomes]]
id = "review"
label = "Review"

[[outcomes]]
id = "no_review"
label = "No review"

[[outcomes]]
id = "more"
label = "More information"
incomplete = true

[[outcomes]]
id = "cspr"
label = "CSPR"
referral_types = ["child"]

[[outcomes]]
id = "local"
label = "Local review"
referral_types = ["child"]

[[clocks]]
id = "panel_decision"
label = "Panel decision"
amount = 5
unit = "working_days"
starts = "referral_received"
"""

LATER = """
[[stages]]
id = "meeting_decision"
label = "the meeting's decision"
referral_types = ["child"]
after = ["review"]
by = "meeting"
outcomes = ["cspr", "local"]
source = "section 7"
"""


def load(text: str):  # type: ignore[no-untyped-def]
    return parse_preset(tomllib.loads(text), source="testshire.toml")


def test_without_stages_every_type_is_decided_by_the_panel_s_vote_with_all_its_outcomes() -> None:
    preset = load(BASE)
    stage = preset.stage_for("child")
    assert stage is not None and (stage.id, stage.by, stage.advisory_ballot) == ("panel", "ballot", False)
    assert [o.id for o in preset.outcomes_for("child")] == ["review", "no_review", "more", "cspr", "local"]
    assert preset.later_stage("child", "review") is None


def test_a_later_stage_takes_its_outcomes_from_the_panel_of_its_types_only() -> None:
    preset = load(BASE + LATER)
    assert [o.id for o in preset.outcomes_for("child")] == ["review", "no_review", "more"]
    assert [o.id for o in preset.outcomes_for("child", "meeting_decision")] == ["cspr", "local"]
    assert [o.id for o in preset.outcomes_for("adult")] == ["review", "no_review", "more"]
    later = preset.later_stage("child", "review")
    assert later is not None and later.source == "section 7"
    assert stage_now(preset, "child", None).id == "panel"
    assert stage_now(preset, "child", "review").id == "meeting_decision"
    assert stage_now(preset, "child", "no_review").id == "panel"  # no later stage follows that decision
    assert [o.id for o in preset.panel_outcomes] == ["review", "no_review", "more"]


@pytest.mark.parametrize(
    ("extra", "key", "problem"),
    [
        pytest.param('[[stages]]\nid = "panel"\nby = "vote"\nsource = "s"\n', "stages[0].by",
                     '"vote" is not one of ballot, meeting, bm_after_views', id="unknown decider"),
        pytest.param('[[stages]]\nid = "panel"\nby = "meeting"\n', "stages[0].source", "is missing",
                     id="no source"),
        pytest.param('[[stages]]\nid = "panel"\nby = "meeting"\nsource = "s"\nafter = ["review"]\n',
                     "stages[0].after", "only a later stage has `after`", id="panel with after"),
        pytest.param(LATER.replace('after = ["review"]\n', ""), "stages[0].after",
                     "a later stage names the panel outcomes it follows", id="later stage without after"),
        pytest.param(LATER.replace('by = "meeting"', 'by = "ballot"'), "stages[0].by",
                     'a later stage is decided by a meeting only (by = "meeting"); by = "ballot" needs the '
                     "partners' votes, and they vote once on a referral, at the panel's stage (which may be decided "
                     "by ballot, meeting or bm_after_views)", id="later stage by vote"),
        pytest.param(LATER.replace('by = "meeting"', 'by = "bm_after_views"'), "stages[0].by",
                     'a later stage is decided by a meeting only (by = "meeting"); by = "bm_after_views" needs '
                     "the partners' votes", id="later stage by the BM after views"),
        pytest.param(LATER.replace('["cspr", "local"]', '["cspr", "nope"]'), "stages[0].outcomes",
                     'names outcome "nope", which is not defined', id="unknown outcome"),
        pytest.param(LATER.replace('["cspr", "local"]', '["cspr"]'), "stages[0].outcomes",
                     "at least two outcomes", id="one outcome"),
        pytest.param(LATER.replace('["cspr", "local"]', '["cspr", "more"]'), "stages[0].outcomes",
                     "an incomplete outcome returns the referral", id="incomplete at a later stage"),
        pytest.param(LATER.replace('after = ["review"]', 'after = ["cspr"]'), "stages[0].after",
                     '"cspr" is not a panel outcome of a "child" referral', id="after its own outcome"),
        pytest.param(LATER.replace('referral_types = ["child"]', 'referral_types = ["adult"]'), "stages[0].outcomes",
                     '"cspr" is not an outcome of a "adult" referral', id="outcome of another type"),
        pytest.param(LATER + LATER, "stages[1]", 'a "child" referral already has a "meeting_decision" stage',
                     id="two of one stage"),
        pytest.param('[[stages]]\nid = "panel"\nby = "bm_after_views"\nsource = "s"\n', "stages[0].by",
                     "give police votes = true", id="views from a partner who cannot vote"),
    ],
)
def test_the_checker_refuses_a_stage_naming_the_key_and_the_problem(extra: str, key: str, problem: str) -> None:
    text = BASE + extra
    if "give police" in problem:
        text = text.replace('id = "police"\nlabel = "Police"\nvotes = true', 'id = "police"\nlabel = "Police"')
        text = text.replace('roles = ["local_authority", "police", "health"]', 'roles = ["local_authority", "health"]')
    with pytest.raises(PresetError) as caught:
        load(text)
    assert (caught.value.key, caught.value.source) == (key, "testshire.toml")
    assert problem in caught.value.problem


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        pytest.param(BASE.replace("incomplete = true", "incomplete = true\nhold = true"), "outcomes.more.hold",
                     "an outcome either returns the referral (incomplete) or puts it on hold, not both",
                     id="incomplete and on hold"),
        pytest.param(BASE.replace('label = "Local review"', 'label = "Local review"\nhold = true') + LATER,
                     "stages[0].outcomes",
                     "an outcome with hold = true puts the referral on hold, which only the panel's decision can do",
                     id="on hold at a later stage"),
        pytest.param(BASE.replace('label = "Review"', 'label = "Review"\nhold = true') + LATER, "stages[0].after",
                     '"review" puts the referral on hold (hold = true), so nothing follows it until it is decided '
                     "again", id="a later stage after a hold"),
    ],
)
def test_the_checker_refuses_a_hold_outcome_where_it_cannot_hold(text: str, key: str, problem: str) -> None:
    with pytest.raises(PresetError) as caught:
        load(text)
    assert (caught.value.key, caught.value.problem) == (key, problem)


def test_an_outcome_can_put_the_case_on_hold() -> None:
    preset = load(BASE.replace('label = "No review"', 'label = "No review"\nhold = true'))
    assert preset.outcome("no_review").hold and not preset.outcome("review").hold
    assert load_preset("suffolk").outcome("on_hold").hold  # Suffolk 3: cases on hold come back at each panel


def test_the_panel_keeps_two_outcomes_to_choose_between() -> None:
    with pytest.raises(PresetError) as caught:
        load(BASE + '[[stages]]\nid = "panel"\nby = "meeting"\noutcomes = ["review"]\nsource = "s"\n')
    assert caught.value.key == "stages"
    assert 'a "child" referral needs at least two outcomes for the panel' in caught.value.problem


def test_the_shipped_presets_say_who_decides_where_the_seeds_do() -> None:
    salford, dudley, stockport = (load_preset(n) for n in ("salford", "dudley", "stockport"))
    later = salford.later_stage("rapid_review", "commence_rapid_review")
    assert later is not None and later.by == "meeting" and later.source.startswith("7.12")
    assert [o.id for o in salford.outcomes_for("rapid_review", later.id)] == ["cspr", "local_review",
                                                                              "no_further_action"]
    assert "cspr" not in {o.id for o in salford.outcomes_for("rapid_review")}
    assert salford.later_stage("case_review", "commence_rapid_review") is None
    assert salford.stage_for("rapid_review").by == "ballot" and salford.immediate_decision  # type: ignore[union-attr]
    child, sar = dudley.stage_for("cspr"), dudley.stage_for("sar")
    assert child is not None and child.by == "meeting" and "The Rapid Review Meeting" in child.source
    assert [o.id for o in dudley.outcomes_for("cspr")] == ["cspr", "alternative_review", "no_review"]
    assert sar is not None and sar.by == "ballot"
    # The test preset of a panel whose vote decides (tests/stage_presets.py) is Dudley without that entry.
    voting = dudley_panel_votes().stage_for("cspr")
    assert voting is not None and voting.by == "ballot"
    child, sar = stockport.stage_for("child"), stockport.stage_for("sar")
    assert child is not None and child.by == "bm_after_views" and child.source.startswith("section 1")
    assert sar is not None and sar.by == "ballot"
    for name in ("kirklees", "suffolk"):
        preset = load_preset(name)
        assert all(preset.stage_for(t.id).by == "ballot" for t in preset.referral_types)  # type: ignore[union-attr]


STOCKPORT = load_preset("stockport")
CAL: WorkingCalendar = calendar_for(STOCKPORT, None)
DEADLINE = datetime(2026, 12, 21, 17, 0, tzinfo=UTC)


def test_the_bm_decides_once_every_partner_has_given_a_view_or_the_deadline_has_passed() -> None:
    before = datetime(2026, 12, 21, 16, 59, tzinfo=UTC)
    with pytest.raises(WrongState) as refused:
        check_bm_may_decide(STOCKPORT, "STO-2026-001", ["local_authority"], DEADLINE, before, CAL.format)
    assert str(refused.value) == (
        "STO-2026-001 is still awaiting the views of Police and Health (ICB): the Business Manager decides the pathway "
        "once every statutory partner has given a view or the decision deadline, Mon 21 Dec 2026, 17:00, has passed, "
        "so nothing was recorded.")
    with pytest.raises(WrongState) as refused:
        check_bm_may_decide(STOCKPORT, "STO-2026-001", ["local_authority", "police"], DEADLINE, before, CAL.format)
    assert "is still awaiting the view of Health (ICB): " in str(refused.value)
    check_bm_may_decide(STOCKPORT, "STO-2026-001", ["local_authority", "police", "health"], DEADLINE, before,
                        CAL.format)
    check_bm_may_decide(STOCKPORT, "STO-2026-001", [], DEADLINE, DEADLINE, CAL.format)  # the deadline itself
    assert views_awaited(STOCKPORT, ["police", "business_manager"]) == ("local_authority", "health")


def test_the_card_words_for_advice() -> None:
    child = STOCKPORT.stage_for("child")
    assert child is not None
    assert views_text(STOCKPORT, "child", child, {}, []) == (
        "No views yet. Still awaited: Local authority, Police, Health (ICB). These are the partners' views; the "
        "Business Manager decides, once every statutory partner has given a view or the decision deadline has passed.")
    dudley = load_preset("dudley")
    stage = dudley.stage_for("cspr")
    assert stage is not None
    assert views_text(dudley, "cspr", stage, {"no_review": 1, "cspr": 2}, ["police"]) == (
        "Views so far: Undertake a child safeguarding practice review 2, No review required 1. These votes are advice "
        "for the rapid review meeting, which decides; they close nothing.")


def test_only_the_business_manager_records_a_meeting_s_decision() -> None:
    dudley = load_preset("dudley")
    stage = dudley.stage_for("cspr")
    assert stage is not None
    with pytest.raises(NotAllowed) as refused:
        require_decider("police", dudley, "cspr", stage)
    assert str(refused.value) == (
        "Only the business manager can record the rapid review meeting's decision. Nothing was changed.")
    require_decider("business_manager", dudley, "cspr", stage)


async def test_a_later_stage_is_decided_once_on_the_in_memory_record(clock) -> None:  # type: ignore[no-untyped-def]
    """The service over `storage.memory` (the unit tier's twin of the database): Salford 7.12's meeting decides
    once, after the panel commenced a rapid review."""
    from memory_panel import OP, memory_panel, uk

    from flows.referrals import ReferralDraft

    clock.set(uk("2026-12-14T10:00"))
    panel = await memory_panel("salford", clock, [("Dee", "business_manager")])
    draft = ReferralDraft(referral_type="rapid_review", referrer="Education", category="baby", letter="A",
                          summary="Fracture found at a routine check.")
    ref = await panel.file_referral(actor=OP, draft=draft)
    await panel.decide_now(actor=OP, reference=ref, outcome="commence_rapid_review", reason="obvious")
    await panel.schedule_meeting(actor=OP, reference=ref, at=uk("2026-12-22T14:00"))
    clock.set(uk("2026-12-22T15:00"))
    said = await panel.meeting_held(actor=OP, reference=ref, roles=["local_authority", "police", "health"],
                                    outcome="local_review")
    assert said[-1] == (f"Decided at the rapid review meeting for {ref}: Other local review or learning event "
                        "(attended by Local authority, Police, Health (ICB)).")
    with pytest.raises(WrongState) as refused:
        await panel.meeting_decide(actor=OP, reference=ref, outcome="cspr")
    assert str(refused.value).startswith(f"{ref} already has the rapid review meeting's decision: Other local review")
