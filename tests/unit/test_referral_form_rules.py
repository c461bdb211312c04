"""Issue 23's pure rules: the preset tables that add to the referral form (and refuse a malformed one), the form's
new fields as `flows.intake` defines them for every platform, the card's lines (`flows.casefile`) and the
complaints' figures and reply (`flows.complaints`)."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime

import pytest

from flows.casefile import Facts, fact_lines, outstanding, publication_notes
from flows.complaints import ComplaintRow, figures, reply_template, standing
from flows.errors import InvalidInput
from flows.intake import Interview, Review, check_form, clean_draft, intake_fields
from flows.preset import PRESET_DIR, PresetError, load_preset, parse_preset
from flows.referrals import ReferralDraft

TODAY = date(2026, 11, 23)


def keys(name: str) -> list[str]:
    return [f.key for f in intake_fields(load_preset(name))]


def test_each_preset_asks_what_its_procedure_asks() -> None:
    assert keys("salford") == ["referral_type", "source", "referrer", "referrer_other", "aware_on", "category",
                               "letter", "summary", "themes", "authorised_by", "parallel", "looked_after",
                               "notified", "notified_on"]
    assert keys("dudley")[:2] == ["referral_type", "referrer"]  # no sources: the referrer as before
    assert "authorised_by" in keys("dudley") and "parallel" not in keys("dudley")
    assert "looked_after" not in keys("suffolk") and "source" in keys("suffolk")
    stockport = load_preset("stockport")
    assert stockport.complaints is not None and stockport.complaints.response_clock == "complaint_response"
    assert stockport.clock("complaint_escalation").starts == "complaint_escalated"
    for name in ("salford", "dudley", "kirklees", "stockport", "suffolk"):
        p = load_preset(name)
        kinds = (*p.intake.sources, *p.intake.parallel, *p.intake.notifications)
        assert all(k.source for k in kinds), name
        assert p.intake.authorised_by is None or p.intake.authorised_by.source


def _salford() -> dict:
    return tomllib.loads((PRESET_DIR / "salford.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("change", "key", "problem"), [
    (lambda d: d["intake"]["sources"].append({"id": "x", "label": "X", "agency": True, "source": "1"}),
     "intake.sources", "only one source can be `agency = true`"),
    (lambda d: d["intake"]["notifications"][0].update(meets="nope"), "intake.notifications[0].meets",
     'names clock "nope", which is not defined'),
    (lambda d: d["intake"]["notifications"][0].update(required_for=["cspr"]), "intake.notifications[0].required_for",
     '"cspr" is not a referral type of this preset'),
    (lambda d: d["intake"]["parallel"][0].pop("source"), "intake.parallel[0].source", "is missing"),
    (lambda d: d["intake"]["parallel"][0].update(colour="red"), "intake.parallel[0].colour", "is not a setting here"),
    (lambda d: d.update(complaints={"response_clock": "nope", "source": "21"}), "complaints.response_clock",
     'names clock "nope"'),
])
def test_a_malformed_table_is_named_with_its_key(change, key, problem) -> None:  # type: ignore[no-untyped-def]
    data = _salford()
    change(data)
    with pytest.raises(PresetError) as caught:
        parse_preset(data, source="ours.toml")
    assert caught.value.key == key and problem in caught.value.problem, str(caught.value)


def test_a_part_left_out_is_off() -> None:
    data = _salford()
    del data["intake"]
    p = parse_preset(data)
    assert "source" not in [f.key for f in intake_fields(p)] and p.complaints is None


def test_a_whole_form_checks_the_new_fields_beside_each() -> None:
    p = load_preset("salford")
    base = {"referral_type": "rapid_review", "source": "coroner", "aware_on": "", "category": "baby", "letter": "A",
            "summary": "Found unresponsive at home."}
    check = check_form(p, {**base, "parallel": ["criminal_investigation", "sudc"], "notified": "1, 3",
                           "notified_on": "2026-11-20", "looked_after": "yes"}, today=TODAY)
    assert check.ok, check.errors
    assert check.answers["parallel"] == ["criminal_investigation", "sudc"]
    assert check.answers["notified"] == ["national_panel", "secretary_of_state"]
    check = check_form(p, {**base, "referrer": "police", "authorised_by": "Safeguarding lead", "parallel": "murder",
                           "notified_on": "2030-01-01"}, today=TODAY)
    assert check.errors["referrer"].startswith('Leave this blank unless you chose "A partner agency"')
    assert check.errors["authorised_by"].startswith("Leave this blank unless")
    assert check.errors["parallel"].startswith('"murder" is not one of the choices for "Parallel processes": 1.')
    assert check.errors["notified_on"] == "Leave this blank unless you ticked a notification above; nothing was filed."
    # An agency chosen with where it came from left blank: it came from that agency.
    check = check_form(p, {**base, "source": "", "referrer": "police", "authorised_by": "Head of safeguarding"},
                       today=TODAY)
    assert check.ok and check.answers["source"] == "agency"
    check = check_form(p, {**base, "source": "agency", "referrer": "police", "authorised_by": "Jane Smith"},
                       today=TODAY)
    assert "looks like it names a person" in check.errors["authorised_by"]


def test_the_interview_takes_an_agency_named_where_the_source_is_asked() -> None:
    p = load_preset("salford")
    interview = Interview(p)
    for answer in ("1", "Police", "", "1", "B", "Fall at home.", "none", "Named nurse", "2", "No", "none"):
        step = interview.give(answer, today=TODAY)
    assert isinstance(step, Review), step
    assert interview.answers["source"] == "agency" and interview.answers["referrer"] == "police"
    assert "Running alongside: Child death review (CDOP)" in step.lines
    assert "Notified: none" in step.lines and not any(line.startswith("A looked-after") for line in step.lines)
    clean = clean_draft(p, interview.draft(), today=TODAY)
    assert (clean.source, clean.authorised_by, clean.parallel, clean.notified) == (
        "agency", "Named nurse", ("child_death_review",), {})


def test_a_draft_from_a_source_that_is_not_an_agency_is_referred_by_it() -> None:
    p = load_preset("salford")
    clean = clean_draft(p, ReferralDraft(referral_type="case_review", referrer="The Coroner", category="baby",
                                         letter="A", summary="Sudden death.", notified=["ofsted"]), today=TODAY)
    assert (clean.source, clean.referrer, clean.notified) == ("coroner", "The Coroner", {"ofsted": TODAY})
    with pytest.raises(InvalidInput, match="cannot be in the future"):
        clean_draft(p, ReferralDraft(referral_type="case_review", referrer="police", category="baby", letter="A",
                                     summary="Fall.", notified=["ofsted"], notified_on=date(2027, 1, 1)), today=TODAY)


def test_the_card_names_no_one_and_lists_what_is_still_required() -> None:
    p = load_preset("salford")
    facts = Facts("rapid_review", "Designated safeguarding lead", ("criminal_investigation",), True,
                  {"ofsted": "2026-11-20"})
    assert [n.id for n in outstanding(p, facts)] == ["national_panel", "secretary_of_state"]
    assert [n.id for n in outstanding(p, Facts("case_review"))] == []  # nothing required of a case review
    lines = fact_lines(p, "SAL-2026-001", facts, lambda d: d.isoformat())
    assert lines == [
        "Verified internally by: Designated safeguarding lead",
        "Running alongside: Criminal investigation or proceedings",
        "A looked-after child has died.",
        "Notified: Ofsted on 2026-11-20",
        "**Not yet recorded as notified: National Panel (by the local authority)** (once made: `notified "
        "SAL-2026-001 national_panel on DATE`)",
        "**Not yet recorded as notified: Secretary of State** (once made: `notified SAL-2026-001 secretary_of_state "
        "on DATE`)",
        "Before publication: Check with the police before publishing (criminal proceedings run alongside).",
    ]
    assert publication_notes(load_preset("stockport"), ["coroners_inquest"]) == [
        "Before publication: Share the final report with the Senior Coroner once it is signed off."]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_complaints_counted_by_subject_and_timeliness() -> None:
    p = load_preset("stockport")
    assert p.complaints is not None
    due = utc(2026, 12, 21, 17)
    rows = [
        ComplaintRow("STO-2026-001", "Baby A", 1, "decision", "x", utc(2026, 11, 23), due, utc(2026, 12, 1), "bm"),
        ComplaintRow("STO-2026-001", "Baby A", 2, "process", "y", utc(2026, 11, 23), due, utc(2026, 12, 22), "bm",
                     utc(2026, 12, 23), utc(2027, 1, 20, 17), None),
        ComplaintRow("STO-2026-002", "Adult B", 1, "process", "z", utc(2026, 11, 30), due, None, None),
    ]
    now = utc(2027, 2, 1)
    assert [standing(r.response_due, r.responded_at, now) for r in rows] == ["met", "late", "overdue"]
    assert standing(due, None, utc(2026, 12, 1)) == "running"
    assert figures(p.complaints, rows, now) == [
        ("The decision whether to review", 1, 1, 0, 0, 0, 0, 0, 0),
        ("The review process", 2, 0, 1, 0, 1, 1, 0, 0),
        ("The outcome of the review", 0, 0, 0, 0, 0, 0, 0, 0),
        ("Total", 3, 1, 1, 0, 1, 1, 0, 0),
    ]


def test_every_reply_says_how_to_reach_the_ombudsman() -> None:
    p = load_preset("stockport")
    first = reply_template(p, "STO-2026-001", "outcome", chair=False, due="Mon 21 Dec 2026, 17:00")
    chair = reply_template(p, "STO-2026-001", "outcome", chair=True, due="Mon 1 Feb 2027, 17:00")
    for lines in (first, chair):
        assert "Local Government and Social Care Ombudsman" in lines[-1]
    assert any("contact the Board Business Manager" in line for line in first)
    assert not any("Board Business Manager" in line for line in chair)
