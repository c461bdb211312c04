"""Full calendar dates in any common shape, and which of them read as a date of birth."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flows.anonymity.findings import DATE_OF_BIRTH, Finding, Text

_NO_DIGIT_BEFORE = r"(?<!\d)"
_NO_DIGIT_AFTER = r"(?!\d)"
_SEP = r"\s*[/.\-]\s*|\s+"  # 12/03/2014, 12 / 03 / 2014, 12.03.2014, 12-03-2014, 12 03 2014

_NUMERIC_DMY = re.compile(
    _NO_DIGIT_BEFORE + r"(?P<d>\d{1,2})(?P<sep>" + _SEP + r")(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})" + _NO_DIGIT_AFTER
)
_NUMERIC_YMD = re.compile(
    _NO_DIGIT_BEFORE + r"(?P<y>\d{4})(?P<sep>\s*[-/.]\s*)(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})" + _NO_DIGIT_AFTER
)
_COMPACT = re.compile(_NO_DIGIT_BEFORE + r"(?P<digits>\d{8}|\d{6})" + _NO_DIGIT_AFTER)  # 12032014, 120314

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?(?![a-z])"
)
_DAY = r"(?P<day>\d{1,2})(?:\s*(?:st|nd|rd|th))?"
_YEAR = r"(?P<year>\d{4}|'\d{2}|\d{2})" + _NO_DIGIT_AFTER + r"(?!\s*[:.]\s*\d)"  # not "12 Mar 14:30"
_WRITTEN_DMY = re.compile(
    _NO_DIGIT_BEFORE + r"(?:the\s+)?" + _DAY + r"(?:\s+of)?(?:\s+|\s*[-/.]\s*)" + _MONTH
    + r"(?:,?\s+|\s*[-/.]\s*)" + _YEAR,
    re.IGNORECASE,
)
_WRITTEN_MDY = re.compile(
    r"(?<![a-z])" + _MONTH + r"\s+(?:the\s+)?" + _DAY + r",?\s+" + _YEAR,
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Date:
    start: int
    end: int
    day: int
    month: int
    year: int  # as written: 14 or 2014
    real: bool  # a day that exists (not 31/02)


def full_year(year: int) -> int:
    return year if year >= 100 else 2000 + year


def _date(start: int, end: int, day: str, month: int | str, year: str) -> Date | None:
    d, m, y = int(day), int(month), int(year.lstrip("'"))
    if not (1 <= d <= 31 and 1 <= m <= 12):
        return None
    try:
        date(full_year(y), m, d)
        real = True
    except ValueError:
        real = False
    return Date(start, end, d, m, y, real)


def find_dates(norm: str) -> list[Date]:
    hits: list[Date] = []
    for m in _NUMERIC_DMY.finditer(norm):
        if m["sep"].strip() == "" and len(m["y"]) == 2:
            continue  # "9 4 34": spaced two-digit years are too loose to be a date
        hit = _date(m.start(), m.end(), m["d"], m["m"], m["y"])
        if hit:
            hits.append(hit)
    for m in _NUMERIC_YMD.finditer(norm):
        hit = _date(m.start(), m.end(), m["d"], m["m"], m["y"])
        if hit:
            hits.append(hit)
    for m in _COMPACT.finditer(norm):
        digits = m["digits"]
        shapes = [(digits[:2], digits[2:4], digits[4:])]
        if len(digits) == 8:
            shapes.append((digits[6:], digits[4:6], digits[:4]))  # 20140312
        for day, month, year in shapes:
            hit = _date(m.start(), m.end(), day, month, year)
            if hit and (len(year) == 2 or 1900 <= int(year) <= 2100):
                hits.append(hit)
                break
    for pattern in (_WRITTEN_DMY, _WRITTEN_MDY):
        for m in pattern.finditer(norm):
            hit = _date(m.start(), m.end(), m["day"], _MONTHS[m["month"][:3].lower()], m["year"])
            if hit:
                hits.append(hit)
    # Overlapping shapes (a written date is also found from its day): keep the longest at each place.
    hits.sort(key=lambda h: (h.start, -h.end))
    kept: list[Date] = []
    for hit in hits:
        if kept and hit.start < kept[-1].end:
            continue
        kept.append(hit)
    return kept


# A date is a date of birth when it reads as one: a cue ("born", "DOB", "d.o.b.", "date of birth",
# "birthday") close before or after it in the same clause, or an age right beside it ("aged 9, 12/03/2014",
# "12/03/2014 (9 yrs)", "Jane Smith, 9, 12/03/2014"). Any other date (an incident, a visit) stays.
_DOB_CUE = re.compile(
    r"(?<![a-z])(?:born|dob|d\s?\.\s?o\s?\.\s?b\.?|d/o/b|date\s+of\s+birth|birth(?:\s*date|day)?s?|bday|b-day)"
    r"(?![a-z])(?!\s+(?:parents?|mother|father|family|families|mum|dad|relatives?|certificate)(?![a-z]))|(?<![A-Za-z])b\.(?=\s*\d)",
    re.IGNORECASE,
)
_AGE = re.compile(
    r"(?<![a-z0-9])(?:aged?\s*:?\s*\d{1,3}(?!\d)(?:\s*(?:years?|yrs?|y/?o|months?|mths?|weeks?)(?:\s*old)?)?"
    r"|\d{1,3}\s*-?\s*(?:years?|yrs?|y/o|y\.o\.|yo|yr)(?:\s*-?\s*old)?(?![a-z])"
    r"|\d{1,3}\s*-?\s*(?:months?|mths?|mos|weeks?|wks?|days?)\s*-?\s*old(?![a-z])"
    r"|\(\s*\d{1,3}\s*\)"
    r"|(?<=,)\s*\d{1,3}\s*(?=,))",
    re.IGNORECASE,
)
_BESIDE = re.compile(r"[\s,;:()\[\]\-/]*")  # only punctuation between an age and a date
# Words that start a new event between a cue and a date: "born at 32 weeks, discharged 12/11/2026".
_EVENT_WORDS = frozenset(
    "admitted arrested assessed attended visited discharged died excluded found moved placed presented referred "
    "removed seen taken transferred injured left returned went then later until since after before when while "
    "following reviewed called contacted".split()
)
_CLAUSE_END = re.compile(r"[.;!?](?:\s|$)|\n")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def _gap_joins(gap: str, max_words: int) -> bool:
    """Is `gap` (between a cue and a date) part of one phrase: same clause, few words, no new event?"""
    if _CLAUSE_END.search(gap):
        return False
    words = [w.lower() for w in _WORD.findall(gap)]
    if len(words) > max_words or any(w in _EVENT_WORDS for w in words):
        return False
    if re.search(r"\d", gap):
        return False  # another number between them: "born 2014, seen 12/11/2026"
    return "," not in gap or len(words) <= 2


_NEAR = 80  # characters: more than six words between a cue and a date never join them


def _is_date_of_birth(norm: str, when: Date, cues: list[re.Match[str]], ages: list[re.Match[str]]) -> bool:
    for cue in cues:
        if cue.end() < when.start - _NEAR or cue.start() > when.end + _NEAR:
            continue  # a few words apart at most
        if cue.end() <= when.start and _gap_joins(norm[cue.end():when.start], 6):
            return True
        if cue.start() >= when.end and _gap_joins(norm[when.end:cue.start()], 4):
            return True
    for age in ages:
        if age.end() < when.start - _NEAR or age.start() > when.end + _NEAR:
            continue
        if age.end() <= when.start and _BESIDE.fullmatch(norm[age.end():when.start]):
            return True
        if age.start() >= when.end and _BESIDE.fullmatch(norm[when.end:age.start()]):
            return True
    return False


def find_dates_of_birth(t: Text) -> list[Finding]:
    dates = find_dates(t.norm)
    if not dates:
        return []
    cues, ages = list(_DOB_CUE.finditer(t.norm)), list(_AGE.finditer(t.norm))
    return [t.finding(DATE_OF_BIRTH, d.start, d.end) for d in dates if _is_date_of_birth(t.norm, d, cues, ages)]
