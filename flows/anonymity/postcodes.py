"""UK postcodes, as people type them."""

from __future__ import annotations

import re

from flows.anonymity.findings import POSTCODE, Finding, Text

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


def find_postcodes(t: Text) -> list[Finding]:
    # Not filtered further: "b33 8th" is a real postcode written in lower case, so an ordinal-looking
    # inward code cannot be excused. A rare false positive only asks the person to reword.
    spans = {(m.start(), m.end()) for m in _POSTCODE.finditer(t.norm)}
    for m in _SPACED_POSTCODE.finditer(t.norm):
        if not any(s <= m.start() < e or m.start() <= s < m.end() for s, e in spans):
            spans.add((m.start(), m.end()))
    return [t.finding(POSTCODE, s, e) for s, e in sorted(spans)]
