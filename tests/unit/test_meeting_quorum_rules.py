"""Each meeting's own quorum (issue 21, section 1; gap G1 of its audit): the preset's `[[meetings]]` names the roles
that must each be present, with the seed's section, and a meeting without an entry is quorate with one
representative of each statutory partner.

- Salford 7.12 and Dudley ("The Rapid Review Meeting"): at least one representative of each statutory partner.
- Stockport section 10: the Review Panel is quorate "when the police, health and local authority representatives
  are present, together with the Review Panel Chair/Report Author"; it meets during the review (section 9), so a
  referral's meeting is the review panel once the review is commissioned.
- Stockport section 8: the SAR screening panel is its chair, the Board Business Manager and agency representatives
  case by case: no statutory-partner quorum; quorate with the chair and the Business Manager.
"""

from __future__ import annotations

import copy
import tomllib

import pytest

from flows.errors import InvalidInput, NotAllowed
from flows.meetings import (
    attendance,
    attendance_line,
    current_meeting,
    meeting_event,
    meetings_of,
    meetings_said,
    quorum_of,
    quorum_words,
    still_needed,
    who_attends,
)
from flows.preset import PRESET_DIR, PresetError, load_preset, parse_preset

STOCKPORT = load_preset("stockport")
PARTNERS = ("local_authority", "police", "health")
REVIEW_PANEL = (*PARTNERS, "review_panel_chair")
SCREENING = ("business_manager", "screening_panel_chair")


# The shipped presets -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "referral_type", "section"), [
    ("salford", "rapid_review", "7.12"),
    ("salford", "case_review", "7.12"),
    ("dudley", "cspr", "The Rapid Review Meeting"),
])
def test_a_rapid_review_meeting_needs_each_statutory_partner_and_says_where_that_comes_from(name, referral_type,
                                                                                             section):
    preset = load_preset(name)
    rule = next(m for m in preset.meetings if m.event == "rr_meeting" and m.applies_to(referral_type))
    assert rule.quorum == PARTNERS and rule.after is None
    assert section in rule.source
    assert quorum_of(preset, "rr_meeting", referral_type) == PARTNERS


@pytest.mark.parametrize(("name", "referral_type"), [("dudley", "sar"), ("kirklees", "serious_incident"),
                                                      ("suffolk", "child")])
def test_a_meeting_the_preset_gives_no_quorum_needs_each_statutory_partner(name, referral_type):
    preset = load_preset(name)
    assert quorum_of(preset, meeting_event(preset, referral_type), referral_type) == PARTNERS


def test_suffolk_monthly_panel_needs_each_statutory_partner():
    assert quorum_of(load_preset("suffolk"), "monthly_panel") == PARTNERS


def test_stockport_8_the_screening_meeting_is_quorate_with_its_chair_and_the_business_manager():
    rule = next(m for m in STOCKPORT.meetings if m.event == "screening_meeting")
    assert rule.referral_types == ("sar",) and rule.after is None
    assert rule.quorum == SCREENING
    assert rule.source.startswith("8 (membership of the screening panel")
    assert quorum_of(STOCKPORT, "screening_meeting", "sar") == SCREENING


def test_stockport_10_the_review_panel_needs_the_three_partners_and_its_chair_once_a_review_is_commissioned():
    rule = next(m for m in STOCKPORT.meetings if m.event == "review_panel")
    assert rule.quorum == REVIEW_PANEL and rule.after == "review_commissioned"
    assert rule.source.startswith("10 (quorate when the police, health and local authority representatives are "
                                  "present, together with the Review Panel Chair/Report Author)")
    for kind in ("child", "sar"):
        assert quorum_of(STOCKPORT, "review_panel", kind) == REVIEW_PANEL
    assert meetings_of(STOCKPORT, "sar") == (("screening_meeting", None), ("review_panel", "review_commissioned"))
    assert meetings_of(STOCKPORT, "child") == (("rr_meeting", None), ("review_panel", "review_commissioned"))


@pytest.mark.parametrize(("referral_type", "recorded", "meeting"), [
    ("sar", set(), "screening_meeting"),
    ("sar", {"screening_meeting", "recommendation"}, "screening_meeting"),
    ("sar", {"screening_meeting", "review_commissioned"}, "review_panel"),
    ("child", set(), "rr_meeting"),
    ("child", {"review_commissioned"}, "review_panel"),
])
def test_stockport_the_meeting_a_referral_has_now(referral_type, recorded, meeting):
    assert current_meeting(STOCKPORT, referral_type, recorded) == meeting
    # The meeting that may decide the referral is still its first.
    assert meeting_event(STOCKPORT, referral_type) == ("screening_meeting" if referral_type == "sar" else "rr_meeting")


def test_dudley_and_salford_have_one_meeting_whatever_is_recorded():
    for name, kind in (("dudley", "cspr"), ("salford", "rapid_review")):
        assert current_meeting(load_preset(name), kind, {"review_commissioned", "rr_meeting"}) == "rr_meeting"


def test_preset_check_words_name_each_meeting_and_its_quorum():
    said = meetings_said(STOCKPORT)
    assert ("Safeguarding adults review referral: the SAR screening meeting (quorate with Business Manager, Head of "
            "Safeguarding and Learning (screening panel chair)), then, once a review is commissioned, the review "
            "panel meeting (quorate with Local authority, Police, Health (ICB), Review Panel Chair / Report "
            "Author).") in said
    assert "the monthly panel (quorate with one representative of each statutory partner)" in meetings_said(
        load_preset("suffolk"))


# The quorum rule -----------------------------------------------------------------------------------------------

def test_stockport_review_panel_without_its_chair_is_not_quorate():
    without = attendance(STOCKPORT, ["police", "health", "local_authority"], REVIEW_PANEL)
    assert not without.quorate and without.missing == ("review_panel_chair",)
    present = attendance(STOCKPORT, ["police", "health", "local_authority", "review_panel_chair"], REVIEW_PANEL)
    assert present.quorate and present.missing == ()
    # The chair alone, or with two partners, is not enough either.
    assert attendance(STOCKPORT, ["review_panel_chair", "police", "health"], REVIEW_PANEL).missing == (
        "local_authority",)


def test_stockport_screening_meeting_held_by_the_chair_and_the_business_manager_is_quorate():
    held = attendance(STOCKPORT, ["screening_panel_chair", "business_manager"], SCREENING)
    assert held.quorate
    # The three partners without the chair are not: the chair and the Business Manager are both needed.
    partners = attendance(STOCKPORT, list(PARTNERS), SCREENING)
    assert partners.missing == SCREENING
    assert attendance(STOCKPORT, ["business_manager", "police"], SCREENING).missing == ("screening_panel_chair",)


def test_without_a_quorum_the_statutory_partners_are_needed():
    assert attendance(STOCKPORT, ["screening_panel_chair", "business_manager"]).missing == PARTNERS
    assert still_needed(STOCKPORT, ["police"]) == ("local_authority", "health")


def test_the_words_for_a_meetings_own_quorum():
    assert attendance_line(STOCKPORT, ["police", "local_authority"], REVIEW_PANEL) == (
        "Attending: Local authority, Police. Still needed: Health (ICB), Review Panel Chair / Report Author.")
    assert attendance_line(STOCKPORT, [*REVIEW_PANEL], REVIEW_PANEL) == (
        "Attending: Local authority, Police, Health (ICB), Review Panel Chair / Report Author. Everyone the meeting "
        "needs is attending.")
    assert attendance_line(STOCKPORT, [], SCREENING) == (
        "Attending: nobody has confirmed yet. Still needed: Business Manager, Head of Safeguarding and Learning "
        "(screening panel chair).")
    # The statutory partners' own words where the quorum is theirs, given or by default.
    assert attendance_line(STOCKPORT, [*PARTNERS], PARTNERS).endswith("Every statutory partner is attending.")
    assert attendance_line(STOCKPORT, [*PARTNERS]).endswith("Every statutory partner is attending.")
    assert quorum_words(STOCKPORT, REVIEW_PANEL) == (
        "It is quorate only with each of these present: Local authority, Police, Health (ICB), Review Panel Chair / "
        "Report Author")
    assert quorum_words(STOCKPORT) == (
        "It is quorate with one representative of each statutory partner: Local authority, Police, Health (ICB)")


def test_who_confirms_attending_a_meeting_with_its_own_quorum():
    # The review panel's chair confirms for themself; a partner for its agency.
    assert who_attends(STOCKPORT, "review_panel_chair", [], REVIEW_PANEL) == ("review_panel_chair",)
    assert who_attends(STOCKPORT, "police", [], REVIEW_PANEL) == ("police",)
    # The business manager names whoever it records, the chair included; at the screening meeting, the business
    # manager is needed and confirms for themself.
    assert who_attends(STOCKPORT, "business_manager", ["review_panel_chair", "health"], REVIEW_PANEL) == (
        "health", "review_panel_chair")
    assert who_attends(STOCKPORT, "business_manager", [], SCREENING) == ("business_manager",)
    assert who_attends(STOCKPORT, "screening_panel_chair", [], SCREENING) == ("screening_panel_chair",)
    # Someone the quorum does not need is refused, in the quorum's words.
    with pytest.raises(NotAllowed) as caught:
        who_attends(STOCKPORT, "police", [], SCREENING)
    assert str(caught.value) == (
        "Only the members of the roles this meeting needs (Business Manager, Head of Safeguarding and Learning "
        "(screening panel chair)) confirm they attend. Nothing was recorded.")
    with pytest.raises(NotAllowed, match=r"As the business manager, name them: `meeting attend REF local_authority`"):
        who_attends(STOCKPORT, "business_manager", [], REVIEW_PANEL)
    with pytest.raises(InvalidInput) as caught:
        who_attends(STOCKPORT, "business_manager", ["independent_chair"], REVIEW_PANEL)
    assert str(caught.value) == (
        "Independent Chair (SSAB and SSCP) is not needed for this meeting's quorum; the meeting needs Local "
        "authority, Police, Health (ICB), Review Panel Chair / Report Author. Nothing was recorded.")
    with pytest.raises(NotAllowed, match=r"^You confirm for yourself, as Review Panel Chair / Report Author, only"):
        who_attends(STOCKPORT, "review_panel_chair", ["police"], REVIEW_PANEL)
    # Without a quorum of its own, the chair is refused as before.
    with pytest.raises(NotAllowed, match=r"^Only a statutory partner's members"):
        who_attends(STOCKPORT, "review_panel_chair", [])


# The preset loader ---------------------------------------------------------------------------------------------

def stockport_data() -> dict:
    return tomllib.loads((PRESET_DIR / "stockport.toml").read_text(encoding="utf-8"))


def with_meetings(*entries: dict) -> dict:
    data = stockport_data()
    data["meetings"] = [copy.deepcopy(e) for e in entries]
    return data


def load_error(data: dict) -> PresetError:
    with pytest.raises(PresetError) as caught:
        parse_preset(data, source="stockport.toml")
    return caught.value


REVIEW = {"event": "review_panel", "after": "review_commissioned", "quorum": list(REVIEW_PANEL), "source": "10"}
SCREEN = {"event": "screening_meeting", "referral_types": ["sar"], "quorum": list(SCREENING), "source": "8"}


def test_a_preset_without_meetings_needs_the_statutory_partners_everywhere():
    data = stockport_data()
    del data["meetings"]
    preset = parse_preset(data, source="stockport.toml")
    assert preset.meetings == ()
    assert quorum_of(preset, "screening_meeting", "sar") == PARTNERS
    assert meetings_of(preset, "sar") == (("screening_meeting", None),)


def test_a_quorum_is_kept_in_the_order_of_the_roles():
    entry = {**SCREEN, "quorum": ["screening_panel_chair", "business_manager"]}
    assert parse_preset(with_meetings(entry), source="stockport.toml").meetings[0].quorum == SCREENING


def test_an_entry_without_after_makes_its_event_the_first_meeting_of_a_type_whose_clocks_use_none():
    entry = {"event": "review_panel", "referral_types": ["child"], "quorum": list(REVIEW_PANEL), "source": "10"}
    preset = parse_preset(with_meetings(entry), source="stockport.toml")
    assert meeting_event(preset, "child") == "review_panel"
    assert meeting_event(preset, "sar") == "screening_meeting"


@pytest.mark.parametrize(("entries", "key", "problem"), [
    pytest.param([{**REVIEW, "quorum": [*REVIEW_PANEL, "chairperson"]}], "meetings[0].quorum",
                 '"chairperson" is not a role of this preset; use one of local_authority, police, health, '
                 "business_manager, independent_chair, screening_panel_chair, review_panel_chair",
                 id="an unknown role"),
    pytest.param([SCREEN, {**REVIEW, "quorum": ["police", "Review Panel Chair"]}], "meetings[1].quorum",
                 '"Review Panel Chair" is not a role of this preset', id="a label for an id"),
    pytest.param([{**REVIEW, "quorum": []}], "meetings[0].quorum", "must name the roles that must be present",
                 id="no roles"),
    pytest.param([{**REVIEW, "quorum": "police"}], "meetings[0].quorum", "must be a list of role ids",
                 id="not a list"),
    pytest.param([{**REVIEW, "quorum": ["police", "police"]}], "meetings[0].quorum", '"police" appears twice',
                 id="a role twice"),
    pytest.param([{**REVIEW, "event": "review_meeting"}], "meetings[0].event",
                 '"review_meeting" is not a meeting; use one of rr_meeting, screening_meeting, review_panel',
                 id="an unknown meeting"),
    pytest.param([{k: v for k, v in REVIEW.items() if k != "source"}], "meetings[0].source", "is missing",
                 id="no source"),
    pytest.param([{**REVIEW, "referral_types": ["adult"]}], "meetings[0].referral_types",
                 '"adult" is not a referral type of this preset', id="an unknown referral type"),
    pytest.param([{**REVIEW, "after": "review_started"}], "meetings[0].after",
                 '"review_started" is not an event a later meeting can follow', id="an unknown event"),
    pytest.param([{**SCREEN, "after": "decision"}], "meetings[0].after",
                 'the SAR screening meeting is a "sar" referral\'s first meeting; leave out `after`',
                 id="after for the first meeting"),
    pytest.param([{**SCREEN, "event": "rr_meeting"}], "meetings[0].event",
                 'a "sar" referral\'s meeting is the SAR screening meeting (its clocks or an earlier entry say so), so '
                 "this quorum would never be used", id="a meeting the type does not have"),
    pytest.param([SCREEN, {**SCREEN, "quorum": ["screening_panel_chair"]}], "meetings[1].event",
                 'a "sar" referral\'s SAR screening meeting already has its quorum in meetings[0]',
                 id="the same meeting twice"),
    pytest.param([{**REVIEW, "event": "monthly_panel", "after": None}], "meetings[0].event",
                 "monthly_panel needs a [panel.monthly] table", id="a monthly panel Stockport does not have"),
    pytest.param([{**REVIEW, "members": ["police"]}], "meetings[0].members", "is not a setting here",
                 id="an unknown setting"),
])
def test_a_wrong_meeting_quorum_is_refused_naming_the_key(entries, key, problem):
    entries = [{k: v for k, v in e.items() if v is not None} for e in entries]
    error = load_error(with_meetings(*entries))
    assert (error.source, error.key) == ("stockport.toml", key), str(error)
    assert problem in error.problem, str(error)


def test_suffolk_monthly_panel_can_have_a_quorum_of_its_own_but_no_referral_types():
    data = tomllib.loads((PRESET_DIR / "suffolk.toml").read_text(encoding="utf-8"))
    data["meetings"] = [{"event": "monthly_panel", "quorum": ["local_authority", "police"], "source": "3"}]
    assert quorum_of(parse_preset(data, source="suffolk.toml"), "monthly_panel") == ("local_authority", "police")
    data["meetings"][0]["referral_types"] = ["child"]
    with pytest.raises(PresetError) as caught:
        parse_preset(data, source="suffolk.toml")
    assert caught.value.key == "meetings[0].referral_types"
    assert "the monthly panel is the partnership's own meeting, of no referral" in caught.value.problem
