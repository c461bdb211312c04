"""Who decides each stage of a referral (issue 21 section 1, issue 23 section 2), as pure rules over plain values.

A referral has one decision at each stage. The preset says, per referral type, how a stage is decided
(`flows.preset.Stage`): by the panel's vote (the default), at a meeting (the rapid review meeting: Dudley,
Salford 7.12), or by the business manager once the statutory partners have given their views (Stockport
section 1). Where a meeting or the business manager decides, the panel's votes are advice: shown on the card
and at the meeting, they close nothing and decide nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime

from flows.errors import NotAllowed, WrongState
from flows.meetings import meeting_event, meeting_name, statutory_roles
from flows.permissions import BM_ROLE
from flows.preset import PANEL_STAGE, Outcome, Preset, Stage


def stage_now(preset: Preset, referral_type: str, panel_outcome: str | None) -> Stage:
    """The stage a referral is at: the panel's until the panel has decided, then the later stage that decision
    leads to (if any; else the panel's, already decided)."""
    if panel_outcome is not None:
        later = preset.later_stage(referral_type, panel_outcome)
        if later is not None:
            return later
    stage = preset.stage_for(referral_type, PANEL_STAGE)
    assert stage is not None
    return stage


def decider_words(preset: Preset, referral_type: str, stage: Stage) -> str:
    """Who decides, in a few words: "the rapid review meeting", "the Business Manager", "the panel's vote"."""
    if stage.by == "meeting":
        return meeting_name(meeting_event(preset, referral_type))
    if stage.by == "bm_after_views":
        return f"the {preset.role_label(BM_ROLE)}"
    return "the panel's vote"


def advice_words(preset: Preset, referral_type: str, stage: Stage) -> str:
    """The card's line under the votes of an advisory ballot."""
    if stage.by == "meeting":
        who = meeting_name(meeting_event(preset, referral_type))
        return f"These votes are advice for {who}, which decides; they close nothing."
    bm = preset.role_label(BM_ROLE)
    return (f"These are the partners' views; the {bm} decides, once every statutory partner has given a view or "
            "the decision deadline has passed.")


def require_decider(role: str, preset: Preset, referral_type: str, stage: Stage) -> None:
    """A meeting's decision, and the decision after the partners' views, are recorded by the business manager."""
    if role != BM_ROLE:
        who = decider_words(preset, referral_type, stage)
        raise NotAllowed(f"Only the business manager can record {who}'s decision. Nothing was changed.")


def views_awaited(preset: Preset, view_roles: Iterable[str]) -> tuple[str, ...]:
    """The statutory partners that have not given a view yet (a current vote from a member of the role)."""
    given = set(view_roles)
    return tuple(r for r in statutory_roles(preset) if r not in given)


def check_bm_may_decide(
    preset: Preset,
    reference: str,
    view_roles: Iterable[str],
    deadline: datetime | None,
    now: datetime,
    fmt: Callable[[datetime], str],
) -> None:
    """Stockport section 1: the business manager records the pathway once every statutory partner has given a
    view, or once the decision deadline has passed; before either, refused in one sentence saying what is
    still awaited."""
    awaited = views_awaited(preset, view_roles)
    if not awaited or (deadline is not None and now >= deadline):
        return
    names = [preset.role_label(r) for r in awaited]
    who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    noun = "view" if len(awaited) == 1 else "views"
    by = f"the decision deadline, {fmt(deadline)}," if deadline is not None else "the decision deadline"
    raise WrongState(f"{reference} is still awaiting the {noun} of {who}: the {preset.role_label(BM_ROLE)} decides "
                     f"the pathway once every statutory partner has given a view or {by} has passed, so nothing was "
                     "recorded.")


def check_outcome(preset: Preset, referral_type: str, stage: Stage, outcome: Outcome) -> None:
    """The outcome must be one of the stage's own (a meeting's outcomes are never the panel's, and back)."""
    allowed = preset.outcomes_for(referral_type, stage.id)
    if outcome in allowed:
        return
    choices = ", ".join(f"{o.id} ({o.label})" for o in allowed)
    raise WrongState(f'"{outcome.label}" is not an outcome of {stage.label}; choose one of: {choices}. '
                     "Nothing was recorded.")


def already_decided(reference: str, stage: Stage, outcome_label: str, when: str) -> WrongState:
    """A second decision at a stage, refused clearly."""
    return WrongState(f"{reference} already has {stage.label}: {outcome_label} ({when}). A referral has one decision "
                      "at each stage, so nothing was changed.")


def view_counts(outcomes: Iterable[str | None]) -> dict[str, int]:
    """How many current views (votes while they are advice) name each outcome."""
    return dict(Counter(o for o in outcomes if o))


def views_so_far(preset: Preset, counts: dict[str, int]) -> str:
    """The views given so far, most named first, in one short sentence: "Views so far: Undertake a child
    safeguarding practice review 2, No review required 1." (the card's, and `meeting list`'s), or "No views
    yet."."""
    if not counts:
        return "No views yet."
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    return f"Views so far: {', '.join(f'{preset.outcome(o).label} {n}' for o, n in ranked)}."


def views_text(preset: Preset, referral_type: str, stage: Stage, counts: dict[str, int], view_roles: Iterable[str]
               ) -> str:
    """The card's words under the votes while they are advice: the views so far, what is still awaited (where
    the business manager waits for every statutory partner), and who decides."""
    parts = [views_so_far(preset, counts)]
    if stage.by == "bm_after_views":
        awaited = views_awaited(preset, view_roles)
        parts.append(f"Still awaited: {', '.join(preset.role_label(r) for r in awaited)}." if awaited
                     else "Every statutory partner has given a view.")
    parts.append(advice_words(preset, referral_type, stage))
    return " ".join(parts)


def who_decides(preset: Preset) -> str:
    """Who decides each referral type's stages, in one sentence (`panelbot preset check`)."""
    parts = []
    for kind in preset.referral_types:
        panel = stage_now(preset, kind.id, None)
        words = decider_words(preset, kind.id, panel)
        later = [s for s in preset.stages if s.id != PANEL_STAGE and s.applies_to(kind.id)]
        for stage in later:
            after = " or ".join(f'"{preset.outcome(o).label}"' for o in stage.after)
            words += f", then {decider_words(preset, kind.id, stage)} after {after}"
        parts.append(f"{kind.label}: {words}")
    return "Who decides: " + "; ".join(parts) + "."
