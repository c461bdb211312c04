"""Anonymity: the intake screen (`flows.anonymity.screen`) over the labelled set of invented summaries and reasons.

tests/data/anonymity_labelled.jsonl holds texts that carry a date of birth, postcode, NHS number or person's name
in many written forms, and clean texts full of incident dates, ages, times, agencies, places and references.
A text is refused when the screen finds anything in it (a possible name included: the service refuses it until
the business manager confirms). Figures: identifiers missed (target 0) and clean texts refused (target under 2%).

For comparison, when `presidio-analyzer` is installed (it is not a dependency), the same set through its
pattern recognisers only, with no language model (nothing downloaded): UK NHS number, UK postcode and dates.
Without a model it has no name recogniser and no notion of a date of birth, so it is measured alone and with
its NHS and postcode recognisers in place of ours beside our date-of-birth and name rules. No floor: the
targets are absolute.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import Context, Row

NAME = "anonymity"
TITLE = "the anonymity screen over the labelled set: identifiers missed, clean texts refused"
DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "anonymity_labelled.jsonl"
CLEAN_TARGET = 0.02


def load() -> list[dict]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def measure(rows: list[dict], refuses: Callable[[str], bool]) -> tuple[int, int, int, int]:
    """(identifying texts missed, identifying texts, clean texts refused, clean texts)"""
    identifying = [r for r in rows if r["identifying"]]
    clean = [r for r in rows if not r["identifying"]]
    missed = sum(not refuses(r["text"]) for r in identifying)
    refused = sum(refuses(r["text"]) for r in clean)
    return missed, len(identifying), refused, len(clean)


def rules() -> Callable[[str], bool]:
    from flows.anonymity import screen

    return lambda text: bool(screen(text))


def presidio(alone: bool) -> Callable[[str], bool] | None:
    try:
        from presidio_analyzer.predefined_recognizers import DateRecognizer, NhsRecognizer, UkPostcodeRecognizer
    except ImportError:
        return None
    from flows.anonymity import DATE_OF_BIRTH, POSSIBLE_NAME, screen

    recognisers = [NhsRecognizer(), UkPostcodeRecognizer()] + ([DateRecognizer()] if alone else [])

    def refuses(text: str) -> bool:
        for r in recognisers:
            if any(hit.score >= 0.1 for hit in r.analyze(text, r.supported_entities, None)):
                return True
        return not alone and any(f.kind in (DATE_OF_BIRTH, POSSIBLE_NAME) for f in screen(text))

    return refuses


def rows_for(label: str, refuses: Callable[[str], bool], data: list[dict], *, ours: bool) -> list[Row]:
    missed, identifying, refused, clean = measure(data, refuses)
    share = refused / clean if clean else 0.0
    return [
        Row(NAME, f"identifiers missed ({label})", missed, f"of {identifying}", target="0" if ours else "",
            met=(missed == 0) if ours else None),
        Row(NAME, f"clean texts refused ({label})", round(100 * share, 2), f"% of {clean}",
            target="< 2%" if ours else "", met=(share < CLEAN_TARGET) if ours else None,
            notes=f"{refused} refused"),
    ]


async def run(ctx: Context) -> list[Row]:
    data = load()
    out = rows_for("rules", rules(), data, ours=True)
    for label, alone in (("presidio, no model", True), ("presidio NHS+postcode, our DOB+name rules", False)):
        refuses = presidio(alone)
        if refuses is None:
            ctx.notes.append("presidio-analyzer is not installed: the library comparison was not run")
            break
        out += rows_for(label, refuses, data, ours=False)
    return out
