"""The shipped partnership presets, and the errors a malformed preset gives.

Each test names the partnership's procedure it checks. The rules are in domain/PROCEDURES.md and the seed
documents; the presets quote the section in each clock's `source`.
"""

from __future__ import annotations

import os
import re
import shutil
import tomllib

import pytest

from flows.preset import (
    EVENTS,
    PRESET_DIR,
    STATUTORY_ROLES,
    UNITS,
    PresetError,
    available_presets,
    load_preset,
)

SHIPPED = ("dudley", "kirklees", "salford", "stockport", "suffolk")
STATUTORY_PANELS = ("dudley", "kirklees", "stockport", "suffolk")  # the three statutory partners vote
PREFIXES = {"dudley": "DUD", "kirklees": "KIR", "salford": "SAL", "stockport": "STO", "suffolk": "SUF"}
OWNER_IDS = {"bm", "panel", "agency", "chair", "la"}
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


# Shipped presets -----------------------------------------------------------------------------------------

def test_all_five_partnerships_ship_a_preset():
    assert set(SHIPPED) <= set(available_presets())


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_preset_loads_by_name(name):
    preset = load_preset(name)
    assert preset.id == name
    assert preset.reference_prefix == PREFIXES[name]
    assert preset.nation == "ENG"
    assert preset.source_file == str(PRESET_DIR / f"{name}.toml")
    assert preset.themes, "themes must be a top-level key, written before the first [table]"
    assert preset.agencies


# (procedure, preset, clock id, amount, unit, starts) -- starts None where the preset may choose.
REQUIRED_CLOCKS = [
    ("Salford 7.5: virtual panel decides within 48 hours", "salford", "panel_decision", 48, "hours",
     "referral_received"),
    ("Dudley (Rapid Reviews): scoping template sent within 2 working days of the referral", "dudley",
     "info_request_send", 2, "working_days", "referral_received"),
    ("Dudley (Rapid Reviews): agency returns within 5 working days", "dudley", "agency_return", 5,
     "working_days", "request_sent"),
    ("Dudley (Rapid Reviews): meeting no earlier than 7 working days after the referral", "dudley",
     "rr_meeting_earliest", 7, "working_days", "referral_received"),
    ("Dudley (Rapid Reviews): meeting no later than 13 working days after the referral", "dudley",
     "rr_meeting_latest", 13, "working_days", "referral_received"),
    ("Dudley (Rapid Reviews): decision at the meeting, by 13 working days", "dudley", "panel_decision", 13,
     "working_days", "referral_received"),
    ("Dudley (Rapid Reviews): complete within 15 working days of becoming aware", "dudley", "rr_complete",
     15, "working_days", "became_aware"),
    ("Dudley (Rapid Reviews): template to the National Panel within 2 working days of the meeting",
     "dudley", "national_panel_outcome", 2, "working_days", "rr_meeting"),
    ("Dudley (SARs): scoping from all partners within 20 working days", "dudley", "sar_scoping_returns",
     20, "working_days", "referral_received"),
    ("Dudley (SARs): sub-group decision within 8 weeks of the request", "dudley", "sar_subgroup_decision",
     8, "weeks", "referral_received"),
    ("Dudley (SARs): agreed by the Independent Chair within 10 working days of the scoping review",
     "dudley", "sar_chair_agreement", 10, "working_days", "scoping_review"),
    ("Kirklees (Information Gathering): tool sent on days 1 to 3", "kirklees", "info_request_send", 3,
     "working_days", "referral_received"),
    ("Kirklees (Information Gathering): tool returned within 48 hours", "kirklees", "agency_return", 48,
     "hours", "request_sent"),
    ("Kirklees (Panel and Decision): decision on days 4 to 5", "kirklees", "panel_decision", 5,
     "working_days", "referral_received"),
    ("Kirklees (Information Gathering): findings to the National Panel within 5 working days", "kirklees",
     "national_panel_outcome", 5, "working_days", "became_aware"),
    ("Kirklees (Workstream approval): minutes within 48 hours", "kirklees", "workstream_minutes", 48,
     "hours", None),
    ("Kirklees (Workstream approval): reviewer's amendments within 48 hours", "kirklees",
     "reviewer_amendments", 48, "hours", None),
    ("Kirklees (Business Group Approval): 14 days", "kirklees", "business_group_approval", 14, "days", None),
    ("Kirklees (Notification): 7 working days before publication", "kirklees", "publication_notice", 7,
     "working_days", "publication"),
    ("Stockport 11: SAR screening meeting within 15 working days", "stockport", "sar_screening", 15,
     "working_days", "referral_received"),
    ("Stockport 11: recommendation to the Independent Chair within 5 working days of the meeting",
     "stockport", "sar_recommendation", 5, "working_days", "screening_meeting"),
    ("Stockport 11: Independent Chair decides within 5 working days", "stockport", "sar_chair_decision", 5,
     "working_days", None),
    ("Stockport 1: virtual panel decision (product default 5 working days)", "stockport", "panel_decision",
     5, "working_days", "referral_received"),
    ("Stockport 11: review complete within 6 months", "stockport", "review_complete", 6, "months", None),
    ("Stockport 21: complaint answered within 28 days", "stockport", "complaint_response", 28, "days",
     "complaint"),
    ("Stockport 21: escalated complaint answered within a further 28 days", "stockport",
     "complaint_escalation", 28, "days", None),
    ("Suffolk 3: decided at the next monthly panel", "suffolk", "panel_decision", 1, "panel_meeting",
     "referral_received"),
    ("Suffolk 3 (DfE Referrals): response to the DfE within 15 days", "suffolk", "dfe_response", 15, "days",
     None),
    ("Suffolk 4/7: full report 7 working days before publication", "suffolk", "publication_notice", 7,
     "working_days", "publication"),
]


@pytest.mark.parametrize(
    ("preset_name", "clock_id", "amount", "unit", "starts"),
    [pytest.param(*row[1:], id=row[0]) for row in REQUIRED_CLOCKS],
)
def test_required_clock(preset_name, clock_id, amount, unit, starts):
    clock = load_preset(preset_name).clock(clock_id)
    assert (clock.amount, clock.unit) == (amount, unit)
    if starts is not None:
        assert clock.starts == starts
    assert clock.source


def test_stockport_11_chair_decision_runs_from_the_recommendation():
    # Either the recommendation being sent, or the recommendation's due date, is a reading of section 11.
    starts = load_preset("stockport").clock("sar_chair_decision").starts
    assert starts in ("recommendation", "clock:sar_recommendation")


@pytest.mark.parametrize("name", SHIPPED)
def test_every_preset_has_a_panel_decision_clock(name):
    preset = load_preset(name)
    assert preset.decision_clock == "panel_decision"
    assert preset.has_clock("panel_decision")


def test_kirklees_chronologies_learning_event_first_draft_chain():
    preset = load_preset("kirklees")
    chronology = preset.clock("chronology_return")
    event = preset.clock("learning_event")
    draft = preset.clock("first_draft")
    assert (chronology.amount, chronology.unit) == (14, "days")
    assert (event.amount, event.unit, event.after_clock) == (14, "days", "chronology_return")
    assert (draft.amount, draft.unit, draft.after_clock) == (28, "days", "learning_event")


def test_dudley_sars_milestones_count_from_the_commission():
    preset = load_preset("dudley")
    expected = {
        "sar_reviewers": (3, "weeks", "review_commissioned"),
        "sar_first_meeting": (4, "weeks", "clock:sar_reviewers"),
        "sar_draft_report": (5, "months", "review_commissioned"),
        "sar_committee": (15, "days", "clock:sar_draft_report"),  # five and a half months
        "sar_board_sign_off": (6, "months", "review_commissioned"),
        "sar_family_copy": (2, "weeks", "clock:sar_board_sign_off"),
        "sar_publication": (7, "months", "review_commissioned"),
        "sar_learning_event": (9, "months", "review_commissioned"),
    }
    for clock_id, (amount, unit, starts) in expected.items():
        clock = preset.clock(clock_id)
        assert (clock.amount, clock.unit, clock.starts) == (amount, unit, starts), clock_id


def test_suffolk_4_each_review_type_has_its_own_clock():
    preset = load_preset("suffolk")
    expected = {
        "action_learning": (1, "months"),
        "single_agency_review": (3, "months"),
        "partnership_review": (3, "months"),
        "independent_review": (6, "months"),
    }
    for outcome_id, (amount, unit) in expected.items():
        outcome = preset.outcome(outcome_id)
        assert outcome.follow_up, outcome_id
        clock = preset.clock(outcome.follow_up)
        assert (clock.amount, clock.unit, clock.starts) == (amount, unit, "decision"), outcome_id


def test_suffolk_3_monthly_panel_on_the_25th_with_a_15th_cut_off():
    panel = load_preset("suffolk").monthly_panel
    assert panel is not None
    assert (panel.day, panel.cutoff_day) == (25, 15)


def test_kirklees_panel_and_decision_the_four_options():
    outcomes = [o.id for o in load_preset("kirklees").outcomes]
    assert outcomes == ["national_cspr", "local_cspr", "single_agency_review", "agency_audit"]


def test_stockport_1_the_three_pathways():
    outcomes = {o.id for o in load_preset("stockport").outcomes}
    assert {"rapid_review", "practice_review", "case_escalation"} <= outcomes


@pytest.mark.parametrize(
    ("name", "outcome_id"),
    [
        pytest.param("salford", "neither_threshold", id="Salford 7.5: meets neither threshold"),
        pytest.param("dudley", "no_review", id="Dudley (CSPRs 1): no review required"),
        pytest.param("dudley", "incomplete_referral", id="Dudley (SARs): incomplete referral returned"),
        pytest.param("stockport", "no_review", id="Stockport 5/8: no review"),
        pytest.param("suffolk", "no_review", id="Suffolk 3 (Feedback): does not meet the criteria"),
        pytest.param("suffolk", "on_hold", id="Suffolk 3: on hold"),
    ],
)
def test_a_no_review_outcome_needs_a_reason(name, outcome_id):
    assert load_preset(name).outcome(outcome_id).reason_required


def test_dudley_sars_incomplete_referral_is_returned_to_the_sender():
    assert load_preset("dudley").outcome("incomplete_referral").incomplete


# Roles and quorum ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", SHIPPED)
def test_statutory_partners_present(name):
    preset = load_preset(name)
    for role_id in STATUTORY_ROLES:
        assert preset.role(role_id).statutory, role_id
    assert preset.role_label("health") == "Health (ICB)"
    assert preset.role("business_manager")


@pytest.mark.parametrize("name", STATUTORY_PANELS)
def test_virtual_panel_of_the_three_statutory_partners(name):
    preset = load_preset(name)
    assert preset.voting_roles == STATUTORY_ROLES
    assert not preset.role("business_manager").votes
    assert preset.quorum.count is None
    assert preset.quorum.roles == STATUTORY_ROLES
    assert preset.tie_break_role == "independent_chair"
    assert not preset.immediate_decision


def test_salford_7_5_quorum_of_two_and_the_bms_immediate_decision():
    preset = load_preset("salford")
    assert preset.quorum.count == 2
    assert preset.quorum.roles == ()
    assert preset.tie_break_role == "independent_adviser"
    assert preset.immediate_decision


# File hygiene: TOML puts a top-level key written after a [[table]] header into that table. The loader refuses
# unknown keys (see "Unknown settings" below); this checks the shipped files against the same list, written
# out independently.

TOP_KEYS = {"id", "name", "reference_prefix", "nation", "timezone", "themes", "working_hours", "roles",
            "referral_types", "panel", "outcomes", "clocks", "agencies"}
TABLE_KEYS = {
    "roles": {"id", "label", "votes", "statutory"},
    "referral_types": {"id", "label"},
    "outcomes": {"id", "label", "reason_required", "follow_up", "incomplete"},
    "clocks": {"id", "label", "amount", "unit", "starts", "source", "owner", "referral_types"},
    "agencies": {"id", "label"},
}
PANEL_KEYS = {"quorum", "tie_break", "immediate_decision", "decision_clock", "monthly"}


@pytest.mark.parametrize("name", SHIPPED)
def test_preset_file_has_only_known_keys(name):
    data = tomllib.loads((PRESET_DIR / f"{name}.toml").read_text(encoding="utf-8"))
    assert set(data) <= TOP_KEYS, set(data) - TOP_KEYS
    assert set(data["panel"]) <= PANEL_KEYS, set(data["panel"]) - PANEL_KEYS
    assert set(data["working_hours"]) <= {"start", "end"}
    for table, keys in TABLE_KEYS.items():
        for item in data.get(table, []):
            assert set(item) <= keys, (table, item.get("id"), set(item) - keys)


@pytest.mark.parametrize("name", SHIPPED)
def test_clocks_have_an_owner_a_source_and_snake_case_ids(name):
    preset = load_preset(name)
    for clock in preset.clocks:
        assert SNAKE.match(clock.id), clock.id
        assert clock.owner in OWNER_IDS, (clock.id, clock.owner)
        assert clock.source.strip(), clock.id
        assert clock.unit in UNITS
        assert clock.after_clock is not None or clock.starts in EVENTS
    for outcome in preset.outcomes:
        assert SNAKE.match(outcome.id), outcome.id
    for role in preset.roles:
        assert SNAKE.match(role.id), role.id


# Malformed presets ---------------------------------------------------------------------------------------

HEADER = """\
id = "testshire"
name = "Testshire Safeguarding Partnership"
reference_prefix = "TST"
themes = ["neglect"]
"""

ROLES = """
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
label = "Health (ICB)"
votes = true
statutory = true

[[roles]]
id = "business_manager"
label = "Business Manager"

[[roles]]
id = "independent_chair"
label = "Independent Chair"

[[referral_types]]
id = "rapid_review"
label = "Rapid review"
"""

PANEL = """
[panel]
quorum = { roles = ["local_authority", "police", "health"] }
tie_break = "independent_chair"
decision_clock = "panel_decision"
"""

OUTCOMES_AND_CLOCKS = """
[[outcomes]]
id = "review"
label = "Review"
follow_up = "review"

[[outcomes]]
id = "no_review"
label = "No review"
reason_required = true

[[clocks]]
id = "panel_decision"
label = "Panel decision"
amount = 5
unit = "working_days"
starts = "referral_received"

[[clocks]]
id = "review"
label = "Review complete"
amount = 6
unit = "months"
starts = "decision"
"""

MINIMAL = HEADER + ROLES + PANEL + OUTCOMES_AND_CLOCKS


def replaced(text: str, old: str, new: str) -> str:
    assert old in text, f"test setup: {old!r} is not in the preset text"
    return text.replace(old, new, 1)


def write(tmp_path, text: str, filename: str = "testshire.toml"):
    path = tmp_path / filename
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_preset_is_valid(tmp_path):
    preset = load_preset(str(write(tmp_path, MINIMAL)))
    assert preset.id == "testshire"
    assert preset.quorum.roles == STATUTORY_ROLES


LOOP = """
[[clocks]]
id = "loop_a"
label = "A"
amount = 1
unit = "days"
starts = "clock:loop_b"

[[clocks]]
id = "loop_b"
label = "B"
amount = 1
unit = "days"
starts = "clock:loop_a"
"""

MALFORMED = [
    pytest.param(
        replaced(MINIMAL, '"police", "health"]', '"police", "coroner"]'),
        "panel.quorum.roles", '"coroner" is not a role',
        id="quorum rule names an unknown role",
    ),
    pytest.param(
        replaced(MINIMAL, 'unit = "months"\n', ""),
        "clocks.review.unit", "is missing",
        id="clock with no unit",
    ),
    pytest.param(
        replaced(MINIMAL, 'follow_up = "review"', 'follow_up = "reveiw"'),
        "outcomes.review.follow_up", 'points at clock "reveiw", which is not defined',
        id="outcome points at a missing clock",
    ),
    pytest.param(
        MINIMAL + LOOP,
        "clocks.loop_a.starts", "form a loop",
        id="clock chain loop",
    ),
    pytest.param(
        replaced(MINIMAL, 'starts = "referral_received"', 'starts = "referral_recieved"'),
        "clocks.panel_decision.starts", '"referral_recieved" is not an event',
        id="clock starts from an unknown event",
    ),
    pytest.param(
        replaced(MINIMAL, 'label = "Panel decision"', 'label = "Panel decision'),
        "file", "not valid TOML",
        id="invalid TOML",
    ),
    pytest.param(
        HEADER + ROLES + OUTCOMES_AND_CLOCKS,
        "panel", "is missing",
        id="missing [panel]",
    ),
]


@pytest.mark.parametrize(("text", "key", "problem"), MALFORMED)
def test_malformed_preset_error_names_file_key_and_problem(tmp_path, text, key, problem):
    path = write(tmp_path, text)
    with pytest.raises(PresetError) as caught:
        load_preset(str(path))
    error = caught.value
    assert error.source == str(path)
    assert error.key == key
    assert problem in error.problem
    message = str(error)
    assert message.startswith(f"{path}: {key}: ")
    assert problem in message


# Loading by path -----------------------------------------------------------------------------------------

def test_preset_given_by_path_in_panelbot_preset(tmp_path, monkeypatch):
    # Users give their own preset as PANELBOT_PRESET=/path/to/file.toml.
    path = tmp_path / "ours.toml"
    shutil.copy(PRESET_DIR / "suffolk.toml", path)
    monkeypatch.setenv("PANELBOT_PRESET", str(path))
    preset = load_preset(os.environ["PANELBOT_PRESET"])
    assert preset.id == "suffolk"
    assert preset.source_file == str(path)


def test_preset_path_without_toml_suffix(tmp_path):
    path = write(tmp_path, MINIMAL, filename="preset.conf")
    assert load_preset(str(path)).id == "testshire"


def test_missing_preset_file_names_the_path(tmp_path):
    path = tmp_path / "nowhere.toml"
    with pytest.raises(PresetError) as caught:
        load_preset(str(path))
    assert caught.value.source == str(path)
    assert caught.value.key == "file"
    assert "no such preset file" in str(caught.value)


def test_unknown_preset_name_lists_the_shipped_ones():
    with pytest.raises(PresetError) as caught:
        load_preset("atlantis")
    assert caught.value.key == "name"
    for name in SHIPPED:
        assert name in caught.value.problem
