"""Anonymised subjects and a guard against identifying details in free text.

Suffolk's practice review guidance (section 3, anonymity) names the subjects of a review by category and
letter: Baby (under 2), Young Person (3 to 17), Adult (18 and over). Read literally that leaves a
two-year-old in no category. We close the gap by counting a 2-year-old as a Young Person, so the
categories are Baby 0-1, Young Person 2-17, Adult 18+. A referral is then shown in a channel by its
reference and a label such as "Young Person C", never by name, date of birth or address.

A free-text field (summary, referring agency, reasons...) must never carry the identifying details below; what is typed
is first normalised (NFKC, so full-width digits and letters and no-break spaces count; any script's digits;
every kind of dash) and matched with separators and spacing allowed:

* a **date of birth**: a full calendar date (12/03/2014, 12/3/14, 12.03.2014, 12 03 2014, 12032014,
  2014-03-12, 12 March 2014, 12th of Mar 2014, March 12, 2014...) that *reads as* a date of birth: "born",
  "DOB", "d.o.b.", "date of birth" or "birthday" close to it in the same clause, or an age right beside it
  ("aged 9, 12/03/2014", "Jane, 9, 12/03/2014"). Any other date stays: the incident date ("police attended
  on 01/12/2026") matters to the panel.
* a **UK postcode** in the standard outward + inward shape (M5 4WT, SW1A 1AA, DN55 1PT), any case, with
  nothing, spaces, a hyphen, dot, slash or underscore between the two halves ("M6-5AB", "m6  5ab"); in
  capitals also with spaces inside a half ("SW 1A 1AA").
* an **NHS number**: ten digits in whole groups as people type them (943 476 5919, 943.476.5919,
  9434765919, 9 4 3 4 7 6 5 9 1 9, 94 34 76 59 19) whose modulus-11 check digit is valid. The check digit
  is what separates an NHS number from any other ten digits.
* a **possible name** (:data:`POSSIBLE_NAME`): a capitalised forename, a forename and surname, a title and
  surname ("Mrs Patel"), an initial and surname, a surname with "family", or two capitalised words after
  "mother", "partner", "called"... or before an age. Agencies, places, days, months, job titles and the
  subject labels are not names (word lists in :mod:`flows.name_words`). Unlike the other kinds it may be a
  false alarm, so it is reported separately and callers choose whether to screen it.

:func:`screen` lists every finding with its kind and place. :func:`check_free_text` raises
:class:`IdentifyingDetail` with a message fit to show the person who typed it, so they can remove the
detail and try again; with ``screen_names=True`` a possible name raises :class:`PossibleName`, whose message
asks for a role instead ("the daughter"). Nothing is saved when either is raised.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal

from flows import name_words

__all__ = [
    "CATEGORY_LABELS",
    "Finding",
    "IdentifyingDetail",
    "PossibleName",
    "SubjectCategory",
    "category_for_age",
    "check_free_text",
    "find_identifying_detail",
    "nhs_check_digit_ok",
    "parse_category",
    "screen",
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

Kind = Literal["date of birth", "postcode", "NHS number", "possible name"]
DATE_OF_BIRTH: Kind = "date of birth"
POSTCODE: Kind = "postcode"
NHS_NUMBER: Kind = "NHS number"
POSSIBLE_NAME: Kind = "possible name"
HARD_KINDS: tuple[Kind, ...] = (DATE_OF_BIRTH, POSTCODE, NHS_NUMBER)

_ARTICLE = {DATE_OF_BIRTH: "a", POSTCODE: "a", NHS_NUMBER: "an"}


@dataclass(frozen=True)
class Finding:
    """One thing the screen found: its kind, the text as typed, and where it is (``text[start:end]``)."""

    kind: Kind
    found: str
    start: int
    end: int


class IdentifyingDetail(ValueError):
    """Free text contained something that could identify a person; the message says what and where."""

    def __init__(self, kind: str, found: str, field: str) -> None:
        self.kind = kind
        self.found = found
        self.field = field
        # `found` is kept for the code, never put in the message: a refusal is shown where the person typed,
        # which may be a group chat, and may be logged.
        super().__init__(self._message())

    def _message(self) -> str:
        return (
            f'The {self.field or "text"} looks like it contains {_ARTICLE.get(self.kind, "a")} {self.kind}, which '
            "is not repeated here. Please remove it; nothing was saved."
        )

    def __reduce__(self):  # keep the attributes through pickling (e.g. across a process pool)
        return (type(self), (self.kind, self.found, self.field))


class PossibleName(IdentifyingDetail):
    """Free text contained what reads as a person's name. Unlike the other kinds it may be a false alarm
    (an agency or a place the screen does not know), so a form may ask the person to confirm it is not a
    name and file again with the confirmation (``names_confirmed``), or to rewrite it as a role."""

    def __init__(self, kind: str, found: str, field: str) -> None:
        super().__init__(POSSIBLE_NAME, found, field)

    def _message(self) -> str:
        return (
            f'The {self.field or "text"} looks like it names a person, which is not repeated here. Please write '
            'them as a role instead (such as "the daughter", "the mother\'s partner" or "the GP"); nothing '
            "was saved."
        )


# -- normalising: what was typed -> what is matched ----------------------------------------------------

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"


def _normalise(text: str) -> tuple[str, list[int]]:
    """NFKC (full-width digits and letters, no-break spaces), any decimal digit as 0-9, dashes as "-", and
    invisible characters dropped; with, for each character of the result, its index in ``text``."""
    out: list[str] = []
    where: list[int] = []
    for index, ch in enumerate(text):
        if ch in _INVISIBLE:
            continue
        if ch in _DASHES:
            piece = "-"
        elif ch.isdecimal():
            piece = str(unicodedata.decimal(ch))
        else:
            piece = unicodedata.normalize("NFKC", ch)
            if piece.isdecimal() and len(piece) == 1:
                piece = str(unicodedata.decimal(piece))
            elif piece.isspace():
                piece = " "
        out.append(piece)
        where.extend([index] * len(piece))
    return "".join(out), where


class _Text:
    """The normalised text and the way back to what was typed."""

    def __init__(self, typed: str) -> None:
        self.typed = typed
        self.norm, self._where = _normalise(typed)

    def finding(self, kind: Kind, start: int, end: int) -> Finding:
        first = self._where[start]
        last = self._where[end - 1] + 1
        return Finding(kind, self.typed[first:last], first, last)


# -- dates ------------------------------------------------------------------------------------------

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
class _Date:
    start: int
    end: int
    day: int
    month: int
    year: int  # as written: 14 or 2014
    real: bool  # a day that exists (not 31/02)


def _full_year(year: int) -> int:
    return year if year >= 100 else 2000 + year


def _date(start: int, end: int, day: str, month: int | str, year: str) -> _Date | None:
    d, m, y = int(day), int(month), int(year.lstrip("'"))
    if not (1 <= d <= 31 and 1 <= m <= 12):
        return None
    try:
        date(_full_year(y), m, d)
        real = True
    except ValueError:
        real = False
    return _Date(start, end, d, m, y, real)


def _find_dates(norm: str) -> list[_Date]:
    hits: list[_Date] = []
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
    kept: list[_Date] = []
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


def _is_date_of_birth(norm: str, when: _Date, cues: list[re.Match[str]], ages: list[re.Match[str]]) -> bool:
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


def _find_dates_of_birth(t: _Text) -> list[Finding]:
    dates = _find_dates(t.norm)
    if not dates:
        return []
    cues, ages = list(_DOB_CUE.finditer(t.norm)), list(_AGE.finditer(t.norm))
    return [t.finding(DATE_OF_BIRTH, d.start, d.end) for d in dates if _is_date_of_birth(t.norm, d, cues, ages)]


# -- postcodes --------------------------------------------------------------------------------------

# Outward code: A9, A99, AA9, AA99, A9A, AA9A (first letter never Q/V/X, second never I/J/Z).
# Inward code: a digit then two letters, never C, I, K, M, O or V. Between the two: nothing, spaces, or a
# hyphen, dot, slash or underscore with spaces ("M6-5AB", "M6  5AB", "m6.5ab").
_PC_SEP = r"(?:\s*[-./_]\s*|\s*)"
_POSTCODE = re.compile(
    r"(?<![a-z0-9])"
    r"(?:[a-pr-uwyz][a-hk-y]?\d[a-z\d]?)"
    + _PC_SEP
    + r"\d[abd-hjlnp-uw-z]{2}"
    r"(?![a-z0-9])",
    re.IGNORECASE,
)
# Typed with spaces inside the outward or inward code too ("SW 1A 1AA", "M6 5 AB"): only in capitals, as
# a postcode is written, so that "a 5 day" or "at 12 2nd" are not read as one.
_SPACED_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])"
    r"[A-PR-UWYZ](?:\s?[A-HK-Y])?\s?\d(?:\s?[A-Z\d])?"
    + _PC_SEP
    + r"\d\s?[ABD-HJLNP-UW-Z]\s?[ABD-HJLNP-UW-Z]"
    r"(?![A-Za-z0-9])"
)


def _find_postcodes(t: _Text) -> list[Finding]:
    # Not filtered further: "b33 8th" is a real postcode written in lower case, so an ordinal-looking
    # inward code cannot be excused. A rare false positive only asks the person to reword.
    spans = {(m.start(), m.end()) for m in _POSTCODE.finditer(t.norm)}
    for m in _SPACED_POSTCODE.finditer(t.norm):
        if not any(s <= m.start() < e or m.start() <= s < m.end() for s, e in spans):
            spans.add((m.start(), m.end()))
    return [t.finding(POSTCODE, s, e) for s, e in sorted(spans)]


# -- NHS numbers ------------------------------------------------------------------------------------


def nhs_check_digit_ok(digits: str) -> bool:
    """Modulus 11: weights 10..2 on the first nine digits; 11 - (sum % 11), 11 -> 0, 10 -> invalid."""
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


# Groups of digits joined by separators ("943 476 5919", "943.476.5919", "9 4 3 4 7 6 5 9 1 9",
# "943 - 476 - 5919"). Ten digits made of whole consecutive groups, with a valid check digit, are an NHS
# number; a group is never split, so an 11-digit phone number or "01632 960 001 234" yields none.
_DIGIT_GROUP = re.compile(r"\d+")
# How an NHS number is grouped when typed: 943 476 5919 (as printed), 9434765919, one digit at a time, in
# pairs, or split once; not as other references are ("06/123456/26", a crime number).
_NHS_SHAPES = frozenset({(10,), (3, 3, 4), (4, 3, 3), (3, 7), (6, 4), (5, 5), (2, 2, 2, 2, 2), (1,) * 10})
_GROUP_JOIN = re.compile(r"\s{0,3}[-./_]?\s{0,3}")
# Not digits of an NHS number: dates, times and references are blanked before the groups are read, so
# "01.12.2026 10.30" is not read as ten digits.
_NOT_NHS = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2,6}-\d{4}-\d{3,}"  # SAL-2026-014
    r"|(?<!\d)\d{1,2}\s*[:.]\s*\d{2}\s*(?:am|pm|hrs?|h)(?![a-z])"  # 10.30am, 14:00 hrs
    r"|(?<!\d)\d{1,2}:\d{2}(?!\d)",  # 14:00
    re.IGNORECASE,
)


def _find_nhs_numbers(t: _Text) -> list[Finding]:
    masked = list(t.norm)
    for m in _NOT_NHS.finditer(t.norm):
        masked[m.start():m.end()] = "x" * (m.end() - m.start())
    for d in _find_dates(t.norm):
        if d.year >= 1000:  # 01/12/2026: not "01-01-00-00-06", which may be an NHS number typed in pairs
            masked[d.start:d.end] = "x" * (d.end - d.start)
    norm = "".join(masked)
    groups = list(_DIGIT_GROUP.finditer(norm))
    chains: list[list[re.Match[str]]] = []
    for g in groups:
        if chains and _GROUP_JOIN.fullmatch(norm[chains[-1][-1].end():g.start()]):
            chains[-1].append(g)
        else:
            chains.append([g])
    found: list[Finding] = []
    for chain in chains:
        i = 0
        while i < len(chain):
            total = 0
            for j in range(i, len(chain)):
                total += len(chain[j].group())
                if total >= 10:
                    break
            shape = tuple(len(g.group()) for g in chain[i:j + 1])
            if total == 10 and shape in _NHS_SHAPES and nhs_check_digit_ok("".join(g.group() for g in chain[i:j + 1])):
                found.append(t.finding(NHS_NUMBER, chain[i].start(), chain[j].end()))
                i = j + 1
            else:
                i += 1
    return found


# -- possible names ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['’](?=[^\W\d_])|-(?=[^\W\d_]))*\.?")
_PERSON_CONTEXT = frozenset(
    "mother father mum dad mom stepfather stepmother stepdad stepmum grandmother grandfather nan nana gran grandma "
    "grandad grandpa aunt auntie uncle cousin brother sister sibling son daughter partner ex-partner husband wife "
    "boyfriend girlfriend fiancé fiance carer child baby pupil friend neighbour named called aka alias "
    "known as lodger".split()
)
_AGE_AFTER_NAME = re.compile(
    r"\s*(?:,\s*\d{1,3}\s*[,)]|\(\s*\d{1,3}\s*\)|,?\s*\(?aged?\s*\d|,?\s*\d{1,3}\s*-?\s*(?:years?|yrs?|y/o|yo)\b)",
    re.IGNORECASE,
)
_GROUP_WORDS = frozenset("family household children siblings twins brothers sisters".split())


@dataclass(frozen=True)
class _Tok:
    text: str  # as in the normalised text, without a trailing full stop
    key: str  # lower case, without a possessive
    start: int
    end: int
    sentence_start: bool

    @property
    def cap(self) -> bool:
        return self.text[:1].isupper()

    @property
    def allcaps(self) -> bool:
        return len(self.text) >= 2 and self.text.isupper()

    @property
    def initial(self) -> bool:
        return len(self.text) == 1 and self.text.isupper()


def _tokens(norm: str) -> list[_Tok]:
    out: list[_Tok] = []
    previous_end = 0
    for m in _TOKEN.finditer(norm):
        word, end = m.group(), m.end()
        abbreviation = word[:-1].lower() in name_words.TITLES | {"st"} or len(word) == 2
        if word.endswith(".") and not abbreviation:
            word, end = word[:-1], end - 1  # a full stop ending a sentence
        between = norm[previous_end:m.start()]
        sentence_start = (
            not out
            or bool(re.search(r"[.!?:;\n(\"“]", between))
            or (norm[out[-1].end - 1] == "." and len(out[-1].text) > 1 and out[-1].key not in name_words.TITLES)
        )
        word = word.rstrip(".") or word
        key = re.sub(r"['’]s$", "", word.lower())
        out.append(_Tok(word, key, m.start(), end, sentence_start))
        previous_end = end
    return out


def _plain_word(tok: _Tok) -> bool:
    return tok.key in name_words.NOT_NAMES or tok.key in name_words.INSTITUTION_WORDS


def _surname_like(tok: _Tok) -> bool:
    """A capitalised (or all-capitals) word that could be a family name: not a known ordinary word."""
    return (tok.cap and len(tok.text) >= 2 and not _plain_word(tok)
            and tok.key not in name_words.TITLES and tok.key not in name_words.AMBIGUOUS_FORENAMES)


def _institution_follows(toks: list[_Tok], i: int, norm: str) -> bool:
    """The capitalised run from `i` ends in a word such as "Hospital", "Road", "House" or "'s Law"."""
    for j in range(i, min(i + 4, len(toks))):
        if j > i and (not toks[j].cap or norm[toks[j - 1].end:toks[j].start].strip(" ")):
            return False
        if toks[j].key in name_words.INSTITUTION_WORDS and j > i:
            return True
    return False


def _place_before(toks: list[_Tok], i: int) -> bool:
    return i > 0 and toks[i - 1].key.rstrip(".") in name_words.BEFORE_INSTITUTION and toks[i - 1].cap


def _find_possible_names(t: _Text) -> list[Finding]:
    norm = t.norm
    toks = _tokens(norm)
    spans: list[tuple[int, int]] = []

    def adjacent(i: int) -> bool:  # toks[i] and toks[i + 1] are next to each other (a space or a hyphen)
        return i + 1 < len(toks) and norm[toks[i].end:toks[i + 1].start] in (" ", "  ", ". ")

    def add(i: int, j: int) -> None:
        if _institution_follows(toks, i, norm) or _place_before(toks, i):
            return
        spans.append((toks[i].start, toks[j].end))

    for i, tok in enumerate(toks):
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        # A title and a surname: "Mrs Patel", "Dr Okafor", "PC Jones" (not an initial: "Mr X" is anonymised).
        title = tok.key.rstrip(".")
        if title in name_words.TITLES and (tok.cap or tok.allcaps) and nxt is not None and adjacent(i):
            police = title in {"pc", "dc", "ds", "di", "dci", "pcso"}
            after_title = nxt.cap and not _plain_word(nxt) and nxt.key not in name_words.TITLES
            if (not police or tok.allcaps) and after_title and len(nxt.text) >= 2:
                add(i, i + 1)
                continue
        if not tok.cap:
            continue
        # A known forename: "Kelly", "Jane Smith", "Jane SMITH".
        if tok.key in name_words.FORENAMES and tok.key not in name_words.AMBIGUOUS_FORENAMES \
                and tok.key not in name_words.NOT_NAMES and not tok.allcaps:
            j = i + 1 if nxt is not None and adjacent(i) and _surname_like(nxt) else i
            add(i, j)
            continue
        # A forename that is also a word, with a surname: "Grace Taylor", "Jordan Nowak".
        if tok.key in name_words.AMBIGUOUS_FORENAMES and nxt is not None and adjacent(i) and not tok.allcaps \
                and (nxt.key in name_words.SURNAMES and nxt.cap or _surname_like(nxt) and not tok.sentence_start):
            add(i, i + 1)
            continue
        # A known surname after a capitalised word or an initial: "Zbigniew Nowak", "J. Smith", "J Smith".
        if nxt is not None and adjacent(i) and nxt.key in name_words.SURNAMES and nxt.cap \
                and (tok.initial or _surname_like(tok)) \
                and not (tok.sentence_start and tok.initial and norm[tok.end - 1] != "."):
            add(i, i + 1)
            continue
        # A known surname alone, as records write it ("SMITH") or as a household ("the Patel family").
        if tok.key in name_words.SURNAMES and (
            tok.allcaps and len(tok.text) >= 3
            or nxt is not None and adjacent(i) and nxt.key in _GROUP_WORDS
        ):
            add(i, i)
            continue
        # Any two capitalised words that read as a person: after "mother", "partner", "called"...,
        # before an age ("Zorbula Quixan, 9,"), or with a double-barrelled surname.
        if nxt is not None and adjacent(i) and _surname_like(tok) and _surname_like(nxt):
            prev = toks[i - 1].key if i > 0 else ""
            after = norm[nxt.end:nxt.end + 24]
            if (
                prev in _PERSON_CONTEXT
                or _AGE_AFTER_NAME.match(after)
                or re.match(r"\s*\(?\s*(?:dob|d\.o\.b|born)", after, re.IGNORECASE)
                or re.fullmatch(r"[^\W\d_]+-[^\W\d_]+", nxt.text) and nxt.text.split("-")[1][:1].isupper()
            ):
                add(i, i + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return [t.finding(POSSIBLE_NAME, s, e) for s, e in merged]


# -- the screen ---------------------------------------------------------------------------------------

_DETECTORS = (
    (DATE_OF_BIRTH, _find_dates_of_birth),
    (POSTCODE, _find_postcodes),
    (NHS_NUMBER, _find_nhs_numbers),
    (POSSIBLE_NAME, _find_possible_names),
)
_RANK = {kind: rank for rank, (kind, _) in enumerate(_DETECTORS)}


def screen(text: str, *, names: bool = True) -> list[Finding]:
    """Everything identifying in ``text``, in order of position (at one position: date of birth, postcode,
    NHS number, possible name). ``names=False`` leaves possible names out."""
    t = _Text(text)
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


def _could_be_date_of_birth(d: _Date, today: date | None) -> bool:
    if not d.real:
        return False  # 31/02/2027: nobody was born on it
    year = _full_year(d.year)
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
        t = _Text(piece)
        found = [f.found for f in _find_postcodes(t) + _find_nhs_numbers(t)]
        found += [
            t.finding(DATE_OF_BIRTH, d.start, d.end).found
            for d in _find_dates(t.norm)
            if _could_be_date_of_birth(d, today)
        ]
        for detail in found:
            message = re.sub(re.escape(detail), "[removed]", message, flags=re.IGNORECASE)
    return message
