"""Anonymised subjects and the identifying-detail guard (Suffolk 3: anonymity; PROCEDURES: nothing that
identifies a person goes into a channel)."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.anonymity import (
    CATEGORY_LABELS,
    IdentifyingDetail,
    SubjectCategory,
    category_for_age,
    check_free_text,
    find_identifying_detail,
    nhs_check_digit_ok,
    parse_category,
    subject_label,
)

# -- categories ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "category"),
    [
        (0, SubjectCategory.BABY),
        (1, SubjectCategory.BABY),
        (2, SubjectCategory.YOUNG_PERSON),  # the seed's gap, closed as Young Person
        (3, SubjectCategory.YOUNG_PERSON),
        (17, SubjectCategory.YOUNG_PERSON),
        (18, SubjectCategory.ADULT),
        (97, SubjectCategory.ADULT),
    ],
)
def test_suffolk_3_category_for_age(age: int, category: SubjectCategory) -> None:
    """Suffolk 3: Baby (under 2), Young Person (3 to 17, and 2 by our rule), Adult (18 and over)."""
    assert category_for_age(age) is category


def test_suffolk_3_negative_age_is_refused() -> None:
    with pytest.raises(ValueError):
        category_for_age(-1)


@given(st.integers(min_value=0, max_value=130))
def test_suffolk_3_every_age_has_exactly_one_category(age: int) -> None:
    """Suffolk 3 leaves age 2 uncovered; every non-negative age must still get a category."""
    assert category_for_age(age) in set(SubjectCategory)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("baby", SubjectCategory.BABY),
        ("Baby", SubjectCategory.BABY),
        ("Young Person", SubjectCategory.YOUNG_PERSON),
        ("young_person", SubjectCategory.YOUNG_PERSON),
        ("YOUNG PERSON", SubjectCategory.YOUNG_PERSON),
        ("  young-person ", SubjectCategory.YOUNG_PERSON),
        ("yp", SubjectCategory.YOUNG_PERSON),
        ("YP", SubjectCategory.YOUNG_PERSON),
        ("adult", SubjectCategory.ADULT),
        ("Adult", SubjectCategory.ADULT),
    ],
)
def test_suffolk_3_parse_category(text: str, category: SubjectCategory) -> None:
    """Suffolk 3: subjects are named by category; people type the category in several ways."""
    assert parse_category(text) is category


@pytest.mark.parametrize("text", ["", "child", "infant", "teen", "young", "person", "adults"])
def test_suffolk_3_parse_category_refuses_others_listing_the_choices(text: str) -> None:
    with pytest.raises(ValueError, match="Baby, Young Person .*Adult"):
        parse_category(text)


def test_suffolk_3_labels() -> None:
    """Suffolk 3: subjects named by category and letter, e.g. "Young Person C"."""
    assert CATEGORY_LABELS == {
        SubjectCategory.BABY: "Baby",
        SubjectCategory.YOUNG_PERSON: "Young Person",
        SubjectCategory.ADULT: "Adult",
    }
    assert subject_label(SubjectCategory.YOUNG_PERSON, "C") == "Young Person C"
    assert subject_label(SubjectCategory.BABY, "a") == "Baby A"
    assert subject_label(SubjectCategory.ADULT, "Z") == "Adult Z"
    assert SubjectCategory.YOUNG_PERSON == "young_person"  # StrEnum: stored as its value


@pytest.mark.parametrize("letter", ["", "AB", "1", " ", "C ", "é", "Ä", "-", "A\n"])
def test_suffolk_3_label_letter_must_be_a_single_letter(letter: str) -> None:
    with pytest.raises(ValueError, match="single letter"):
        subject_label(SubjectCategory.ADULT, letter)


# -- dates of birth ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("DOB 12/03/2014, lives with mother", "12/03/2014"),
        ("born 1/3/14", "1/3/14"),
        ("born 12-03-2014", "12-03-2014"),
        ("born 12.03.2014", "12.03.2014"),
        ("born 2014-03-12", "2014-03-12"),
        ("born 2014/3/12", "2014/3/12"),
        ("born 12 March 2014 in Ipswich", "12 March 2014"),
        ("born 12th Mar 2014", "12th Mar 2014"),
        ("born 1st of June 2019", "1st of June 2019"),
        ("born 3-Sep-2010", "3-Sep-2010"),
        ("born 3 sept. 2010", "3 sept. 2010"),
        ("born March 12, 2014", "March 12, 2014"),
        ("born Dec 25th 2015", "Dec 25th 2015"),
        ("received 2026-11-23 10:12 by the BU", "2026-11-23"),  # any full date counts in free text
    ],
)
def test_suffolk_3_dates_of_birth_are_found(text: str, found: str) -> None:
    """Suffolk 3 / PROCEDURES: no date of birth in a channel; any full date in free text counts."""
    assert find_identifying_detail(text) == ("date of birth", found)


@pytest.mark.parametrize(
    "text",
    [
        "born March 2014",  # month and year only
        "in 2014",
        "32/01/2014",  # no 32nd
        "12/13/2014",  # no 13th month
        "0/5/2014",
        "2014-13-01",
        "12 Marching 2014",
        "on the 12th",
        "12 March",  # no year
        "version 1.2.3",
        "ratio 3/4",
    ],
)
def test_suffolk_3_partial_or_impossible_dates_are_not_dates_of_birth(text: str) -> None:
    assert find_identifying_detail(text) is None


# -- postcodes ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "postcode", ["M5 4WT", "SW1A 1AA", "B33 8TH", "CR2 6XH", "DN55 1PT", "EC1A 1BB", "W1A 0AX", "IP1 2AN"]
)
def test_suffolk_3_postcodes_are_found(postcode: str) -> None:
    """PROCEDURES: no address in a channel; a postcode all but names the household."""
    for variant in (postcode, postcode.lower(), postcode.replace(" ", "")):
        assert find_identifying_detail(f"The family moved to {variant} last year.") == ("postcode", variant)


# -- NHS numbers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["943 476 5919", "943-476-5919", "9434765919", "123 456 7806"])
def test_suffolk_3_nhs_numbers_are_found(number: str) -> None:
    """PROCEDURES: nothing that identifies a person in a channel; an NHS number does."""
    assert find_identifying_detail(f"NHS no. {number} per GP") == ("NHS number", number)


def test_nhs_check_digit() -> None:
    # 943 476 5919: 9*10 + 4*9 + 3*8 + 4*7 + 7*6 + 6*5 + 5*4 + 9*3 + 1*2 = 299; 299 % 11 = 2;
    # 11 - 2 = 9 = the last digit -> valid.
    assert nhs_check_digit_ok("9434765919")
    assert not nhs_check_digit_ok("9434765918")
    # 123 456 780x: 1*10 + 2*9 + 3*8 + 4*7 + 5*6 + 6*5 + 7*4 + 8*3 + 0*2 = 192; 192 % 11 = 5; 11 - 5 = 6.
    assert nhs_check_digit_ok("1234567806")
    # 000 000 000x: sum 0 -> 11 - 0 = 11 -> check digit 0.
    assert nhs_check_digit_ok("0000000000")
    # 100 000 010x: 10 + 1*3 = 13; 13 % 11 = 2; 11 - 2 = 9.
    assert nhs_check_digit_ok("1000000109")
    # 100 000 001x: 1*10 + 1*2 = 12; 12 % 11 = 1; 11 - 1 = 10 -> no check digit makes it valid.
    assert not any(nhs_check_digit_ok(f"100000001{d}") for d in "0123456789")


# -- negatives: ordinary panel text --------------------------------------------------------------------------

ORDINARY_TEXT = [
    "Young Person C was known to children's social care and the school nursing service.",
    "Referral SAL-2026-014 received from the police; the BU will forward it to the virtual panel.",
    "Referred on Monday; the panel must decide within 48 hours.",
    "Agencies to return summaries and chronologies within 5 WD (5 working days).",
    "Rapid review meeting between 7 and 13 WD after the referral; quorum is one rep per statutory partner.",
    "Baby A presented at A&E with bruising; the GP had seen the family twice in March 2014.",
    "Adult B, aged 84, lived alone; the care home raised concerns in Q3 2025.",
    "Information gathering tool sent on days 1 to 3 and returned within 48 hours.",
    "Call the duty desk on 07700900461 if the case escalates.",  # 11 digits: a phone number
    "Duty line 01632 960 001 or 020 7946 0958.",
    "Ref 9434765918 is not an NHS number.",  # 10 digits, bad check digit
    "Ref 1000000010 was quoted.",  # 10 digits, check digit would be 10: never valid
    "Year 7 pupil, in the 5th form; CSPR and SAR thresholds considered; ICB and LA attended.",
    "Police, health and LA present with the review panel chair; actions achievable within 12 weeks.",
    "The meeting starts at 9am and ends at 5pm; papers shared at least 24 hours before.",
    "See section 7.5 and 10.3 of the policy, and Appendix 1.",
    "Sent 2 templates, 3 returned, 14 days remain.",
    "Covid19 affected attendance in 2020/21.",
]


@pytest.mark.parametrize("text", ORDINARY_TEXT)
def test_suffolk_3_ordinary_safeguarding_prose_is_not_flagged(text: str) -> None:
    """Suffolk 3: the guard must not get in the way of ordinary, already anonymised panel text."""
    assert find_identifying_detail(text) is None
    check_free_text("summary", text)  # does not raise


def test_first_detail_by_position_is_reported() -> None:
    text = "Moved to M5 4WT; NHS 943 476 5919; born 12/03/2014."
    assert find_identifying_detail(text) == ("postcode", "M5 4WT")
    assert find_identifying_detail("NHS 943 476 5919, born 12/03/2014") == ("NHS number", "943 476 5919")


# -- the error shown to the person typing --------------------------------------------------------------------


def test_check_free_text_raises_a_plain_english_error() -> None:
    """Suffolk 3: nothing identifying is saved; the person is told what to remove."""
    with pytest.raises(IdentifyingDetail) as caught:
        check_free_text("summary", "Young Person C, born 12/03/2014, was excluded from school.")
    error = caught.value
    assert isinstance(error, ValueError)
    assert (error.kind, error.found, error.field) == ("date of birth", "12/03/2014", "summary")
    assert str(error) == (
        "The summary looks like it contains a date of birth, which is not repeated here. "
        "Please remove it; nothing was saved."
    )


def test_check_free_text_error_names_the_field_and_kind() -> None:
    with pytest.raises(IdentifyingDetail) as caught:
        check_free_text("referring agency", "Health visitor, NHS 943-476-5919")
    assert str(caught.value) == (
        "The referring agency looks like it contains an NHS number, which is not repeated here. "
        "Please remove it; nothing was saved."
    )
    with pytest.raises(IdentifyingDetail, match=r"a postcode, which is not repeated here"):
        check_free_text("notes", "address sw1a 1aa")


def test_identifying_detail_survives_pickling() -> None:
    error = IdentifyingDetail("postcode", "M5 4WT", "notes")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.kind, copy.found, copy.field, str(copy)) == ("postcode", "M5 4WT", "notes", str(error))


@given(st.text(alphabet=st.characters(categories=["L", "Zs", "P"]), max_size=200))
def test_text_without_digits_is_never_flagged(text: str) -> None:
    """Every detector needs a digit, so plain words are never refused."""
    assert find_identifying_detail(text) is None
