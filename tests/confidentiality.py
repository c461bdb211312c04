"""A checker for text the bot shows or logs: `assert_no_personal_data(text)`.

It fails on anything shaped like personal data of a referral's subject. It is written independently of the
intake screen in `flows/anonymity/` (so it is a second opinion, not the code checking itself), and it is
stricter about the fixture's own subject.

The rules:

* **The fixture subject** (`SUBJECT`): their name (full, or either part), address, postcode and NHS number
  in any spacing or case, and their date of birth in every way it could be written (03/04/2015, 3/4/15,
  3.4.2015, 3-4-2015, 2015-04-03, 2015/04/03, 3 April 2015, 3rd Apr 2015, April 3, 2015) fail.
* **Any date-of-birth-shaped date**: the bot legitimately prints dates: deadlines ("Thu 26 Nov 2026,
  17:00"), when a referral was received, a report's period, ISO times in an export. Those are all within
  a year or so of "today". A date of birth of a subject of a review is at least a year ago (a Baby is
  under 2, and a review follows the incident). So a full date (day, month and year, in any of the shapes
  above) earlier than `today - 365 days` fails; later ones pass. A month and year alone ("April 2015") is
  not a date of birth and passes.
* **A UK postcode**: outward code (A9, A99, AA9, AA99, A9A, AA9A) then inward code (a digit and two
  letters, never C I K M O V), any case, with or without the space, not inside a longer word.
* **An NHS number shape**: ten digits, together or grouped 3-3-4 with spaces or hyphens, not part of a
  longer number or word (a hash), whose modulus-11 check digit is valid (ten digits that fail the check, such as a Unix
  time, are not an NHS number).

`findings(text)` lists what was found (kind and match) for a better failure message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Subject:
    first_name: str
    last_name: str
    dob: date
    address: str
    postcode: str
    nhs_number: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


# The fixture subject: a made-up child. The NHS number is the NHS's own published test number
# (943 476 5919) and the postcode is a real-shaped Salford one; neither is anyone's.
SUBJECT = Subject(
    first_name="Jayden",
    last_name="Okonkwo-Whitfield",
    dob=date(2015, 4, 3),
    address="14 Larkspur Close",
    postcode="M6 8QR",
    nhs_number="9434765919",
)
TODAY = date(2026, 11, 23)  # the test clock's date (tests/conftest.py Clock)

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_MONTH = r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?" \
         r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?(?![a-z])"
_DATE_SHAPES = [
    # day month year, numeric: 03/04/2015, 3/4/15, 3.4.2015, 3-4-2015
    re.compile(r"(?<![\d.])(?P<d>\d{1,2})(?P<s>[/.-])(?P<m>\d{1,2})(?P=s)(?P<y>\d{4}|\d{2})(?![\d])"),
    # year month day: 2015-04-03, 2015/04/03 (an ISO time "2026-11-23T10:12" matches and is judged by date)
    re.compile(r"(?<!\d)(?P<y>\d{4})(?P<s>[/.-])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})(?!\d)"),
    # written: 3 April 2015, 3rd Apr 2015, 3-Apr-2015, Thu 26 Nov 2026
    re.compile(r"(?<!\d)(?P<d>\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?[\s/-]+" + _MONTH + r",?[\s/-]+(?P<y>\d{4})(?!\d)",
               re.IGNORECASE),
    # written, month first: April 3, 2015
    re.compile(r"(?<![a-z])" + _MONTH + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})(?!\d)", re.IGNORECASE),
]
_POSTCODE = re.compile(
    r"(?<![a-z0-9])[a-pr-uwyz][a-hk-y]?\d[a-z\d]?\s?\d[abd-hjlnp-uw-z]{2}(?![a-z0-9])", re.IGNORECASE
)
# Not inside a longer word or number: a hex hash holds runs of ten digits that are nobody's NHS number.
_TEN_DIGITS = re.compile(r"(?<![\da-z])(?<!\d[ -])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![ -]?\d)(?![a-z])", re.IGNORECASE)


def nhs_valid(digits: str) -> bool:
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return check != 10 and check == int(digits[9])


def _dates(text: str) -> list[tuple[date, str]]:
    out = []
    for shape in _DATE_SHAPES:
        for m in shape.finditer(text):
            month = _MONTHS[m["mon"][:3].lower()] if "mon" in m.groupdict() and m["mon"] else int(m["m"])
            year = int(m["y"])
            if year < 100:
                year += 2000 if year <= TODAY.year % 100 else 1900
            try:
                out.append((date(year, month, int(m["d"])), m.group()))
            except ValueError:
                continue  # 31/02/2015 or 2026-13-01: not a date
    return out


def _squash(text: str) -> str:
    return re.sub(r"[\s-]", "", text).lower()


def findings(text: str, *, today: date = TODAY, subject: Subject = SUBJECT) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    lowered = text.lower()
    for part in (subject.name, subject.first_name, subject.last_name, subject.address):
        if part.lower() in lowered:
            found.append(("the subject's name or address", part))
    if _squash(subject.postcode) in _squash(text):
        found.append(("the subject's postcode", subject.postcode))
    if subject.nhs_number in re.sub(r"[\s-]", "", text):
        found.append(("the subject's NHS number", subject.nhs_number))
    cutoff = today - timedelta(days=365)
    for when, shown in _dates(text):
        if when == subject.dob:
            found.append(("the subject's date of birth", shown))
        elif when < cutoff:
            found.append(("a date of birth (a full date more than a year ago)", shown))
    found += [("a UK postcode", m.group()) for m in _POSTCODE.finditer(text)]
    found += [("an NHS number", m.group()) for m in _TEN_DIGITS.finditer(text) if nhs_valid("".join(m.groups()))]
    return found


def assert_no_personal_data(text: str, *, where: str = "", today: date = TODAY, subject: Subject = SUBJECT) -> None:
    hits = findings(text, today=today, subject=subject)
    if hits:
        shown = "; ".join(f"{kind}: {match!r}" for kind, match in hits)
        context = text if len(text) < 400 else text[:400] + "..."
        raise AssertionError(f"personal data in {where or 'the text'}: {shown}\n--- text ---\n{context}")
