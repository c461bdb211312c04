"""NHS numbers: ten digits in whole groups with a valid modulus-11 check digit."""

from __future__ import annotations

import re

from flows.anonymity.dates import find_dates
from flows.anonymity.findings import NHS_NUMBER, Finding, Text


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


def find_nhs_numbers(t: Text) -> list[Finding]:
    masked = list(t.norm)
    for m in _NOT_NHS.finditer(t.norm):
        masked[m.start():m.end()] = "x" * (m.end() - m.start())
    for d in find_dates(t.norm):
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
