"""Milestones without a clock (issue 20 section 2), the pure rules: a preset's `[[milestones]]` read and checked
(what opens one, its source), which milestones a decision, an event or a clock marked done opens, and the words
the business manager reads."""

from __future__ import annotations

import tomllib

import pytest
from test_presets import MINIMAL, assert_error, parse_error

from flows import milestones as words
from flows.preset import load_preset, parse_preset

FAMILY = """
[[milestones]]
id = "tell_family"
label = "Tell the family in writing"
after = ["outcome:no_review", "event:review_commissioned", "done:review"]
source = "11"
"""


def test_stockport_says_section_11s_letter_to_the_family_is_a_milestone_with_its_source():
    preset = load_preset("stockport")
    (family,) = preset.milestones
    assert family.id == "tell_family"
    assert family.label == "Tell the family in writing whether a CSPR/SAR will be conducted"
    assert family.source.startswith("11 (")
    # The position whether a review will be held opens it; a rapid review or SAR screening is not yet that position.
    for trigger in ("outcome:no_review", "outcome:case_escalation", "outcome:practice_review",
                    "event:review_commissioned", "done:sar_chair_decision"):
        assert preset.milestones_after(trigger, "child") + preset.milestones_after(trigger, "sar"), trigger
    for trigger in ("outcome:rapid_review", "outcome:refer_sar_screening", "event:screening_meeting",
                    "done:sar_screening"):
        assert preset.milestones_after(trigger, "child") == preset.milestones_after(trigger, "sar") == (), trigger
    assert not any(c.id == "tell_family" for c in preset.clocks)  # no clock: the seed sets no time


@pytest.mark.parametrize("name", ["salford", "dudley", "kirklees", "suffolk"])
def test_the_other_presets_set_no_milestone(name):
    assert load_preset(name).milestones == ()


def test_a_milestone_limited_to_a_referral_type_opens_only_for_it():
    text = MINIMAL + FAMILY.replace('source = "11"', 'source = "11"\nreferral_types = ["rapid_review"]')
    preset = parse_preset(tomllib.loads(text))
    assert [m.id for m in preset.milestones_after("outcome:no_review", "rapid_review")] == ["tell_family"]
    assert preset.milestones_after("outcome:review", "rapid_review") == ()


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        ('"outcome:no_review"', '"outcome:nothing"', "milestones.tell_family.after",
         '"outcome:nothing": "nothing" is not an outcome of this preset'),
        ('"event:review_commissioned"', '"event:party"', "milestones.tell_family.after",
         '"party" is not an event of this preset'),
        ('"done:review"', '"done:nope"', "milestones.tell_family.after", '"nope" is not a clock of this preset'),
        ('"done:review"', '"when:review"', "milestones.tell_family.after",
         '"when:review" must start with one of outcome:, event:, done:'),
        ('after = ["outcome:no_review", "event:review_commissioned", "done:review"]', "after = []",
         "milestones.tell_family.after", "must name what opens it"),
        ('source = "11"\n', "", "milestones.tell_family.source", "is missing"),
        ('id = "tell_family"', 'id = "review"', "milestones.review.id", "is a clock's id"),
        ('id = "tell_family"', 'id = "tell_referrer"', "milestones.tell_referrer.id",
         "is the id Panelbot uses for telling the referrer"),
        ('source = "11"', 'source = "11"\ncolour = "red"', "milestones[0].colour", "is not a setting here"),
    ],
)
def test_a_wrong_milestone_is_refused_naming_the_key(old, new, key, problem):
    text = MINIMAL + FAMILY
    assert old in text
    assert_error(parse_error(tomllib.loads(text.replace(old, new, 1))), "testshire.toml", key, problem)


def test_the_words_name_the_command_that_marks_it_done_and_never_a_deadline():
    line = words.to_do_line("STO-2026-001", "tell_family", "Tell the family in writing")
    assert line == ("Still to do (no deadline): Tell the family in writing. When it is done: "
                    "`done STO-2026-001 tell_family`.")
    notice = words.opened_notice("STO-2026-001", "Child C", "tell_family", "Tell the family in writing", "11")
    assert notice == ("STO-2026-001 · Child C: still to do (the procedure, 11): Tell the family in writing. There is "
                      "no deadline; it shows in `status` until you mark it done with `done STO-2026-001 tell_family`.")
    assert words.tell_referrer_label("the school nurse") == (
        "Tell the referrer (the school nurse) the decision and what happens next")
    assert words.already_done("STO-2026-001", "Tell the family", "Mon 14 Dec 2026, 10:00", "Bea") == (
        "STO-2026-001: Tell the family was already marked done on Mon 14 Dec 2026, 10:00 by Bea; nothing was changed.")
