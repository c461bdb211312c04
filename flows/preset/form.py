"""What a preset adds to the referral form and the record (issue 23): who authorised a referral, where it came
from, the processes that run beside it, the notifications made, and the complaints procedure.

Each is data, with the seed section it comes from (`source`), so a partnership switches one on by writing its
table, off by leaving it out, and relabels it by editing its `label`:

    [intake.authorised_by]             # "Authorised by": a role at the referring agency, never a name
    [[intake.sources]]                 # where the referral came from; the one with `agency = true` is the
                                       # referring agency chosen from [[agencies]]
    [[intake.parallel]]                # parallel processes the form offers, and what each adds to publication
    [[intake.notifications]]           # notifications the form asks about, which are required, which clock
                                       # each one meets
    [complaints]                       # the complaints procedure: its clocks and the Ombudsman's details
"""

from __future__ import annotations

from dataclasses import dataclass

COMPLAINT_SUBJECTS = ("decision", "process", "outcome")


@dataclass(frozen=True)
class AuthorisedBy:
    """Dudley ("agreed by the referring organisations safeguarding lead") and Salford 7.3 ("verified
    internally"): the role at the referring agency that authorised the referral."""

    label: str = "Authorised by"
    hint: str = "A role at the referring agency, such as \"Designated safeguarding lead\", never a person's name."
    required: bool = False
    source: str = ""


@dataclass(frozen=True)
class ReferralSource:
    """A kind of source of referrals (Salford 7.3: a partner agency, the Rapid Response Team, the Coroner...).
    `agency`: the referral came from an agency, which is then chosen from the preset's agencies."""

    id: str
    label: str
    agency: bool = False
    source: str = ""


@dataclass(frozen=True)
class ParallelKind:
    """A process that may run beside the review (Suffolk section 1). `before_publication`: the line it adds to
    the publication milestones ("Check with the police before publishing")."""

    id: str
    label: str
    before_publication: str = ""
    source: str = ""


@dataclass(frozen=True)
class NotificationKind:
    """A notification the local authority makes (Salford 7.4). Required for the referral types in
    `required_for`, and, with `looked_after`, whenever a looked-after child has died. `meets`: the clock that
    recording it made meets (the local authority's notification to the National Panel)."""

    id: str
    label: str
    required_for: tuple[str, ...] = ()
    looked_after: bool = False
    meets: str | None = None
    source: str = ""

    def required(self, referral_type: str, looked_after: bool) -> bool:
        return referral_type in self.required_for or (self.looked_after and looked_after)


@dataclass(frozen=True)
class IntakeRules:
    authorised_by: AuthorisedBy | None = None
    sources: tuple[ReferralSource, ...] = ()
    parallel: tuple[ParallelKind, ...] = ()
    notifications: tuple[NotificationKind, ...] = ()

    @property
    def asks_looked_after(self) -> bool:
        return any(n.looked_after for n in self.notifications)

    @property
    def agency_source(self) -> ReferralSource | None:
        return next((s for s in self.sources if s.agency), None)

    def source_of(self, source_id: str | None) -> ReferralSource | None:
        return next((s for s in self.sources if s.id == source_id), None)

    def parallel_kind(self, kind_id: str) -> ParallelKind | None:
        return next((p for p in self.parallel if p.id == kind_id), None)

    def notification(self, kind_id: str) -> NotificationKind | None:
        return next((n for n in self.notifications if n.id == kind_id), None)


@dataclass(frozen=True)
class ComplaintRules:
    """Stockport section 21: a complaint about the decision, the process or the outcome gets a written response
    within `response_clock`; escalated, the Independent Chair's further response within `escalation_clock`.
    Every written response says how to contact the Ombudsman (`ombudsman`)."""

    response_clock: str
    escalation_clock: str | None = None
    subjects: tuple[str, ...] = COMPLAINT_SUBJECTS
    ombudsman: str = ""
    source: str = ""
