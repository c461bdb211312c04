"""A preset's parts as data: roles, referral types, outcomes, clocks, the quorum, the monthly panel, and the
preset that holds them, with the words a preset may use (units, owners, the events a clock starts from)
and the error a bad preset file raises. Read from TOML by `flows/preset/loader.py`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flows.preset.form import ComplaintRules, IntakeRules
from flows.reminders import Plan, plan_from

STATUTORY_ROLES = ("local_authority", "police", "health")
UNITS = ("hours", "working_days", "days", "weeks", "months", "panel_meeting")
# The longest clock of each unit: ten years, near enough. (A typing slip of a few zeros would otherwise only
# show when a referral is filed, as a date past the year 9999.)
AMOUNT_MAX = {"hours": 87_600, "working_days": 2_600, "days": 3_660, "weeks": 520, "months": 120, "panel_meeting": 120}
NATIONS = ("ENG", "NIR", "SCT", "WLS")
# Who a clock waits on: the business manager, the panel, an agency, the (Independent) Chair, the local
# authority.
OWNERS = ("bm", "panel", "agency", "chair", "la")
# The clock an information request is due by, unless the referral type names its own (`return_clock`).
RETURN_CLOCK = "agency_return"

# The events a clock may start from. A clock may also start from another clock's due time ("clock:ID"),
# which is how chains such as Kirklees' chronology -> learning event -> first draft are written.
EVENTS = {
    "referral_received": "the referral is received",
    "became_aware": "the partnership became aware of the incident",
    "request_sent": "an information request is sent",
    "decision": "the panel's decision",
    "returned_incomplete": "an incomplete referral is returned to the referrer",
    "review_commissioned": "a review is commissioned",
    "rr_meeting": "the rapid review meeting",
    "screening_meeting": "the SAR screening meeting",
    "review_panel": "the review panel meeting",
    "recommendation": "the recommendation is sent to the Independent Chair",
    "scoping_review": "the scoping review",
    "reviewers_appointed": "the reviewers are appointed",
    "board_sign_off": "the Board signs the report off",
    "draft_report": "the draft report is shared",
    "publication": "publication",
    "complaint": "a complaint is received",
    "complaint_escalated": "the complainant asks for the complaint to go to the Independent Chair",
}


# The meetings of a referral (issue 21 section 1), in the order a referral type's first meeting is looked for
# in the preset's clocks; a `[[meetings]]` entry with `after` adds a meeting held once that event is recorded
# (Stockport 9 and 10: the review panel, once the review is commissioned). The partnership's own monthly panel
# (Suffolk section 3) is a meeting too, of no referral.
MEETING_EVENTS = ("rr_meeting", "screening_meeting", "review_panel")
MONTHLY_PANEL_EVENT = "monthly_panel"

_LONG_QUOTE = re.compile(r'"([^"]{80,})"')


class PresetError(ValueError):
    """A preset file is malformed or inconsistent. The message names the file and the key."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source = source
        self.key = key
        # A value quoted back is cut short: the message names the problem, not 100,000 characters of it.
        self.problem = problem = _LONG_QUOTE.sub(lambda m: f'"{m[1][:60]}…"', problem)
        super().__init__(f"{source}: {key}: {problem}")


@dataclass(frozen=True)
class Role:
    id: str
    label: str
    votes: bool = False
    statutory: bool = False


@dataclass(frozen=True)
class Choice:
    """A referral type or an agency: an id and a label people read."""

    id: str
    label: str


@dataclass(frozen=True)
class ReferralType(Choice):
    """A referral type; what an information request asks agencies for, where it differs from the preset's, and
    the clock its requests are due by, where it is not the preset's `agency_return` (Dudley's SARs: the partners'
    scoping, 20 working days from receipt)."""

    request_template: str | None = None
    return_clock: str | None = None


@dataclass(frozen=True)
class Outcome:
    id: str
    label: str
    reason_required: bool = False
    follow_up: str | None = None  # clock id started by this decision
    stops: tuple[str, ...] = ()  # clocks this decision makes unnecessary (e.g. no rapid review: no RR clocks)
    incomplete: bool = False  # deciding this returns the referral to the referrer
    # Deciding this puts the case on hold (Suffolk 3): it comes back at each monthly panel until the business
    # manager resumes it (`resume REF`), as a hold the business manager makes (`hold REF`) does.
    hold: bool = False
    referral_types: tuple[str, ...] = ()  # offered only for these referral types; empty means every type

    def applies_to(self, referral_type: str) -> bool:
        return not self.referral_types or referral_type in self.referral_types


# Who decides a stage of a referral (issue 21 section 1, issue 23 section 2): a vote of the panel, a meeting
# (the rapid review meeting: Salford 7.12, Dudley), or the business manager once the partners have given their
# views (Stockport section 1). Where a meeting or the business manager decides, a vote held before is advice.
DECIDERS = {
    "ballot": "the panel's vote",
    "meeting": "the meeting",
    "bm_after_views": "the business manager, after the statutory partners' views",
}
PANEL_STAGE = "panel"  # the first decision on a referral; a later stage follows one of its outcomes


@dataclass(frozen=True)
class Stage:
    """How one stage of a referral of some types is decided, and with which outcomes. `panel` is the first
    decision (the referral's own outcome); a later stage (`after` some of the panel's outcomes: Salford 7.12,
    the rapid review meeting after "commence rapid review") is decided once, by a meeting."""

    id: str
    by: str = "ballot"  # a DECIDERS key
    outcomes: tuple[str, ...] = ()  # outcome ids; empty for the panel: every outcome of the type not used later
    referral_types: tuple[str, ...] = ()  # empty: every type
    after: tuple[str, ...] = ()  # a later stage: the panel outcomes it follows
    label: str = "the panel's decision"
    source: str = ""

    def applies_to(self, referral_type: str) -> bool:
        return not self.referral_types or referral_type in self.referral_types

    @property
    def advisory_ballot(self) -> bool:
        """A vote at this stage is advice: it closes nothing and decides nothing."""
        return self.by != "ballot"


@dataclass(frozen=True)
class Clock:
    id: str
    label: str
    amount: int
    unit: str
    starts: str  # an EVENTS key or "clock:<id>"
    source: str = ""  # section of the seed document the rule comes from
    owner: str = "bm"  # who the clock waits on: bm, panel, agency, chair, la
    referral_types: tuple[str, ...] = ()  # started only for these referral types; empty means every type
    reminders: dict[str, Any] | None = field(default=None, hash=False, compare=False)  # overrides, see reminders.py
    # Due `amount` before this scheduled event (an EVENTS key) instead of after `starts`; with `starts` as well,
    # due at whichever of the two is sooner (Kirklees: after completion or before publication).
    before: str | None = None
    # A window (Dudley's rapid review meeting, 7 to 13 working days): not before `earliest` units after the
    # start, and due (overdue only after) `amount`. Something done before the window opens is flagged.
    earliest: int | None = None
    # The event that meets this clock when it is recorded (the rapid review meeting meets its window).
    met_by: str | None = None

    def applies_to(self, referral_type: str) -> bool:
        return not self.referral_types or referral_type in self.referral_types

    @property
    def after_clock(self) -> str | None:
        return self.starts.removeprefix("clock:") if self.starts.startswith("clock:") else None

    @property
    def is_window(self) -> bool:
        return self.earliest is not None

    @property
    def sooner_of_two(self) -> bool:
        """Due after its start or before its event, whichever comes first."""
        return bool(self.starts) and self.before is not None

    def describe(self) -> str:
        amount = f"{self.earliest} to {self.amount}" if self.earliest is not None else str(self.amount)
        unit = self.unit.replace("_", " ")
        if self.amount == 1 and self.earliest is None:
            unit = unit.rstrip("s")
        text = f"{amount} {unit}"
        if self.before is None:
            return text
        event = EVENTS.get(self.before, self.before)
        if self.sooner_of_two:
            start = EVENTS.get(self.starts, self.starts)
            return f"{text} after {start} or before {event}, whichever is sooner"
        return f"{text} before {event}"


@dataclass(frozen=True)
class Milestone:
    """Something the business manager must do that has no clock (the seed sets no time): Stockport 11, the family
    told in writing whether a review will be conducted. It is opened on a referral when one of `after` happens
    (`outcome:ID` the panel's decision, `event:EVENT` an event recorded, `done:CLOCK` a clock marked done) and is
    shown as still to do until the business manager marks it done (`done REF ID`). Never overdue, never
    reminded."""

    id: str
    label: str
    after: tuple[str, ...]
    source: str
    referral_types: tuple[str, ...] = ()  # opened only for these referral types; empty means every type

    def applies_to(self, referral_type: str) -> bool:
        return not self.referral_types or referral_type in self.referral_types


@dataclass(frozen=True)
class Quorum:
    """`count: k` (at least k votes) or `roles: [...]` (at least one vote from each listed role)."""

    count: int | None = None
    roles: tuple[str, ...] = ()

    def describe(self, labels: dict[str, str]) -> str:
        if self.roles:
            return "one vote from each of " + ", ".join(labels.get(r, r) for r in self.roles)
        return f"any {self.count} panel members"


@dataclass(frozen=True)
class MeetingRule:
    """A meeting's own quorum (issue 21 section 1), from a `[[meetings]]` entry: the roles that must each be
    present (one member of each) for the meeting `event` of a referral of `referral_types` (none listed: every
    type), with the section of the seed it comes from. With `after`, the meeting is held once that event is
    recorded (Stockport 9 and 10: the review panel, once a review is commissioned), beside the referral's first
    meeting. A meeting the preset gives no entry needs one representative of each statutory partner."""

    event: str  # a MEETING_EVENTS key, or MONTHLY_PANEL_EVENT
    quorum: tuple[str, ...]  # role ids, in the preset's order of roles
    source: str
    referral_types: tuple[str, ...] = ()
    after: str | None = None  # an EVENTS key

    def applies_to(self, referral_type: str | None) -> bool:
        return referral_type is None or not self.referral_types or referral_type in self.referral_types


@dataclass(frozen=True)
class MonthlyPanel:
    """Suffolk section 3: the panel meets monthly on `day` (moved to the working day before when that is not a
    working day). A referral goes to the first panel at least `cutoff_days_before` calendar days after it (the
    day it arrives not counted: "the next panel taking place 10 days after the referral was sent out"), or,
    in the older form, referrals received after `cutoff_day` of the month wait for the next month's panel."""

    day: int
    cutoff_day: int | None = None
    cutoff_days_before: int | None = None


@dataclass(frozen=True)
class QuorateBy:
    """When a meeting's attendance must be known (issue 21): `working_days_before` working days before the
    meeting's day, at `at` (UK time). Then, if the statutory partners confirmed are not all of them, the
    business manager is told once. Default: the working day before, 17:00."""

    working_days_before: int = 1
    at: str = "17:00"


@dataclass(frozen=True)
class Preset:
    id: str
    name: str
    reference_prefix: str
    nation: str
    timezone: str
    day_start: str
    day_end: str
    roles: tuple[Role, ...]
    referral_types: tuple[Choice, ...]
    outcomes: tuple[Outcome, ...]
    quorum: Quorum
    tie_break_role: str
    immediate_decision: bool
    decision_clock: str
    clocks: tuple[Clock, ...]
    agencies: tuple[Choice, ...] = ()
    themes: tuple[str, ...] = ()
    monthly_panel: MonthlyPanel | None = None
    meeting_quorate_by: QuorateBy = QuorateBy()
    # What the referral form asks beyond the basics, and the complaints procedure (`flows/preset/form.py`).
    intake: IntakeRules = IntakeRules()
    complaints: ComplaintRules | None = None
    request_template: str = "information about the agency's involvement"
    stages: tuple[Stage, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    meetings: tuple[MeetingRule, ...] = ()  # each meeting's own quorum, where it is not the statutory partners'
    source_file: str = ""
    notes: dict[str, Any] = field(default_factory=dict)

    # Lookups -----------------------------------------------------------------------------------------
    def role(self, role_id: str) -> Role:
        for role in self.roles:
            if role.id == role_id:
                return role
        raise KeyError(role_id)

    def role_label(self, role_id: str) -> str:
        try:
            return self.role(role_id).label
        except KeyError:
            return role_id.replace("_", " ").capitalize()

    @property
    def role_labels(self) -> dict[str, str]:
        return {r.id: r.label for r in self.roles}

    @property
    def voting_roles(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.roles if r.votes)

    def outcome(self, outcome_id: str) -> Outcome:
        for outcome in self.outcomes:
            if outcome.id == outcome_id:
                return outcome
        raise KeyError(outcome_id)

    def clock(self, clock_id: str) -> Clock:
        for clock in self.clocks:
            if clock.id == clock_id:
                return clock
        raise KeyError(clock_id)

    def reminder_plan(self, clock: Clock) -> Plan:
        """When this clock nags, and whom (flows/reminders.py): the defaults with the preset's overrides."""
        return plan_from(clock.reminders, clock.unit, clock.owner, decision_clock=clock.id == self.decision_clock)

    def milestones_after(self, trigger: str, referral_type: str) -> tuple[Milestone, ...]:
        """The milestones `trigger` ("outcome:no_review", "event:review_commissioned", "done:CLOCK") opens."""
        return tuple(m for m in self.milestones if trigger in m.after and m.applies_to(referral_type))

    def has_clock(self, clock_id: str) -> bool:
        return any(c.id == clock_id for c in self.clocks)

    def referral_type(self, type_id: str) -> Choice:
        for choice in self.referral_types:
            if choice.id == type_id:
                return choice
        raise KeyError(type_id)

    def outcomes_for(self, type_id: str, stage_id: str = PANEL_STAGE) -> tuple[Outcome, ...]:
        """The outcomes a referral of this type can be given at a stage (by default the panel's), in the preset's
        order: the stage's own list where the preset gives one; for the panel, else, every outcome of the type
        that no later stage of the type uses."""
        stage = self.stage_for(type_id, stage_id)
        if stage is not None and stage.outcomes:
            return tuple(o for o in self.outcomes if o.id in stage.outcomes)
        later = {o for s in self.stages if s.id != PANEL_STAGE and s.applies_to(type_id) for o in s.outcomes}
        return tuple(o for o in self.outcomes if o.applies_to(type_id) and o.id not in later)

    @property
    def panel_outcomes(self) -> tuple[Outcome, ...]:
        """The outcomes the panel's decision can take for some type (a referral's own outcome), in order: the
        report's rows and columns. A later stage's outcomes (Salford 7.12) are not among them."""
        ids = {o.id for t in self.referral_types for o in self.outcomes_for(t.id)}
        return tuple(o for o in self.outcomes if o.id in ids)

    def stage_for(self, type_id: str, stage_id: str = PANEL_STAGE) -> Stage | None:
        """How this stage of a referral of this type is decided. The panel stage always has an answer (a vote
        of the panel, unless the preset says otherwise); a later stage is None where the preset has none."""
        for stage in self.stages:
            if stage.id == stage_id and stage.applies_to(type_id):
                return stage
        return Stage(PANEL_STAGE) if stage_id == PANEL_STAGE else None

    def later_stage(self, type_id: str, outcome_id: str | None) -> Stage | None:
        """The stage that follows the panel's decision `outcome_id` for a referral of this type (Salford 7.12)."""
        for stage in self.stages:
            if stage.id != PANEL_STAGE and outcome_id in stage.after and stage.applies_to(type_id):
                return stage
        return None

    def return_clock_for(self, type_id: str) -> Clock | None:
        """The clock an information request for a referral of this type is due by: the type's own `return_clock`,
        else the preset's `agency_return` where it applies to the type, else None (the business manager gives the
        date, or the request is due before the panel or meeting that considers it)."""
        for choice in self.referral_types:
            if choice.id == type_id and isinstance(choice, ReferralType) and choice.return_clock:
                return self.clock(choice.return_clock)
        if self.has_clock(RETURN_CLOCK) and self.clock(RETURN_CLOCK).applies_to(type_id):
            return self.clock(RETURN_CLOCK)
        return None

    def request_template_for(self, type_id: str) -> str:
        """What an information request for a referral of this type asks each agency for."""
        for choice in self.referral_types:
            if choice.id == type_id and isinstance(choice, ReferralType) and choice.request_template:
                return choice.request_template
        return self.request_template
