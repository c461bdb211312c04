"""Hostile text through the argument parsers the shared commands use (bot/commands.py, flows/): whatever a
person types (right-to-left marks, zero-width spaces, NUL, lone surrogates that a JSON decoder happily
produces, emoji, 100,000 characters), a parser answers a value or one plain sentence, never an exception.
The same text through every command, on a database, is tests/integration/test_fuzz_commands.py.
"""

from __future__ import annotations

from datetime import date

from examples import examples
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.commands import clean_text, parse_date
from flows.errors import InvalidInput
from flows.referrals import normalise_reference
from flows.reports import REPORT_YEARS, parse_period

# Characters that have broken parsers elsewhere: NUL and other controls, RTL override, zero-width joiners and
# spaces, a byte-order mark, a lone surrogate, combining marks, quotes shlex cares about, and emoji.
ODD = ["\x00", "\x07", "\x1b", "\u202e", "\u200f", "\u200b", "\u200d", "\ufeff", "\ud800", "\u0301", "'", '"',
       "\\", "`", "*", "_", "<", ">", "&", "🙂", "👩‍👩‍👧", "٣", "ß", "İ", "\n", "\t"]
odd_text = st.lists(st.one_of(st.sampled_from(ODD), st.characters()), max_size=60).map("".join)
word = st.one_of(odd_text, st.sampled_from([
    "SAL-2026-001", "sal-2026-001", "SAL-2026-00١", "commence", "neither", "police", "until", "2026-12-25",
    "0000", "9999", "0000-Q1", "9999/00", "FY0000", "FY9999", "9999-12", "0001-01-01..9999-12-31", "..",
    "31/02/2026", "referrer", "national_panel", "rr_meeting", "info_request_send", "-1", "1e999", "nan",
]))


# Parsers on their own ----------------------------------------------------------------------------------------


@given(st.text(max_size=200))
@example("\x00")
@example("31/02/2026")
@example("9999-99-99")
@settings(max_examples=examples(300), deadline=None)
def test_parse_date_answers_a_date_or_a_plain_refusal(text: str) -> None:
    try:
        parse_date(text)
    except InvalidInput as exc:
        assert "is not a date; write it like 2026-12-25 or 25/12/2026." in str(exc)


@given(st.text(max_size=200))
@example("SAL-2026-00١")  # an Arabic-Indic digit: \d matches it, the reference still cannot exist
@settings(max_examples=examples(300), deadline=None)
def test_normalise_reference_answers_a_reference_or_a_plain_refusal(text: str) -> None:
    try:
        assert normalise_reference(text, "SAL") == text.strip().upper()
    except InvalidInput as exc:
        assert "is not a referral reference; they look like SAL-2026-014." in str(exc)


@given(st.one_of(st.text(max_size=80), word))
@settings(max_examples=examples(300), deadline=None)
def test_parse_period_answers_a_period_or_a_plain_refusal(text: str) -> None:
    """Before the fix a year Python cannot hold (0000, 9999/00 is 10000) raised ValueError here."""
    try:
        period = parse_period(text, today=date(2026, 11, 23))
    except InvalidInput as exc:
        assert str(exc).endswith(".")
    else:
        assert period.start <= period.end and REPORT_YEARS[0] <= period.start.year <= REPORT_YEARS[1]


def test_clean_text_drops_nul_and_controls_and_replaces_lone_surrogates() -> None:
    assert clean_text("vote\x00 SAL\x1b-2026-001 \ud800ok\n\tline") == "vote SAL-2026-001 \ufffdok\n\tline"
    assert clean_text("مرحبا \u202e 🙂") == "مرحبا \u202e 🙂"  # ordinary Unicode is left alone
    "ok \ud800".encode("utf-8", "surrogatepass")
    clean_text("\ud800").encode("utf-8")  # no UnicodeEncodeError once cleaned


# The commands, on a real database -------------------------------------------------------------------------------
