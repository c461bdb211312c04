"""The pure rules of a referral's meeting (issue 21, section 1): which meeting it is, who makes it quorate
("at least one representative of each statutory partner": Salford 7.12, Dudley "The Rapid Review Meeting"),
and the override a business manager types."""

from __future__ import annotations

import pytest

from flows.errors import InvalidInput
from flows.meetings import attendance, meeting_event, split_override, window_clock
from flows.preset import load_preset


@pytest.mark.parametrize(
    ("preset", "referral_type", "event"),
    [
        ("dudley", "cspr", "rr_meeting"),
        ("salford", "rapid_review", "rr_meeting"),
        ("stockport", "sar", "screening_meeting"),  # section 11: the SAR screening meeting
        ("stockport", "child", "rr_meeting"),
    ],
)
def test_the_meeting_a_referral_has(preset, referral_type, event):
    assert meeting_event(load_preset(preset), referral_type) == event


def test_only_dudley_rapid_reviews_have_a_window():
    dudley = load_preset("dudley")
    assert window_clock(dudley, "cspr", "rr_meeting").id == "rr_meeting"
    assert window_clock(dudley, "sar", "rr_meeting") is None
    assert window_clock(load_preset("salford"), "rapid_review", "rr_meeting") is None


def test_quorate_with_one_of_each_statutory_partner():
    dudley = load_preset("dudley")
    full = attendance(dudley, ["health", "Police", "local_authority", "independent_chair"])
    assert full.quorate and full.attended == ("local_authority", "police", "health", "independent_chair")
    short = attendance(dudley, ["police", "Health (ICB)"])
    assert not short.quorate and short.missing == ("local_authority",)


def test_salford_statutory_partners_make_the_meeting_quorate_though_they_do_not_vote():
    salford = load_preset("salford")
    assert not attendance(salford, ["independent_adviser", "chair", "deputy_chair", "business_manager"]).quorate
    assert attendance(salford, ["local_authority", "police", "health"]).quorate


def test_an_unknown_role_is_refused():
    with pytest.raises(InvalidInput, match='"dentist" is not a role of this partnership'):
        attendance(load_preset("dudley"), ["police", "dentist"])


def test_split_override():
    assert split_override(["Room", "2"]) == (["Room", "2"], None)
    assert split_override(["Room", "2", "override", "chair", "away"]) == (["Room", "2"], "chair away")
    assert split_override(["override"]) == ([], "")
