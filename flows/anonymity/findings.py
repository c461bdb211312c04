"""What the screen finds (its kinds and `Finding`), the refusals it raises, and how typed text is normalised
before it is matched, with the way back from the normalised text to what was typed."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

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


class Text:
    """The normalised text and the way back to what was typed."""

    def __init__(self, typed: str) -> None:
        self.typed = typed
        self.norm, self._where = _normalise(typed)

    def finding(self, kind: Kind, start: int, end: int) -> Finding:
        first = self._where[start]
        last = self._where[end - 1] + 1
        return Finding(kind, self.typed[first:last], first, last)
