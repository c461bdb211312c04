"""The subjects of a review, named by category and letter ("Young Person C"), never by name.

Suffolk's categories, with the gap closed: Baby 0-1, Young Person 2-17, Adult 18+ (see the package's notes).
"""

from __future__ import annotations

import re
from enum import StrEnum


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
