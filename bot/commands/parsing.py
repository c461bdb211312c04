"""What a person typed, read: dates, moments, an outcome and its reason, and text made safe to store."""

from __future__ import annotations

import re
from datetime import datetime, time

from flows.errors import InvalidInput
from flows.intake import parse_date, parse_time  # dates and times as people type them, the same everywhere
from flows.preset import Preset


def parse_moment(text: str) -> datetime:
    """A moment as people type it, the same in the terminal and on the command line: 2026-12-24 09:30,
    2026-12-24T09:30, 24/12/2026 09:30, or a date alone (its midnight). Naive unless an offset is written
    (2026-12-24T09:30+00:00); the caller reads a naive one as UK time."""
    text = " ".join(text.split())
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    refusal = InvalidInput(f'"{text}" is not a time; write it like 2026-12-24 09:30 or 24/12/2026 09:30.')
    try:
        return datetime.combine(parse_date(text), time(0))
    except InvalidInput:
        pass
    day, _, clock = text.replace("T", " ").rpartition(" ")
    try:
        return datetime.combine(parse_date(day), parse_time(clock))
    except InvalidInput:
        raise refusal from None


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """What a person typed, made safe to store: control characters (NUL above all, which PostgreSQL refuses in
    text) are dropped, and a lone UTF-16 surrogate (valid in JSON, not in UTF-8) becomes U+FFFD. Every
    platform's JSON decoder can hand us either."""
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", text))
def split_outcome(preset: Preset, words: list[str]) -> tuple[str, str]:
    """The outcome at the start of `words` and the reason after it. The longest run of words that is an
    outcome's id or label wins (`no review` is `no_review`, not `no` and the reason "review"); then the longest
    run that starts one outcome id and no other, as a short form (`commence`). Anything else is passed on as the
    first word, for the service to refuse with the list of outcomes."""
    ids = [o.id for o in preset.outcomes]
    labels = {o.label.lower(): o.id for o in preset.outcomes}
    longest = max((max(len(o.label.split()), len(o.id.split("_"))) for o in preset.outcomes), default=1)
    runs = range(min(len(words), longest), 0, -1)

    def key(n: int) -> str:
        return "_".join(words[:n]).lower().replace("-", "_").replace(" ", "_")

    for n in runs:
        if key(n) in ids:
            return key(n), " ".join(words[n:])
        if " ".join(words[:n]).lower() in labels:
            return labels[" ".join(words[:n]).lower()], " ".join(words[n:])
    for n in runs:
        started = [i for i in ids if i.startswith(key(n))]
        if len(started) == 1:
            return started[0], " ".join(words[n:])
    return words[0], " ".join(words[1:])
