"""Anonymised subjects and a guard against identifying details in free text.

Suffolk's practice review guidance (section 3, anonymity) names the subjects of a review by category and
letter: Baby (under 2), Young Person (3 to 17), Adult (18 and over). Read literally that leaves a
two-year-old in no category. We close the gap by counting a 2-year-old as a Young Person, so the
categories are Baby 0-1, Young Person 2-17, Adult 18+. A referral is then shown in a channel by its
reference and a label such as "Young Person C", never by name, date of birth or address.

Names cannot be detected reliably, but three kinds of identifying detail can, and a free-text field of a
referral (summary, referring agency, notes...) must never carry them:

* a **date of birth**: any full calendar date (day, month and year) in the text. The received and aware
  dates have their own fields, so a full date in free text is treated as a possible date of birth.
  Accepted shapes: 12/03/2014, 12/3/14, 12-03-2014, 12.03.2014, 2014-03-12, 2014/03/12, 12 March 2014,
  12th Mar 2014, 12-Mar-2014, March 12, 2014. The day must be 1-31 and the month 1-12; a month and year
  alone ("March 2014") is allowed.
* a **UK postcode** in the standard outward + inward shape (M5 4WT, SW1A 1AA, DN55 1PT), any case, with
  or without the space.
* an **NHS number**: ten digits, optionally grouped 3-3-4 with spaces or hyphens, whose modulus-11 check
  digit is valid. The check digit is what separates an NHS number from any other ten digits.

:func:`check_free_text` raises :class:`IdentifyingDetail` with a message fit to show the person who typed
it, so they can remove the detail and try again; nothing is saved when it raises.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Literal

__all__ = [
    "CATEGORY_LABELS",
    "IdentifyingDetail",
    "SubjectCategory",
    "category_for_age",
    "check_free_text",
    "find_identifying_detail",
    "nhs_check_digit_ok",
    "parse_category",
    "unquote_details",
    "subject_label",
]


class SubjectCategory(StrEnum):
    BABY = "baby"
    YOUNG_PERSON = "young_person"
    ADULT = "adult"


CATEGORY_LABELS: dict[SubjectCategory, str] = {
    SubjectCategory.BABY: "Baby",
    SubjectCategory.YOUNG_PERSON: "Young Person",
    SubjectCategory.ADULT: "Adult",
}

_CATEGORY_ALIASES: dict[str, SubjectCategory] = {
    "baby": SubjectCategory.BABY,
    "young person": SubjectCategory.YOUNG_PERSON,
    "yp": SubjectCategory.YOUNG_PERSON,
    "adult": SubjectCategory.ADULT,
}


def category_for_age(years: int) -> SubjectCategory:
    """Suffolk 3: Baby under 2, Young Person 2 to 17 (2 added to close the seed's gap), Adult 18+."""
    if isinstance(years, bool) or not isinstance(years, int):
        raise TypeError(f"age must be a whole number of years, not {years!r}")
    if years < 0:
        raise ValueError(f"age cannot be negative ({years})")
    if years < 2:
        return SubjectCategory.BABY
    if years < 18:
        return SubjectCategory.YOUNG_PERSON
    return SubjectCategory.ADULT


def parse_category(text: str) -> SubjectCategory:
    """A category from what a person types: "baby", "Young Person", "young_person", "YP", "adult".

    Case, surrounding spaces, and spaces/underscores/hyphens between words do not matter.
    """
    key = re.sub(r"[\s_-]+", " ", text.strip().lower())
    try:
        return _CATEGORY_ALIASES[key]
    except KeyError:
        raise ValueError(
            f'"{text}" is not a subject category; use one of: Baby, Young Person (or YP), Adult'
        ) from None


def subject_label(category: SubjectCategory, letter: str) -> str:
    """The anonymised name shown in channels, e.g. "Young Person C"."""
    category = SubjectCategory(category)
    if not isinstance(letter, str) or re.fullmatch(r"[A-Za-z]", letter) is None:
        raise ValueError(f"the subject letter must be a single letter A to Z, not {letter!r}")
    return f"{CATEGORY_LABELS[category]} {letter.upper()}"


# -- identifying details ----------------------------------------------------------------------------

Kind = Literal["date of birth", "postcode", "NHS number"]
DATE_OF_BIRTH: Kind = "date of birth"
POSTCODE: Kind = "postcode"
NHS_NUMBER: Kind = "NHS number"

_ARTICLE = {DATE_OF_BIRTH: "a", POSTCODE: "a", NHS_NUMBER: "an"}


class IdentifyingDetail(ValueError):
    """Free text contained something that could identify a person; the message says what and where."""

    def __init__(self, kind: str, found: str, field: str) -> None:
        self.kind = kind
        self.found = found
        self.field = field
        # `found` is kept for the code, never put in the message: a refusal is shown where the person typed,
        # which may be a group chat, and may be logged.
        super().__init__(
            f'The {field or "text"} looks like it contains {_ARTICLE.get(kind, "a")} {kind}, which is not '
            "repeated here. Please remove it; nothing was saved."
        )

    def __reduce__(self):  # keep the attributes through pickling (e.g. across a process pool)
        return (type(self), (self.kind, self.found, self.field))


# Digits that are part of a longer run (or a longer grouped number) never start or end a match.
_NO_DIGIT_BEFORE = r"(?<!\d)"
_NO_DIGIT_AFTER = r"(?!\d)"

_NUMERIC_DMY = re.compile(
    _NO_DIGIT_BEFORE
    + r"(?:(?P<d1>\d{1,2})/(?P<m1>\d{1,2})/(?P<y1>\d{4}|\d{2})"  # 12/03/2014, 12/3/14
    + r"|(?P<d2>\d{1,2})(?P<sep>[-.])(?P<m2>\d{1,2})(?P=sep)(?P<y2>\d{4}))"  # 12-03-2014, 12.03.2014
    + _NO_DIGIT_AFTER
)
_NUMERIC_YMD = re.compile(
    _NO_DIGIT_BEFORE + r"(?P<y>\d{4})(?P<sep>[-/])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})" + _NO_DIGIT_AFTER
)

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?(?![a-z])"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})" + _NO_DIGIT_AFTER
_WRITTEN_DMY = re.compile(
    _NO_DIGIT_BEFORE + _DAY + r"(?:\s+of)?(?:\s+|\s*[-/]\s*)" + _MONTH + r"(?:,?\s+|\s*[-/]\s*)" + _YEAR,
    re.IGNORECASE,
)
_WRITTEN_MDY = re.compile(
    r"(?<![a-z])" + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR,
    re.IGNORECASE,
)

# Outward code: A9, A99, AA9, AA99, A9A, AA9A (first letter never Q/V/X, second never I/J/Z).
# Inward code: a digit then two letters, never C, I, K, M, O or V.
_POSTCODE = re.compile(
    r"(?<![a-z0-9])"
    r"(?:[a-pr-uwyz][a-hk-y]?\d[a-z\d]?)"
    r"\s?"
    r"\d[abd-hjlnp-uw-z]{2}"
    r"(?![a-z0-9])",
    re.IGNORECASE,
)

# Ten digits, 3-3-4 with optional single space/hyphen separators, not a fragment of a longer number
# (so "01632 960 001 234" or an 11-digit phone number does not yield a ten-digit window).
_NHS = re.compile(r"(?<!\d)(?<!\d[ -])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![ -]?\d)")


def _valid_day_month(day: str, month: int | str) -> bool:
    return 1 <= int(day) <= 31 and 1 <= int(month) <= 12


def nhs_check_digit_ok(digits: str) -> bool:
    """Modulus 11: weights 10..2 on the first nine digits; 11 - (sum % 11), 11 -> 0, 10 -> invalid."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _find_dates(text: str) -> list[tuple[int, str]]:
    hits: list[tuple[int, str]] = []
    for m in _NUMERIC_DMY.finditer(text):
        day, month = (m["d1"], m["m1"]) if m["d1"] else (m["d2"], m["m2"])
        if _valid_day_month(day, month):
            hits.append((m.start(), m.group()))
    for m in _NUMERIC_YMD.finditer(text):
        if _valid_day_month(m["d"], m["m"]):
            hits.append((m.start(), m.group()))
    for pattern in (_WRITTEN_DMY, _WRITTEN_MDY):
        for m in pattern.finditer(text):
            if _valid_day_month(m["day"], _MONTHS[m["month"][:3].lower()]):
                hits.append((m.start(), m.group()))
    return hits


def _find_postcodes(text: str) -> list[tuple[int, str]]:
    # Not filtered further: "b33 8th" is a real postcode written in lower case, so an ordinal-looking
    # inward code cannot be excused. A rare false positive only asks the person to reword.
    return [(m.start(), m.group()) for m in _POSTCODE.finditer(text)]


def _find_nhs_numbers(text: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group()) for m in _NHS.finditer(text) if nhs_check_digit_ok("".join(m.groups()))]


_DETECTORS = ((DATE_OF_BIRTH, _find_dates), (POSTCODE, _find_postcodes), (NHS_NUMBER, _find_nhs_numbers))


def find_identifying_detail(text: str) -> tuple[str, str] | None:
    """``(kind, found)`` for the identifying detail that appears first in ``text``, or None.

    "First" is by position in the text, so the message points at what the reader meets first. (At the
    same position the order is date of birth, postcode, NHS number.)
    """
    best: tuple[int, int, str, str] | None = None
    for rank, (kind, detector) in enumerate(_DETECTORS):
        for position, found in detector(text):
            candidate = (position, rank, kind, found)
            if best is None or candidate[:2] < best[:2]:
                best = candidate
    return None if best is None else (best[2], best[3])


def unquote_details(message: str, typed: str) -> str:
    """`message` without any identifying detail found in `typed`: for a refusal that quotes back a word it
    did not understand ("show 03/04/2015"), so a date of birth or postcode typed in the wrong place is not
    repeated where everyone can read it. The message's own dates (deadlines) are left alone."""
    # Word by word as well: a detail typed next to other digits ("SAL-2026-003 943 476 5919") is not found
    # in the whole line, where it looks like part of a longer number.
    for piece in (typed, *typed.split()):
        for _, detector in _DETECTORS:
            for _, found in detector(piece):
                message = re.sub(re.escape(found), "[removed]", message, flags=re.IGNORECASE)
    return message


def check_free_text(field: str, text: str) -> None:
    """Refuse free text that carries an identifying detail; ``field`` is the label used in the message."""
    hit = find_identifying_detail(text)
    if hit is not None:
        kind, found = hit
        raise IdentifyingDetail(kind, found, field)
