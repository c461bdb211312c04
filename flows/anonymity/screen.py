"""The screen: every detector over one text, and the checks callers use (refuse free text, unquote a
refusal)."""

from __future__ import annotations

import re
from datetime import date

from flows.anonymity.dates import Date, find_dates, find_dates_of_birth, full_year
from flows.anonymity.findings import (
    DATE_OF_BIRTH,
    NHS_NUMBER,
    POSSIBLE_NAME,
    POSTCODE,
    Finding,
    IdentifyingDetail,
    PossibleName,
    Text,
)
from flows.anonymity.names import find_possible_names
from flows.anonymity.nhs import find_nhs_numbers
from flows.anonymity.postcodes import find_postcodes

_DETECTORS = (
    (DATE_OF_BIRTH, find_dates_of_birth),
    (POSTCODE, find_postcodes),
    (NHS_NUMBER, find_nhs_numbers),
    (POSSIBLE_NAME, find_possible_names),
)
_RANK = {kind: rank for rank, (kind, _) in enumerate(_DETECTORS)}


def screen(text: str, *, names: bool = True) -> list[Finding]:
    """Everything identifying in ``text``, in order of position (at one position: date of birth, postcode,
    NHS number, possible name). ``names=False`` leaves possible names out."""
    t = Text(text)
    found = [f for kind, detector in _DETECTORS if names or kind != POSSIBLE_NAME for f in detector(t)]
    return sorted(found, key=lambda f: (f.start, _RANK[f.kind]))


def find_identifying_detail(text: str) -> tuple[str, str] | None:
    """``(kind, found)`` for the first date of birth, postcode or NHS number in ``text``, or None.

    "First" is by position in the text, so the message points at what the reader meets first. (At the
    same position the order is date of birth, postcode, NHS number.) Possible names are not included:
    see :func:`screen`.
    """
    for f in screen(text, names=False):
        return (f.kind, f.found)
    return None


def check_free_text(field: str, text: str, *, screen_names: bool = False) -> None:
    """Refuse free text that carries an identifying detail; ``field`` is the label used in the message.

    A date of birth, postcode or NHS number raises :class:`IdentifyingDetail`. With ``screen_names``, what
    reads as a person's name then raises :class:`PossibleName` (a subclass), which a form may answer by
    asking the person to confirm it is not a name and passing ``screen_names=False`` the second time.
    """
    found = screen(text, names=screen_names)
    hard = [f for f in found if f.kind != POSSIBLE_NAME]
    if hard:
        raise IdentifyingDetail(hard[0].kind, hard[0].found, field)
    if found:
        raise PossibleName(POSSIBLE_NAME, found[0].found, field)


def _could_be_date_of_birth(d: Date, today: date | None) -> bool:
    if not d.real:
        return False  # 31/02/2027: nobody was born on it
    year = full_year(d.year)
    if d.year < 100 and today is not None and year > today.year:
        year -= 100
    return today is None or date(year, d.month, d.day) <= today


def unquote_details(message: str, typed: str, *, today: date | None = None) -> str:
    """`message` without any identifying detail found in `typed`: for a refusal that quotes back a word it
    did not understand ("show 03/04/2015"), so a date of birth or postcode typed in the wrong place is not
    repeated where everyone can read it. The message's own dates (deadlines) are left alone.

    A date typed in the wrong place counts if it could be anyone's date of birth: a real day, not after
    ``today`` when given. A mistyped date that cannot be ("31/02/2027") is quoted back as typed, so the
    person sees what was wrong with it."""
    # Word by word as well: a detail typed next to other digits ("SAL-2026-003 943 476 5919") is not found
    # in the whole line, where it looks like part of a longer number.
    for piece in (typed, *typed.split()):
        t = Text(piece)
        found = [f.found for f in find_postcodes(t) + find_nhs_numbers(t)]
        found += [
            t.finding(DATE_OF_BIRTH, d.start, d.end).found
            for d in find_dates(t.norm)
            if _could_be_date_of_birth(d, today)
        ]
        for detail in found:
            message = re.sub(re.escape(detail), "[removed]", message, flags=re.IGNORECASE)
    return message
