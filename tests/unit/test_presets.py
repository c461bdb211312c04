"""The shipped partnership presets, and the errors a malformed preset gives.

Each test names the partnership's procedure it checks. The rules are in domain/PROCEDURES.md and the seed
documents; the presets quote the section in each clock's `source`.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import tomllib

import pytest

from flows.preset import (
    EVENTS,
    OWNERS,
    PRESET_DIR,
    STATUTORY_ROLES,
    UNITS,
    PresetError,
    available_presets,
    load_preset,
    parse_preset,
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
    ("Dudley (Rapid Reviews): meeting 7 to 13 working days after the referral (one window clock)", "dudley",
     "rr_meeting", 13, "working_days", "referral_received"),
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
    ("Kirklees (Notification): 7 working days after completion or before publication", "kirklees",
     "publication_notice", 7, "working_days", "board_sign_off"),
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
     "working_days", None),
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
    # Section 3: the panel 10 days after the referral; the 15th is that rule for a panel on the 25th.
    panel = load_preset("suffolk").monthly_panel
    assert panel is not None
    assert (panel.day, panel.cutoff_days_before) == (25, 10)


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
            "referral_types", "panel", "outcomes", "clocks", "agencies", "request_template", "intake", "complaints",
            "stages", "milestones", "meetings"}
INTAKE_KEYS = {
    "sources": {"id", "label", "agency", "source"},
    "parallel": {"id", "label", "before_publication", "source"},
    "notifications": {"id", "label", "required_for", "looked_after", "meets", "source"},
}
TABLE_KEYS = {
    "roles": {"id", "label", "votes", "statutory"},
    "referral_types": {"id", "label", "request_template", "return_clock"},
    "outcomes": {"id", "label", "reason_required", "follow_up", "incomplete", "hold", "stops", "referral_types"},
    "clocks": {"id", "label", "amount", "unit", "starts", "before", "whichever", "earliest", "met_by", "source",
               "owner", "referral_types", "reminders"},
    "agencies": {"id", "label"},
    "stages": {"id", "label", "by", "outcomes", "referral_types", "after", "source"},
    "milestones": {"id", "label", "after", "referral_types", "source"},
    "meetings": {"event", "quorum", "referral_types", "after", "source"},
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
    intake = data.get("intake", {})
    assert set(intake) <= {"authorised_by", *INTAKE_KEYS}
    assert set(intake.get("authorised_by", {})) <= {"label", "hint", "required", "source"}
    for table, keys in INTAKE_KEYS.items():
        for item in intake.get(table, []):
            assert set(item) <= keys and item["source"].strip(), (table, item.get("id"))
    assert set(data.get("complaints", {})) <= {"response_clock", "escalation_clock", "subjects", "ombudsman", "source"}


@pytest.mark.parametrize("name", SHIPPED)
def test_clocks_have_an_owner_a_source_and_snake_case_ids(name):
    preset = load_preset(name)
    for clock in preset.clocks:
        assert SNAKE.match(clock.id), clock.id
        assert clock.owner in OWNER_IDS, (clock.id, clock.owner)
        assert clock.source.strip(), clock.id
        assert clock.unit in UNITS
        assert clock.after_clock is not None or clock.starts in EVENTS or clock.before in EVENTS
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


def parse_error(data: dict, source: str = "testshire.toml") -> PresetError:
    with pytest.raises(PresetError) as caught:
        parse_preset(data, source=source)
    return caught.value


def assert_error(error: PresetError, source: str, key: str, problem: str) -> None:
    assert (error.source, error.key) == (source, key), str(error)
    assert problem in error.problem, str(error)
    assert str(error) == f"{source}: {key}: {error.problem}"


# Unknown settings: every table refuses a key it does not know ------------------------------------------

AGENCIES = """
[[agencies]]
id = "police"
label = "Police"
"""

WORKING_HOURS = """
[working_hours]
start = "09:00"
end = "17:00"
"""

MISPLACED = "(did you put a top-level key after a [[table]]?"

UNKNOWN_SETTINGS = [
    pytest.param(
        replaced(MINIMAL, 'themes = ["neglect"]\n', "") + AGENCIES + 'themes = ["neglect"]\n',
        "agencies[0].themes", MISPLACED,
        id="TOML: themes written after the last [[agencies]] lands in that agency",
    ),
    pytest.param(
        MINIMAL + 'timezone = "Europe/London"\n',
        "clocks.review.timezone", MISPLACED,
        id="TOML: a top-level key after the last [[clocks]] lands in that clock",
    ),
    pytest.param(
        replaced(MINIMAL, 'decision_clock = "panel_decision"\n',
                 'decision_clock = "panel_decision"\nnation = "ENG"\n'),
        "panel.nation", MISPLACED,
        id="TOML: a top-level key after [panel] lands in the panel",
    ),
    pytest.param(
        HEADER + replaced(WORKING_HOURS, "start", "strat") + ROLES + PANEL + OUTCOMES_AND_CLOCKS,
        "working_hours.strat", 'did you mean "start"?',
        id="typo in [working_hours]",
    ),
    pytest.param(
        replaced(MINIMAL, "votes = true", "vote = true"),
        "roles[0].vote", 'did you mean "votes"?',
        id="typo in [[roles]]",
    ),
    pytest.param(
        replaced(MINIMAL, 'label = "Rapid review"', 'lable = "Rapid review"'),
        "referral_types[0].lable", 'did you mean "label"?',
        id="typo in [[referral_types]]",
    ),
    pytest.param(
        replaced(MINIMAL, 'follow_up = "review"', 'followup = "review"'),
        "outcomes.review.followup", 'did you mean "follow_up"?',
        id="typo in [[outcomes]]",
    ),
    pytest.param(
        replaced(MINIMAL, 'unit = "months"', 'unti = "months"'),
        "clocks.review.unti", 'did you mean "unit"?',
        id="typo in [[clocks]] is reported before the missing unit",
    ),
    pytest.param(
        replaced(MINIMAL, 'starts = "decision"\n', 'starts = "decision"\ncolour = "red"\n'),
        "clocks.review.colour", "the settings here are id, label, amount, unit, starts, source, owner",
        id="no close match: the known settings are listed",
    ),
    pytest.param(
        replaced(MINIMAL, "tie_break =", "tiebreak ="),
        "panel.tiebreak", 'did you mean "tie_break"?',
        id="typo in [panel]",
    ),
    pytest.param(
        replaced(MINIMAL, "quorum = { roles =", "quorum = { cout = 2, roles ="),
        "panel.quorum.cout", 'did you mean "count"?',
        id="typo in panel.quorum",
    ),
    pytest.param(
        replaced(MINIMAL, 'decision_clock = "panel_decision"\n',
                 'decision_clock = "panel_decision"\nmonthly = { day = 25, cutoff = 15 }\n'),
        "panel.monthly.cutoff", 'did you mean "cutoff_day"?',
        id="typo in panel.monthly",
    ),
    pytest.param(
        MINIMAL + replaced(AGENCIES, "label", "lable"),
        "agencies[0].lable", 'did you mean "label"?',
        id="typo in [[agencies]]",
    ),
    pytest.param(
        replaced(MINIMAL, 'themes = ["neglect"]\n', 'theme = ["neglect"]\n'),
        "theme", 'did you mean "themes"?',
        id="typo at the top level",
    ),
    pytest.param(
        replaced(MINIMAL, 'themes = ["neglect"]\n',
                 'themes = ["neglect"]\ntie_break = "independent_chair"\n'),
        "tie_break", "it belongs under a [panel] header",
        id="a [panel] setting written at the top of the file",
    ),
]


@pytest.mark.parametrize(("text", "key", "problem"), UNKNOWN_SETTINGS)
def test_unknown_setting_is_refused_with_a_hint(tmp_path, text, key, problem):
    path = write(tmp_path, text)
    with pytest.raises(PresetError) as caught:
        load_preset(str(path))
    assert_error(caught.value, str(path), key, problem)
    assert "is not a setting here" in caught.value.problem


def test_salford_themes_moved_below_the_agencies_is_named_as_a_toml_mistake(tmp_path):
    # The classic mistake in a real file: themes pasted at the end lands in the last of Salford's 6 agencies.
    text = (PRESET_DIR / "salford.toml").read_text(encoding="utf-8")
    themes = re.search(r"^themes = \[.*?\]\n", text, re.MULTILINE | re.DOTALL)
    assert themes is not None
    path = write(tmp_path, text.replace(themes.group(0), "") + themes.group(0), filename="salford.toml")
    with pytest.raises(PresetError) as caught:
        load_preset(str(path))
    assert str(caught.value) == (
        f"{path}: intake.parallel[3].themes: is not a setting here (did you put a top-level key after a [[table]]?"
        " Top-level settings such as this one go above the first [table] or [[table]] header)"
    )


# Clock owners --------------------------------------------------------------------------------------------

def test_clock_owners_are_the_five_the_product_knows():
    assert OWNERS == ("bm", "panel", "agency", "chair", "la")
    assert set(OWNERS) == OWNER_IDS


@pytest.mark.parametrize("owner", OWNERS)
def test_clock_owner_is_read(tmp_path, owner):
    text = replaced(MINIMAL, 'starts = "decision"\n', f'starts = "decision"\nowner = "{owner}"\n')
    preset = load_preset(str(write(tmp_path, text)))
    assert preset.clock("review").owner == owner
    assert preset.clock("panel_decision").owner == "bm"  # the default


def test_clock_owner_must_be_a_known_owner(tmp_path):
    text = replaced(MINIMAL, 'starts = "decision"\n', 'starts = "decision"\nowner = "boss"\n')
    path = write(tmp_path, text)
    with pytest.raises(PresetError) as caught:
        load_preset(str(path))
    problem = '"boss" is not one of bm, panel, agency, chair, la'
    assert_error(caught.value, str(path), "clocks.review.owner", problem)


# Wrong types: a PresetError naming the key, never a Python exception --------------------------------------

def _set(path: tuple, value: object):
    def change(data: dict) -> None:
        node = data
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value

    return change


WRONG_TYPES = [
    pytest.param(_set(("working_hours",), 5), "working_hours", "must be a table", id="working_hours = 5"),
    pytest.param(_set(("panel", "monthly"), 25), "panel.monthly", "must be a table", id="panel.monthly = 25"),
    pytest.param(_set(("panel", "monthly"), {"day": "25", "cutoff_day": 15}), "panel.monthly", "needs day",
                 id="panel.monthly day in quotes"),
    pytest.param(_set(("agencies",), "x"), "agencies", "must be a list of [[agencies]] tables",
                 id='agencies = "x"'),
    pytest.param(_set(("themes",), 3), "themes", "must be a list", id="themes = 3"),
    pytest.param(_set(("themes",), ["neglect", 3]), "themes", "must be a list", id="themes = [..., 3]"),
    pytest.param(_set(("roles",), 1), "roles", "must be a non-empty list of [[roles]] tables",
                 id="roles = 1"),
    pytest.param(_set(("referral_types",), {"id": "x"}), "referral_types", "must be a non-empty list",
                 id="referral_types written as one table"),
    pytest.param(_set(("clocks",), []), "clocks", "must be a non-empty list", id="clocks = []"),
    pytest.param(_set(("clocks", 1, "source"), 5), "clocks.review.source", "must be text", id="source = 5"),
    pytest.param(_set(("clocks", 1, "amount"), "6"), "clocks.review.amount", "whole number",
                 id='amount = "6"'),
    pytest.param(_set(("clocks", 1, "owner"), 3), "clocks.review.owner", "must be a non-empty string",
                 id="owner = 3"),
    pytest.param(_set(("clocks", 1, "referral_types"), "rapid_review"), "clocks.review.referral_types",
                 "must be a list", id="clock referral_types not a list"),
    pytest.param(_set(("roles", 0, "votes"), "yes"), "roles[0].votes", "true or false", id='votes = "yes"'),
    pytest.param(_set(("outcomes", 0, "follow_up"), 5), "outcomes.review.follow_up",
                 "must be the id of a clock",
                 id="follow_up = 5"),
    pytest.param(_set(("panel",), 5), "panel", "must be a [panel] table", id="panel = 5"),
    pytest.param(_set(("panel", "quorum"), 2), "panel.quorum", "must be a table", id="panel.quorum = 2"),
    pytest.param(_set(("panel", "quorum"), {"roles": [["police"]]}), "panel.quorum.roles",
                 "non-empty list of role ids", id="quorum roles nested list"),
    pytest.param(_set(("timezone",), "Mars/Olympus"), "timezone", "is not a time zone",
                 id="unknown time zone"),
    pytest.param(_set(("timezone",), 0), "timezone", "must be a non-empty string", id="timezone = 0"),
]


@pytest.mark.parametrize(("change", "key", "problem"), WRONG_TYPES)
def test_wrong_type_gives_a_preset_error_naming_the_key(change, key, problem):
    data = tomllib.loads(MINIMAL)
    change(data)
    assert_error(parse_error(data), "testshire.toml", key, problem)


def _paths(node: object, prefix: tuple = ()):
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield (*prefix, key)
        yield from _paths(value, (*prefix, key))


@pytest.mark.parametrize("name", SHIPPED)
def test_no_wrong_value_anywhere_crashes_the_loader(name):
    # Every setting of every shipped preset, replaced by a value of the wrong kind: the loader either accepts
    # it or gives a PresetError; it never fails with a TypeError, AttributeError or KeyError.
    original = tomllib.loads((PRESET_DIR / f"{name}.toml").read_text(encoding="utf-8"))
    for path in list(_paths(original)):
        for wrong in (5, "x", True, 2.5, [], [1], {}, [{}]):
            data = copy.deepcopy(original)
            _set(path, wrong)(data)
            try:
                parse_preset(data, source=f"{name}.toml")
            except PresetError:
                pass


# Clocks limited to referral types --------------------------------------------------------------------------

TWO_TYPES = replaced(MINIMAL, '[[referral_types]]\nid = "rapid_review"\nlabel = "Rapid review"\n',
                     '[[referral_types]]\nid = "rapid_review"\nlabel = "Rapid review"\n\n'
                     '[[referral_types]]\nid = "sar"\nlabel = "Safeguarding adults review"\n')

SAR_CLOCKS = """
[[clocks]]
id = "sar_screening"
label = "SAR screening"
amount = 15
unit = "working_days"
starts = "referral_received"
referral_types = ["sar"]

[[clocks]]
id = "sar_chair"
label = "Chair decides"
amount = 5
unit = "working_days"
starts = "clock:sar_screening"
referral_types = ["sar"]
"""


def test_clock_referral_types_are_read_and_limit_the_clock(tmp_path):
    preset = load_preset(str(write(tmp_path, TWO_TYPES + SAR_CLOCKS)))
    screening = preset.clock("sar_screening")
    assert screening.referral_types == ("sar",)
    assert screening.applies_to("sar")
    assert not screening.applies_to("rapid_review")
    assert preset.clock("panel_decision").referral_types == ()  # none given: every type
    assert preset.clock("panel_decision").applies_to("sar")


MALFORMED_REFERRAL_TYPES = [
    pytest.param(
        replaced(TWO_TYPES + SAR_CLOCKS, 'referral_types = ["sar"]', 'referral_types = ["adult"]'),
        "clocks.sar_screening.referral_types",
        '"adult" is not a referral type of this preset; use rapid_review, sar',
        id="a clock names an unknown referral type",
    ),
    pytest.param(
        replaced(TWO_TYPES + SAR_CLOCKS, 'referral_types = ["sar"]', 'referral_types = ["sar", "sar"]'),
        "clocks.sar_screening.referral_types", '"sar" appears twice',
        id="a clock names a referral type twice",
    ),
    pytest.param(
        replaced(TWO_TYPES + SAR_CLOCKS, 'starts = "clock:sar_screening"\nreferral_types = ["sar"]',
                 'starts = "clock:sar_screening"\nreferral_types = ["rapid_review"]'),
        "clocks.sar_chair.referral_types", 'starts from clock "sar_screening", which runs only for sar',
        id="a chained clock names a type its first clock never runs for",
    ),
    pytest.param(
        replaced(TWO_TYPES, 'starts = "referral_received"\n',
                 'starts = "referral_received"\nreferral_types = ["sar"]\n'),
        "clocks.panel_decision.referral_types", "the panel's decision clock, which every referral needs",
        id="the panel decision clock limited to some types",
    ),
]


@pytest.mark.parametrize(("text", "key", "problem"), MALFORMED_REFERRAL_TYPES)
def test_malformed_clock_referral_types(tmp_path, text, key, problem):
    path = write(tmp_path, text)
    with pytest.raises(PresetError) as caught:
        load_preset(str(path))
    assert_error(caught.value, str(path), key, problem)


FILING_EVENTS = ("referral_received", "became_aware")


def started_at_filing(preset, type_id: str) -> list[str]:
    """The clocks filing a referral of this type starts (bot.service.referrals does the same)."""
    return [c.id for c in preset.clocks if c.starts in FILING_EVENTS and c.applies_to(type_id)]


@pytest.mark.parametrize(
    ("name", "type_id", "expected"),
    [
        pytest.param("dudley", "cspr",
                     {"info_request_send", "rr_meeting", "panel_decision",
                      "rr_complete"},
                     id="Dudley (Rapid Reviews): a child referral starts the rapid review clocks only"),
        pytest.param("dudley", "sar", {"panel_decision", "sar_scoping_returns", "sar_subgroup_decision"},
                     id="Dudley (SARs Timescales): a SAR referral starts the SAR request clocks only"),
        pytest.param("stockport", "child", {"panel_decision"},
                     id="Stockport 1: a child referral starts the virtual panel's clock only"),
        pytest.param("stockport", "sar", {"panel_decision", "sar_screening", "sar_quarterly_report"},
                     id="Stockport 5/11: a SAR referral starts screening and the quarterly report"),
        pytest.param("suffolk", "child", {"panel_decision", "la_notification"},
                     id="Suffolk 3: a child referral starts the panel and the LA notification"),
        pytest.param("suffolk", "adult", {"panel_decision"},
                     id="Suffolk 3: an adult (SAR) referral starts no children's notification"),
        pytest.param("suffolk", "dfe", {"panel_decision", "la_notification", "dfe_response"},
                     id="Suffolk 3 (DfE Referrals): only a DfE referral starts the 15-day DfE response"),
        pytest.param("suffolk", "court", {"panel_decision", "la_notification"},
                     id="Suffolk 3 (Court Referrals): handled by the rapid review process"),
    ],
)
def test_clocks_started_at_filing(name, type_id, expected):
    assert set(started_at_filing(load_preset(name), type_id)) == expected


@pytest.mark.parametrize("name", SHIPPED)
def test_every_referral_type_starts_the_panel_decision_at_filing(name):
    preset = load_preset(name)
    for choice in preset.referral_types:
        filed = started_at_filing(preset, choice.id)
        assert preset.decision_clock in filed, choice.id


@pytest.mark.parametrize(
    ("name", "rapid_review", "sar"),
    [
        pytest.param("dudley", "cspr", "sar", id="Dudley: rapid reviews and SARs keep separate clocks"),
        pytest.param("stockport", "child", "sar",
                     id="Stockport 1/11: child referrals and SARs keep separate clocks"),
    ],
)
def test_no_sar_clock_starts_for_a_rapid_review(name, rapid_review, sar):
    preset = load_preset(name)
    sar_clocks = {c.id for c in preset.clocks if c.id.startswith("sar_")}
    assert sar_clocks
    for clock_id in sar_clocks:
        assert preset.clock(clock_id).referral_types == (sar,), clock_id
    assert not sar_clocks & set(started_at_filing(preset, rapid_review))
    assert sar_clocks & set(started_at_filing(preset, sar))
    # Nor does a later event (a review commissioned, a scoping review) start a SAR clock on a child referral.
    for clock in preset.clocks:
        if clock.id in sar_clocks:
            assert not clock.applies_to(rapid_review), clock.id


def test_dudley_rapid_review_clocks_do_not_start_for_a_sar():
    preset = load_preset("dudley")
    for clock_id in ("info_request_send", "agency_return", "rr_meeting",
                     "rr_complete", "national_panel_outcome"):
        clock = preset.clock(clock_id)
        assert clock.applies_to("cspr") and not clock.applies_to("sar"), clock_id


def referral_type_of(name: str, clock_id: str) -> str:
    """The referral type a required clock belongs to, by its procedure."""
    if name in ("dudley", "stockport") and clock_id.startswith("sar_"):
        return "sar"
    if name == "suffolk" and clock_id == "dfe_response":
        return "dfe"
    return load_preset(name).referral_types[0].id  # Dudley cspr, Stockport child, Suffolk child, ...


@pytest.mark.parametrize(
    ("name", "clock_id"),
    [pytest.param(row[1], row[2], id=row[0]) for row in REQUIRED_CLOCKS],
)
def test_required_clock_runs_for_its_referral_type(name, clock_id):
    clock = load_preset(name).clock(clock_id)
    assert clock.applies_to(referral_type_of(name, clock_id)), clock.referral_types


# What each referral type is offered (issue 18): outcomes and the request template belong to the type ----------
# Written from the seed documents, independently of the preset files: for each preset and referral type, the
# outcomes its panel may choose, and words its information request must (or must not) use.
OUTCOMES_BY_TYPE = {
    # Dudley, CSPRs paragraph 1 (the Rapid Review decides CSPR, an alternative review, or no review); SARs,
    # "Referrals" (the SAR Panel recommends a SAR to the Independent Chair, or other steps; incomplete
    # referrals are returned to the sender).
    "dudley": {
        "cspr": {"cspr", "alternative_review", "no_review"},
        "sar": {"sar", "no_review", "incomplete_referral"},
    },
    # Stockport sections 1, 5 and 8: a child's pathways are a Rapid Review, a Practice Review or Case
    # Escalation; a SAR referral goes to the screening panel or to escalation; either may need no review.
    "stockport": {
        "child": {"rapid_review", "practice_review", "case_escalation", "no_review"},
        "sar": {"refer_sar_screening", "case_escalation", "no_review"},
    },
    # One pathway, every outcome.
    "salford": {t: {"commence_rapid_review", "case_review", "incomplete_referral", "neither_threshold"}
                for t in ("rapid_review", "case_review")},
    "kirklees": {"serious_incident": {"national_cspr", "local_cspr", "single_agency_review", "agency_audit"}},
    # Suffolk appendix 1: each review type serves "children and adults at risk".
    "suffolk": {t: {"action_learning", "single_agency_review", "partnership_review", "independent_review",
                    "on_hold", "no_review"} for t in ("child", "adult", "dfe", "court")},
}


@pytest.mark.parametrize("name", SHIPPED)
def test_every_referral_type_is_offered_only_its_own_outcomes(name):
    preset = load_preset(name)
    offered = {t.id: {o.id for o in preset.outcomes_for(t.id)} for t in preset.referral_types}
    assert offered == OUTCOMES_BY_TYPE[name]
    for type_id, ids in offered.items():
        assert len(ids) >= 2, type_id  # a panel needs two outcomes to choose between


def test_a_dudley_sar_request_asks_for_sar_scoping_not_the_rapid_review_template():
    preset = load_preset("dudley")
    assert "Rapid Review" in preset.request_template_for("cspr")
    sar = preset.request_template_for("sar")
    assert "Rapid Review" not in sar
    assert "SAR scoping" in sar
    for name in ("salford", "kirklees", "stockport", "suffolk"):  # one template for every type
        p = load_preset(name)
        assert {p.request_template_for(t.id) for t in p.referral_types} == {p.request_template}


TWO_TYPES = replaced(
    MINIMAL, '[[referral_types]]\nid = "rapid_review"\nlabel = "Rapid review"\n',
    '[[referral_types]]\nid = "rapid_review"\nlabel = "Rapid review"\n\n'
    '[[referral_types]]\nid = "sar"\nlabel = "Safeguarding adults review"\n'
    'request_template = "the SAR scoping information"\n',
)

REVIEW = 'id = "review"\nlabel = "Review"\n'


def test_an_outcome_and_a_template_can_belong_to_a_referral_type(tmp_path):
    text = replaced(TWO_TYPES, REVIEW, REVIEW + 'referral_types = ["rapid_review"]\n')
    text += '\n[[outcomes]]\nid = "sar"\nlabel = "SAR"\nreferral_types = ["sar"]\n'
    preset = load_preset(str(write(tmp_path, text)))
    assert [o.id for o in preset.outcomes_for("rapid_review")] == ["review", "no_review"]
    assert [o.id for o in preset.outcomes_for("sar")] == ["no_review", "sar"]
    assert preset.request_template_for("sar") == "the SAR scoping information"
    assert preset.request_template_for("rapid_review") == preset.request_template


@pytest.mark.parametrize(
    ("change", "key", "problem"),
    [
        pytest.param((REVIEW, REVIEW + 'referral_types = ["adult"]\n'),
                     "outcomes.review.referral_types", '"adult" is not a referral type of this preset',
                     id="an outcome for an unknown type"),
        pytest.param((REVIEW, REVIEW + 'referral_types = ["sar"]\n'),
                     "outcomes", 'a "rapid_review" referral needs at least two outcomes',
                     id="a type left with one outcome"),
        pytest.param(('request_template = "the SAR scoping information"', "request_template = 5"),
                     "referral_types[1].request_template", "must be text in quotes",
                     id="a type's template that is not text"),
    ],
)
def test_a_preset_whose_types_cannot_be_decided_is_refused(tmp_path, change, key, problem):
    path = write(tmp_path, replaced(TWO_TYPES, *change))
    with pytest.raises(PresetError) as caught:
        load_preset(str(path))
    assert_error(caught.value, str(path), key, problem)


# A referral type's own return clock (issue 21, section 4: Dudley's SARs) --------------------------------------

SCOPING = """
[[clocks]]
id = "sar_scoping"
label = "SAR scoping returned by all partners"
amount = 20
unit = "working_days"
starts = "referral_received"
owner = "agency"
referral_types = ["sar"]

[[clocks]]
id = "agency_return"
label = "Information returned by the agency"
amount = 5
unit = "working_days"
starts = "request_sent"
owner = "agency"
referral_types = ["rapid_review"]
"""
OWN_RETURN = replaced(TWO_TYPES, 'request_template = "the SAR scoping information"\n',
                      'request_template = "the SAR scoping information"\nreturn_clock = "sar_scoping"\n') + SCOPING


def test_a_referral_type_names_its_own_return_clock(tmp_path):
    preset = load_preset(str(write(tmp_path, OWN_RETURN)))
    assert preset.return_clock_for("sar").id == "sar_scoping"
    assert preset.return_clock_for("rapid_review").id == "agency_return"
    without = load_preset(str(write(tmp_path, replaced(OWN_RETURN, 'return_clock = "sar_scoping"\n', ""))))
    assert without.return_clock_for("sar") is None  # agency_return is for rapid reviews only
    dudley = load_preset("dudley")
    assert (dudley.return_clock_for("cspr").id, dudley.return_clock_for("sar").id) == (
        "agency_return", "sar_scoping_returns")
    stockport = load_preset("stockport")
    assert [stockport.return_clock_for(t.id) for t in stockport.referral_types] == [None, None]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        pytest.param(('return_clock = "sar_scoping"', 'return_clock = "sar_scopeing"'),
                     'names clock "sar_scopeing", which is not defined', id="an unknown clock"),
        pytest.param(('return_clock = "sar_scoping"', 'return_clock = "agency_return"'),
                     'clock "agency_return" does not run for "sar" referrals', id="a clock for another type"),
        pytest.param(('owner = "agency"\nreferral_types = ["sar"]', 'owner = "bm"\nreferral_types = ["sar"]'),
                     'clock "sar_scoping" waits on "bm"; a return clock has owner = "agency"', id="not the agency's"),
        pytest.param(('starts = "referral_received"\nowner = "agency"', 'before = "rr_meeting"\nowner = "agency"'),
                     'clock "sar_scoping" must be counted from an event', id="a clock before an event"),
        pytest.param(('return_clock = "sar_scoping"', "return_clock = 3"),
                     "must be", id="not text"),
    ],
)
def test_a_return_clock_that_cannot_time_a_request_is_refused(tmp_path, change, problem):
    path = write(tmp_path, replaced(OWN_RETURN, *change))
    with pytest.raises(PresetError) as caught:
        load_preset(str(path))
    key = "referral_types[1].return_clock" if change[1] == "return_clock = 3" else "referral_types.sar.return_clock"
    assert_error(caught.value, str(path), key, problem)
