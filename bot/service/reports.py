"""The business manager's reads and records for reporting: the period report (Salford 10.3, Stockport's
quarterly SAR figures), disagreements with decisions, the open deadlines for the calendar feed, and the
export of the whole decision record.

Reads select plain columns (no ORM objects) and hand rows to `flows.reports`, which computes every figure;
a report for thousands of referrals is a few queries, not one per referral.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.service.base import Actor, Handler
from bot.service.complaints import read_complaints
from bot.service.export import export_record
from flows.anonymity import CATEGORY_LABELS, IdentifyingDetail, SubjectCategory, check_free_text
from flows.clocks import window_opens
from flows.errors import InvalidInput, WrongState
from flows.referrals import has_decision
from flows.reports import (
    PARTIES,
    DeadlineRow,
    DisagreementRow,
    Period,
    ReferralRow,
    Report,
    StageDecisionRow,
    build_report,
    waits_on,
)
from flows.views import literal
from storage.models import Disagreement
from storage.uow import UnitOfWork

_PARTY_WORDS = {
    "referrer": "referrer",
    "referring_agency": "referrer",
    "agency": "referrer",
    "national_panel": "national_panel",
    "national": "national_panel",
    "panel": "national_panel",
    "np": "national_panel",
    "cspr_panel": "national_panel",
}


def parse_party(text: str) -> str:
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in _PARTY_WORDS:
        raise InvalidInput(f'"{text}" is not who disagrees; say referrer or national_panel.')
    return _PARTY_WORDS[key]


def _subject(category: str, letter: str) -> str:
    return f"{CATEGORY_LABELS[SubjectCategory(category)]} {letter}"


@dataclass(frozen=True)
class CalendarEntry:
    """An open deadline, as the calendar feed shows it: never the referral's summary."""

    deadline_id: int
    reference: str
    subject: str
    clock_id: str
    label: str
    owner: str  # who it waits on, in words
    due_at: datetime
    started_at: datetime
    opens_at: datetime | None = None  # a window's first moment (Dudley: the 7th working day); None for a deadline


class ReportCommands(Handler):
    # The period report ---------------------------------------------------------------------------------
    async def report(self, period: Period) -> Report:
        """Every measure for `period`, as at the panel's current time."""
        start, until = period.bounds(self.cal)
        async with self.uow() as uow:
            referrals = [
                ReferralRow(
                    reference=r.reference,
                    subject=_subject(r.subject_category, r.subject_letter),
                    referral_type=r.referral_type,
                    referrer=r.referrer,
                    themes=tuple(r.themes or ()),
                    received_at=r.received_at,
                    status=r.status,
                    outcome=r.outcome,
                    decided_how=r.decided_how,
                    decided_at=r.decided_at,
                    source=r.source,
                    parallel=tuple(r.parallel or ()),
                )
                for r in await uow.records.referrals_received(start, until)
            ]
            deadlines = [
                DeadlineRow(
                    reference=d.reference,
                    subject=_subject(d.subject_category, d.subject_letter),
                    clock_id=d.clock_id,
                    label=d.label,
                    due_at=d.due_at,
                    done_at=d.done_at,
                    cancelled_at=d.cancelled_at,
                    agency=d.agency,
                )
                for d in await uow.records.deadlines_due(start, until)
            ]
            disagreements = await self._disagreement_rows(uow, start=start, until=until)
            complaints = await read_complaints(uow, start=start, until=until)
            stage_decisions = [
                StageDecisionRow(reference=d.reference, stage=d.stage, outcome=d.outcome, how=d.how,
                                 decided_at=d.decided_at)
                for d in await uow.records.stage_decisions_received(start, until)
            ]
        return build_report(
            self.preset, self.cal, period, self.now(), referrals, deadlines, disagreements, practice=self.practice,
            complaints=complaints, stage_decisions=stage_decisions,
        )

    async def _disagreement_rows(
        self,
        uow: UnitOfWork,
        *,
        start: datetime | None = None,
        until: datetime | None = None,
        referral_id: int | None = None,
    ) -> list[DisagreementRow]:
        return [
            DisagreementRow(
                reference=r.reference,
                subject=_subject(r.subject_category, r.subject_letter),
                referral_type=r.referral_type,
                party=r.party,
                decision=r.decision,
                reason=r.reason,
                recorded_at=r.recorded_at,
            )
            for r in await uow.disagreements.rows(start=start, until=until, referral_id=referral_id)
        ]

    # Disagreements -------------------------------------------------------------------------------------
    async def record_disagreement(self, *, actor: Actor, reference: str, party: str, reason: str) -> str:
        """Salford 7.5 and 10.3 (c): the referrer disagrees with the decision (the Independent Adviser's view
        then informs the final decision, so the tie-break role is told), or the National Panel disagrees
        with the partnership. The business manager records it with the reason."""
        self.require_bm(actor, "record a disagreement")
        who = parse_party(party)
        reason = reason.strip()
        if not reason:
            raise InvalidInput("Please give the reason for the disagreement; it is recorded with it.")
        try:
            check_free_text("reason", reason)
        except IdentifyingDetail as exc:
            raise InvalidInput(str(exc)) from None
        now = self.now()
        async with self.uow() as uow:
            referral = await self.referral(uow, reference, lock=True)
            if not has_decision(referral.status, referral.outcome):
                raise WrongState(
                    f"{referral.reference} has not been decided, so there is no decision to disagree with yet."
                )
            decision = self.preset.outcome(referral.outcome).label if referral.outcome else None
            row = Disagreement(
                partnership_id=self.partnership_id,
                referral_id=referral.id,
                party=who,
                decision=referral.outcome,
                reason=reason,
                recorded_at=now,
                recorded_by=actor.audit_name,
            )
            await uow.disagreements.add(row)
            await self.audit(
                uow,
                actor,
                "disagreement_recorded",
                referral.reference,
                disagreement_id=row.id,
                party=who,
                decision=referral.outcome,
                reason=reason,
            )
            if who == "referrer":
                chair = self.preset.role_label(self.preset.tie_break_role)
                for m in await uow.members.active():
                    if m.role == self.preset.tie_break_role:
                        self.notice(
                            uow,
                            f"member:{m.id}",
                            f"The referrer ({literal(referral.referrer)}) disagrees with the decision on "
                            f"**{referral.reference} · {referral.subject}** ({decision}): {literal(reason)}. "
                            f"As {chair}, your view informs the final decision.",
                            referral,
                        )
            await self.finish(uow)
        return (
            f"Recorded: {PARTIES[who].lower()} disagrees with the decision on {referral.reference} "
            f"({decision}). It will appear in the report's disagreements."
        )

    async def list_disagreements(self, reference: str | None = None) -> list[DisagreementRow]:
        async with self.uow() as uow:
            referral_id = None
            if reference is not None:
                referral_id = (await self.referral(uow, reference)).id
            return await self._disagreement_rows(uow, referral_id=referral_id)

    # The calendar feed ---------------------------------------------------------------------------------
    async def calendar_entries(self) -> list[CalendarEntry]:
        """Every open deadline (neither met nor stopped), soonest first."""
        async with self.uow() as uow:
            rows = await uow.records.open_deadlines()
            return [
                CalendarEntry(
                    deadline_id=r.id,
                    reference=r.reference,
                    subject=_subject(r.subject_category, r.subject_letter),
                    clock_id=r.clock_id,
                    label=r.label,
                    owner=waits_on(self.preset, r.owner, r.agency),
                    due_at=r.due_at,
                    started_at=r.started_at,
                    opens_at=self._window_opens(r.clock_id, r.started_at),
                )
                for r in rows
            ]

    def _window_opens(self, clock_id: str, started_at: datetime) -> datetime | None:
        """When a window clock's window opens (it is met from then, and late only after its due time)."""
        if not self.preset.has_clock(clock_id) or not (clock := self.preset.clock(clock_id)).is_window:
            return None
        return window_opens(self.cal, clock, started_at)

    # The export ----------------------------------------------------------------------------------------
    async def export_record(self) -> dict[str, Any]:
        """The whole decision record of this partnership as plain tables, with the audit chain (`export.py`)."""
        return await export_record(self)
