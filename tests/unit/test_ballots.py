"""The pure vote rules of flows.ballots, checked against domain/BALLOTS.md.

Every row of both worked-example tables in BALLOTS.md is a case below, with the rule it comes from:
Salford 7.5 (virtual panel: quorum is two panel members, the majority decides) and Dudley's Rapid Reviews
("The Rapid Review Meeting": one representative of each safeguarding partner). The properties at the end
check the close rules by brute force over every way the remaining members could still vote.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from examples import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.ballots import CloseReason, Result, ResultKind, Vote, Voter, closing, result, tally
from flows.preset import Quorum

A, B, C, D = "A", "B", "C", "D"

# Salford virtual panel (7.5): Independent Adviser, Chair, Deputy Chair, Business Manager; quorum two.
SALFORD_QUORUM = Quorum(count=2)
SALFORD_PANEL = (
    Voter(1, "independent_adviser"),
    Voter(2, "chair"),
    Voter(3, "deputy_chair"),
    Voter(4, "business_manager"),
)
# Dudley rapid review meeting: one vote from each statutory partner.
DUDLEY_ROLES = ("local_authority", "police", "health")
DUDLEY_QUORUM = Quorum(roles=DUDLEY_ROLES)
DUDLEY_PANEL = (Voter(11, "local_authority"), Voter(12, "police"), Voter(13, "health"))


@dataclass(frozen=True)
class Case:
    why: str
    quorum: Quorum
    panel: tuple[Voter, ...]
    votes: tuple[tuple[int, str], ...]  # (member_id, outcome), in the order cast
    expect_close: CloseReason | None
    expect_kind: ResultKind | None = None  # None: the ballot stays open, nothing to check
    expect_outcome: str | None = None
    expect_missing_roles: tuple[str, ...] = ()
    recused: tuple[int, ...] = ()
    deadline_passed: bool = False
    expect_still_needed: tuple[str, ...] | None = None  # role quorum: tally.missing_roles while open


def _run(quorum: Quorum, panel, votes, recused=()):
    eligible = [v for v in panel if v.member_id not in recused]
    roles = {v.member_id: v.role for v in panel}
    return tally(quorum, eligible, [Vote(mid, roles[mid], outcome) for mid, outcome in votes])


WORKED_EXAMPLES = [
    # --- BALLOTS.md, Salford virtual panel (count: 2; 4 eligible) -----------------------------------------
    Case("Salford 7.5 / BALLOTS.md row 'A': 1 vote, quorum is 2",
         SALFORD_QUORUM, SALFORD_PANEL, ((1, A),), None),
    Case("Salford 7.5 / BALLOTS.md row 'A, A': quorum met, but the other two could make it 2-2",
         SALFORD_QUORUM, SALFORD_PANEL, ((1, A), (2, A)), None),
    Case("Salford 7.5 / BALLOTS.md row 'A, A, A': 3 > (3 + 1) / 2, cannot change",
         SALFORD_QUORUM, SALFORD_PANEL, ((1, A), (2, A), (3, A)), CloseReason.SETTLED, ResultKind.DECIDED, A),
    Case("Salford 7.5 / BALLOTS.md row 'A, A, B': open until the deadline or the 4th vote",
         SALFORD_QUORUM, SALFORD_PANEL, ((1, A), (2, A), (3, B)), None),
    Case("Salford 7.5 / BALLOTS.md row 'A, A, B at the deadline': quorum met, 2 of 3 is a majority",
         SALFORD_QUORUM, SALFORD_PANEL, ((1, A), (2, A), (3, B)), CloseReason.DEADLINE, ResultKind.DECIDED, A,
         deadline_passed=True),
    Case("Salford 7.5 / BALLOTS.md row 'A, B, A, B': all voted, 2-2 is a tie",
         SALFORD_QUORUM, SALFORD_PANEL, ((1, A), (2, B), (3, A), (4, B)), CloseReason.ALL_VOTED, ResultKind.TIE),
    Case("Salford 7.5 / BALLOTS.md row 'A, A after the chair recused (3 eligible)': 2 > (2 + 1) / 2",
         SALFORD_QUORUM, SALFORD_PANEL, ((1, A), (3, A)), CloseReason.SETTLED, ResultKind.DECIDED, A, recused=(2,)),
    # The 'A, A, B' row says "until the deadline or the 4th vote": both 4th votes, for completeness.
    Case("Salford 7.5 / BALLOTS.md 'A, A, B' then a 4th vote for B ties 2-2",
         SALFORD_QUORUM, SALFORD_PANEL, ((1, A), (2, A), (3, B), (4, B)), CloseReason.ALL_VOTED, ResultKind.TIE),
    Case("Salford 7.5 / BALLOTS.md 'A, A, B' then a 4th vote for A decides A 3-1",
         SALFORD_QUORUM, SALFORD_PANEL, ((1, A), (2, A), (3, B), (4, A)), CloseReason.ALL_VOTED,
         ResultKind.DECIDED, A),
    # --- BALLOTS.md, Dudley (roles: local_authority, police, health; one member each) ---------------------
    Case("Dudley rapid review quorum / BALLOTS.md row 'LA: A, health: A': open, still needed: police",
         DUDLEY_QUORUM, DUDLEY_PANEL, ((11, A), (13, A)), None, expect_still_needed=("police",)),
    Case("Dudley rapid review quorum / BALLOTS.md row 'LA: A, health: A, police: B': all voted, 2 of 3",
         DUDLEY_QUORUM, DUDLEY_PANEL, ((11, A), (13, A), (12, B)), CloseReason.ALL_VOTED, ResultKind.DECIDED, A),
    Case("Dudley rapid review quorum / BALLOTS.md row 'LA: A, health: A, deadline passes': no quorum, police",
         DUDLEY_QUORUM, DUDLEY_PANEL, ((11, A), (13, A)), CloseReason.DEADLINE, ResultKind.NO_QUORUM,
         expect_missing_roles=("police",), deadline_passed=True),
    Case("Dudley rapid review quorum / BALLOTS.md row 'police recuses': no quorum possible, closes at once",
         DUDLEY_QUORUM, DUDLEY_PANEL, (), CloseReason.QUORUM_IMPOSSIBLE, ResultKind.NO_QUORUM, recused=(12,)),
    Case("Dudley rapid review quorum / BALLOTS.md row 'LA: A, health: B, police: C': all voted 1-1-1, no majority",
         DUDLEY_QUORUM, DUDLEY_PANEL, ((11, A), (13, B), (12, C)), CloseReason.ALL_VOTED, ResultKind.NO_MAJORITY),
]


@pytest.mark.parametrize("case", WORKED_EXAMPLES, ids=[c.why for c in WORKED_EXAMPLES])
def test_worked_examples_of_ballots_md(case: Case):
    t = _run(case.quorum, case.panel, case.votes, case.recused)
    assert closing(t, deadline_passed=case.deadline_passed) == case.expect_close, case.why
    if case.expect_close is None:
        # Open: nothing closes it yet; the deadline would.
        assert closing(t, deadline_passed=True) == CloseReason.DEADLINE
        if case.expect_still_needed is not None:
            assert t.missing_roles == case.expect_still_needed
        return
    r = result(t)
    assert r.kind == case.expect_kind, case.why
    assert r.outcome == case.expect_outcome
    assert r.escalated == (case.expect_kind != ResultKind.DECIDED)
    if case.expect_kind == ResultKind.NO_QUORUM:
        for role in case.expect_missing_roles:
            assert role in r.missing_roles


def test_dudley_police_recusal_names_police_as_the_impossible_role():
    """BALLOTS.md rule 3: quorum has become impossible (the only police member recused): closes at once as
    "no quorum", naming the role, so the BM can add a substitute."""
    t = _run(DUDLEY_QUORUM, DUDLEY_PANEL, (), recused=(12,))
    assert t.impossible_roles == ("police",)
    assert not t.quorum_possible
    assert "police" in result(t).missing_roles
    # Even with the other two partners' votes in, the police gap is what is named.
    t = _run(DUDLEY_QUORUM, DUDLEY_PANEL, ((11, A), (13, A)), recused=(12,))
    assert closing(t, deadline_passed=False) is not None
    assert result(t).kind == ResultKind.NO_QUORUM
    assert result(t).missing_roles == ("police",)


def test_dudley_deadline_without_police_reports_only_police_missing():
    """BALLOTS.md, "What the close means": no quorum escalates naming the missing roles (Dudley: police)."""
    t = _run(DUDLEY_QUORUM, DUDLEY_PANEL, ((11, A), (13, A)))
    assert result(t).missing_roles == ("police",)
    assert result(t).outcome is None


# The settled rule ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("eligible", "leader", "others", "settled"),
    [
        (4, 2, 0, False),  # 2 > (2 + 2) / 2 ? no: 2-2 still possible
        (4, 3, 0, True),  # 3 > (3 + 1) / 2
        (4, 2, 1, False),  # 2 > (3 + 1) / 2 ? no
        (3, 2, 0, True),  # 2 > (2 + 1) / 2
        (5, 3, 0, True),  # 3 > 5 / 2
        (5, 2, 1, False),  # 2 > 5 / 2 ? no
        (6, 3, 0, False),  # 3 > 6 / 2 ? no: equality is not enough
        (6, 4, 1, True),  # 4 > 6 / 2
        (6, 3, 2, False),  # 3 > 6 / 2 ? no
    ],
)
def test_settled_rule_leader_beats_half_of_votes_plus_remaining(eligible, leader, others, settled):
    """BALLOTS.md, "When the ballot closes" rule 2: quorum met and `leader > (votes + remaining) / 2`."""
    panel = tuple(Voter(i, "member") for i in range(1, eligible + 1))
    votes = [(i, A) for i in range(1, leader + 1)] + [(leader + i, B) for i in range(1, others + 1)]
    t = _run(SALFORD_QUORUM, panel, votes)
    assert t.settled is settled
    votes_cast, remaining = leader + others, eligible - leader - others
    assert settled is (leader > (votes_cast + remaining) / 2)
    assert (closing(t, deadline_passed=False) == CloseReason.SETTLED) is (settled and remaining > 0)


def test_settled_needs_quorum_too():
    """BALLOTS.md rule 2: the leader's lead only settles the ballot once quorum is met (count 3, 2 of 3 cast)."""
    panel = tuple(Voter(i, "member") for i in range(1, 4))
    t = _run(Quorum(count=3), panel, [(1, A), (2, A)])
    assert t.leader_votes * 2 > t.votes_cast + len(t.remaining)  # the arithmetic alone would settle it
    assert not t.quorum_met
    assert not t.settled
    assert closing(t, deadline_passed=False) is None


# No majority, quorum impossible, several members of a role, votes not counted --------------------------

def test_no_majority_when_three_outcomes_spread():
    """BALLOTS.md, "What the close means": quorum met, votes spread over several outcomes (A 2, B 1, C 1 of
    4) with no outcome above half -> escalated, no majority (Salford 7.5: the majority decides)."""
    t = _run(SALFORD_QUORUM, SALFORD_PANEL, [(1, A), (2, A), (3, B), (4, C)])
    assert closing(t, deadline_passed=False) == CloseReason.ALL_VOTED
    assert t.leader == A and t.majority is None
    r = result(t)
    assert r.kind == ResultKind.NO_MAJORITY
    assert r.outcome is None and r.escalated


def test_spread_votes_at_deadline_escalate():
    """BALLOTS.md rule 4 then "What the close means": A 1, B 1, C 1 of a 4-member count-2 panel at the
    deadline has quorum but no majority, so it is escalated with no outcome."""
    t = _run(SALFORD_QUORUM, SALFORD_PANEL, [(1, A), (2, B), (3, C)])
    assert closing(t, deadline_passed=False) is None
    assert closing(t, deadline_passed=True) == CloseReason.DEADLINE
    r = result(t)
    assert r.escalated and r.outcome is None


def test_count_quorum_becomes_impossible_when_too_few_eligible_are_left():
    """BALLOTS.md rule 3 with a count quorum (Salford 7.5, two panel members): three of four recuse, so only
    one member can vote and quorum of two can never be met: closes at once, no quorum, 2 votes missing."""
    t = _run(SALFORD_QUORUM, SALFORD_PANEL, [], recused=(2, 3, 4))
    assert not t.quorum_possible
    assert closing(t, deadline_passed=False) == CloseReason.QUORUM_IMPOSSIBLE
    r = result(t)
    assert r.kind == ResultKind.NO_QUORUM
    assert r.missing_votes == 2
    assert r.missing_roles == ()


def test_count_quorum_still_possible_with_exactly_enough_eligible():
    """BALLOTS.md rule 3: two of four recused leaves two eligible, exactly a Salford quorum: stays open."""
    t = _run(SALFORD_QUORUM, SALFORD_PANEL, [], recused=(3, 4))
    assert t.quorum_possible
    assert closing(t, deadline_passed=False) is None


def test_several_members_of_one_role_one_vote_is_enough():
    """BALLOTS.md, Terms: `roles` quorum needs a vote from each role; several members of one role are fine,
    one is enough (Dudley rapid review meeting)."""
    panel = DUDLEY_PANEL + (Voter(14, "police"), Voter(15, "health"))
    t = _run(DUDLEY_QUORUM, panel, [(11, A), (12, A), (13, A)])
    assert t.quorum_met and t.missing_roles == ()
    # 3 > (3 + 2) / 2: the second police and health members cannot change it.
    assert closing(t, deadline_passed=False) == CloseReason.SETTLED
    assert result(t) == Result(ResultKind.DECIDED, outcome=A)

    # One police member recusing does not make the quorum impossible while another police member is eligible.
    t = _run(DUDLEY_QUORUM, panel, [(11, A), (13, A)], recused=(12,))
    assert t.quorum_possible and t.impossible_roles == ()
    assert t.missing_roles == ("police",)
    assert closing(t, deadline_passed=False) is None


def test_votes_from_members_not_eligible_are_ignored():
    """BALLOTS.md: votes from someone not eligible change nothing (a member not on the panel, or one who
    recused) - the tally counts only eligible members' votes."""
    eligible = list(SALFORD_PANEL[1:])  # member 1 recused
    votes = [Vote(1, "independent_adviser", B), Vote(99, "police", B), Vote(2, "chair", A)]
    t = tally(SALFORD_QUORUM, eligible, votes)
    assert t.votes_cast == 1
    assert t.counts == {A: 1}
    assert t.eligible == 3
    assert {v.member_id for v in t.remaining} == {3, 4}
    assert t.missing_votes == 1 and not t.quorum_met
    # A role quorum is not met by a vote from a non-eligible member of the missing role.
    t = tally(DUDLEY_QUORUM, list(DUDLEY_PANEL), [Vote(11, "local_authority", A), Vote(13, "health", A),
                                                   Vote(77, "police", A)])
    assert t.missing_roles == ("police",)
    assert not t.quorum_met


def test_no_votes_and_nobody_eligible_is_not_all_voted():
    """BALLOTS.md rule 1 needs eligible members; an empty panel cannot be 'all voted' (it is no quorum)."""
    t = tally(SALFORD_QUORUM, [], [])
    assert closing(t, deadline_passed=False) == CloseReason.QUORUM_IMPOSSIBLE
    assert result(t).kind == ResultKind.NO_QUORUM


# Properties, checked by brute force over small panels ---------------------------------------------------

OUTCOMES = (A, B, C)
ROLE_POOL = ("local_authority", "police", "health", "other")


# The strategies are built once, not on every draw: hypothesis then validates each only once.
ONE_TO_FIVE = st.integers(min_value=1, max_value=5)
ROLE_LISTS = {size: st.lists(st.sampled_from(ROLE_POOL), min_size=size, max_size=size) for size in range(1, 6)}
QUORUM_ROLES = st.lists(st.sampled_from(DUDLEY_ROLES), min_size=1, max_size=3, unique=True)
AN_OUTCOME = st.sampled_from(OUTCOMES)
YES_NO = st.booleans()


@st.composite
def ballots(draw):
    size = draw(ONE_TO_FIVE)
    roles = draw(ROLE_LISTS[size])
    panel = tuple(Voter(i + 1, r) for i, r in enumerate(roles))
    if draw(YES_NO):
        quorum = Quorum(count=draw(ONE_TO_FIVE))
    else:
        quorum = Quorum(roles=tuple(draw(QUORUM_ROLES)))
    recused = tuple(v.member_id for v in panel if draw(YES_NO) and draw(YES_NO))
    eligible = [v for v in panel if v.member_id not in recused]
    votes = [Vote(v.member_id, v.role, draw(AN_OUTCOME)) for v in eligible if draw(YES_NO)]
    return quorum, eligible, votes


def _completions(eligible, votes, choices=(A, B, C, D)):
    """Every way the remaining members could still vote (each may also stay silent)."""
    voted = {v.member_id for v in votes}
    remaining = [v for v in eligible if v.member_id not in voted]
    for picks in itertools.product((None, *choices), repeat=len(remaining)):
        extra = [Vote(v.member_id, v.role, o) for v, o in zip(remaining, picks, strict=True) if o is not None]
        yield votes + extra, all(p is not None for p in picks)


@settings(max_examples=examples(300), deadline=None)
@given(ballots())
def test_property_settled_means_decided_whatever_the_rest_vote(ballot):
    """BALLOTS.md rule 2: once SETTLED, the result is DECIDED and no assignment of the remaining votes
    (including abstaining or a new outcome) changes the outcome."""
    quorum, eligible, votes = ballot
    t = tally(quorum, eligible, votes)
    if closing(t, deadline_passed=False) != CloseReason.SETTLED:
        return
    r = result(t)
    assert r.kind == ResultKind.DECIDED
    for more, _ in _completions(eligible, votes):
        later = result(tally(quorum, eligible, more))
        assert later.kind == ResultKind.DECIDED
        assert later.outcome == r.outcome


@settings(max_examples=examples(300), deadline=None)
@given(ballots())
def test_property_quorum_impossible_means_no_completion_meets_quorum(ballot):
    """BALLOTS.md rule 3: the ballot closes as 'no quorum possible' only when no way of voting by the
    remaining members could meet the quorum."""
    quorum, eligible, votes = ballot
    t = tally(quorum, eligible, votes)
    if closing(t, deadline_passed=False) != CloseReason.QUORUM_IMPOSSIBLE:
        return
    assert result(t).kind == ResultKind.NO_QUORUM
    for more, _ in _completions(eligible, votes, choices=(A,)):
        assert not tally(quorum, eligible, more).quorum_met


@settings(max_examples=examples(300), deadline=None)
@given(ballots())
def test_property_open_ballot_can_still_change(ballot):
    """BALLOTS.md "When the ballot closes": a ballot left open (before the deadline) has someone left to vote
    and is neither settled nor without a possible quorum; the deadline always closes it."""
    quorum, eligible, votes = ballot
    t = tally(quorum, eligible, votes)
    reason = closing(t, deadline_passed=False)
    if reason is not None:
        return
    assert t.remaining
    assert not t.settled and t.quorum_possible
    assert closing(t, deadline_passed=True) == CloseReason.DEADLINE


@settings(max_examples=examples(300), deadline=None)
@given(ballots(), st.randoms(use_true_random=False))
def test_property_tally_ignores_vote_order(ballot, rnd):
    """BALLOTS.md: the result depends on each member's current vote, not on the order they came in."""
    quorum, eligible, votes = ballot
    shuffled = list(votes)
    rnd.shuffle(shuffled)
    t1, t2 = tally(quorum, eligible, votes), tally(quorum, eligible, shuffled)
    assert result(t1) == result(t2)
    assert closing(t1, deadline_passed=False) == closing(t2, deadline_passed=False)


@settings(max_examples=examples(300), deadline=None)
@given(ballots())
def test_property_decided_outcome_has_more_than_half(ballot):
    """BALLOTS.md, Terms: majority is an outcome with more than half of the votes cast; a DECIDED result
    always has quorum and such a majority, and an escalated one never names an outcome."""
    quorum, eligible, votes = ballot
    t = tally(quorum, eligible, votes)
    r = result(t)
    if r.kind == ResultKind.DECIDED:
        assert t.quorum_met
        assert sum(1 for v in t_counted(eligible, votes) if v.outcome == r.outcome) * 2 > t.votes_cast
    else:
        assert r.outcome is None


def t_counted(eligible, votes):
    ids = {v.member_id for v in eligible}
    return [v for v in votes if v.member_id in ids]
