"""Possible names: what reads as a person's name (word lists in `flows.name_words`). It may be a false alarm,
so it is a kind of its own that callers choose whether to screen."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flows import name_words
from flows.anonymity.findings import POSSIBLE_NAME, Finding, Text

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


def find_possible_names(t: Text) -> list[Finding]:
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
