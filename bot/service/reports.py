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
from flows.anonymity import CATEGORY_LABELS, IdentifyingDetail, SubjectCategory, check_free_text
from flows.errors import InvalidInput, WrongState
from flows.referrals import Status
from flows.reports import (
    PARTIES,
    WITHHELD,
    DeadlineRow,
    DisagreementRow,
    Period,
    ReferralRow,
    Report,
    build_report,
    waits_on,
)
from flows.views import literal
from storage.models import Ballot, Deadline, Disagreement, InfoRequest, Member, Referral, ReminderLog, Vote
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
        return build_report(
            self.preset, self.cal, period, self.now(), referrals, deadlines, disagreements, practice=self.practice
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
            if referral.status not in (Status.DECIDED, Status.RETURNED) or not referral.outcome:
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
                )
                for r in rows
            ]

    # The export ----------------------------------------------------------------------------------------
    async def export_record(self) -> dict[str, Any]:
        """The whole decision record of this partnership as plain tables, with the audit chain (every entry
        and its hash) and its head, checked at the moment of export. Times are UTC, ISO 8601."""
        pid = self.partnership_id
        labels = {o.id: o.label for o in self.preset.outcomes}
        async with self.uow() as uow:
            report = await uow.records.verify_audit()
            partnership = await uow.partnerships.get()
            assert partnership is not None
            members = {m.id: m for m in await uow.records.every(Member)}
            referrals = await uow.records.every(Referral)
            refs = {r.id: r.reference for r in referrals}
            ballots = await uow.records.every(Ballot)
            ballot_refs = {b.id: (refs[b.referral_id], b.round) for b in ballots}
            votes = await uow.records.every(Vote)
            deadlines = await uow.records.every(Deadline)
            deadline_refs = {d.id: d for d in deadlines}
            requests = await uow.records.every(InfoRequest)
            reminders = await uow.records.every(ReminderLog)
            disputes = await uow.records.every(Disagreement)
            audit = await uow.records.audit_log()

        def when(dt: datetime | None) -> str | None:
            return dt.isoformat() if dt is not None else None

        def who(member_id: int | None) -> str | None:
            m = members.get(member_id) if member_id is not None else None
            return f"{m.name} ({self.preset.role_label(m.role)})" if m else None

        tables: dict[str, list[dict[str, Any]]] = {
            "referrals": [
                {
                    "reference": r.reference,
                    "subject": _subject(r.subject_category, r.subject_letter),
                    "referral_type": r.referral_type,
                    "referrer": r.referrer,
                    "themes": "; ".join(r.themes or ()),
                    "summary": r.summary,
                    "received_at": when(r.received_at),
                    "aware_on": r.aware_on.isoformat() if r.aware_on else None,
                    "status": r.status,
                    "hold_until": when(r.hold_until),
                    "missing_info": r.missing_info,
                    "outcome": r.outcome,
                    "outcome_label": labels.get(r.outcome or "", None),
                    "decided_how": r.decided_how,
                    "decided_by": who(r.decided_by_id),
                    "decision_reason": r.decision_reason,
                    "decided_at": when(r.decided_at),
                }
                for r in referrals
            ],
            "decisions": [
                {
                    "seq": e.seq,
                    "reference": e.subject,
                    "at": when(e.at),
                    "by": e.actor,
                    "how": e.payload.get("how"),
                    "outcome": e.payload.get("outcome"),
                    "outcome_label": labels.get(str(e.payload.get("outcome")), None),
                    "reason": e.payload.get("reason"),
                }
                for e in audit
                if e.action == "decided" and e.partnership_id == pid
            ],
            "ballots": [
                {
                    "ballot_id": b.id,
                    "reference": refs[b.referral_id],
                    "round": b.round,
                    "opened_at": when(b.opened_at),
                    "deadline_at": when(b.deadline_at),
                    "closed_at": when(b.closed_at),
                    "close_reason": b.close_reason,
                    "result": b.result,
                    "result_outcome": b.result_outcome,
                    "missing": b.missing,
                }
                for b in ballots
            ],
            "votes": [
                {
                    "vote_id": v.id,
                    "ballot_id": v.ballot_id,
                    "reference": ballot_refs[v.ballot_id][0],
                    "round": ballot_refs[v.ballot_id][1],
                    "member_id": v.member_id,
                    "member": members[v.member_id].name if v.member_id in members else None,
                    "role": v.role,
                    "kind": v.kind,
                    "outcome": v.outcome,
                    "reason": v.reason,
                    "cast_at": when(v.cast_at),
                    "is_current": v.is_current,
                }
                for v in votes
            ],
            "deadlines": [
                {
                    "deadline_id": d.id,
                    "reference": refs[d.referral_id],
                    "clock_id": d.clock_id,
                    "label": d.label,
                    "owner": d.owner,
                    "agency": d.agency,
                    "started_at": when(d.started_at),
                    "due_at": when(d.due_at),
                    "done_at": when(d.done_at),
                    "done_by": who(d.done_by_id),
                    "cancelled_at": when(d.cancelled_at),
                    "escalated_at": when(d.escalated_at),
                }
                for d in deadlines
            ],
            "requests": [
                {
                    "request_id": q.id,
                    "reference": refs[q.referral_id],
                    "agency": q.agency,
                    "asked": q.asked,
                    "sent_at": when(q.sent_at),
                    "sent_by": q.sent_by,
                    "due_at": when(deadline_refs[q.deadline_id].due_at),
                    "returned_at": when(q.returned_at),
                    "returned_by": q.returned_by,
                }
                for q in requests
            ],
            "reminders": [
                {
                    "reminder_id": m.id,
                    "reference": refs[deadline_refs[m.deadline_id].referral_id],
                    "deadline_id": m.deadline_id,
                    "kind": m.kind,
                    "recipient": m.recipient,
                    "occurrence_at": when(m.occurrence_at),
                    "sent_at": when(m.sent_at),
                }
                for m in reminders
            ],
            "disagreements": [
                {
                    "disagreement_id": d.id,
                    "reference": refs[d.referral_id],
                    "party": d.party,
                    "decision": d.decision,
                    "reason": d.reason,
                    "recorded_at": when(d.recorded_at),
                    "recorded_by": d.recorded_by,
                }
                for d in disputes
            ],
            # One chain serves every partnership on the database. Another partnership's entries keep their
            # place, time and hashes (so the chain can still be followed link by link and checked against
            # the live database) but not what they say: who, what, about which referral.
            "audit_log": [
                {
                    "seq": e.seq,
                    "at": e.at.isoformat(timespec="microseconds"),
                    "actor": e.actor if e.partnership_id in (pid, None) else "",
                    "action": e.action if e.partnership_id in (pid, None) else WITHHELD,
                    "subject": e.subject if e.partnership_id in (pid, None) else "",
                    "payload": e.payload if e.partnership_id in (pid, None) else {},
                    "prev_hash": e.prev_hash,
                    "hash": e.hash,
                }
                for e in audit
            ],
        }
        manifest = {
            "partnership": partnership.name,
            "preset": self.preset.id,
            "practice": partnership.practice,  # a practice record: its times were simulated
            "exported_at": self.now().isoformat(),
            "audit_entries": report.entries,
            "audit_head_hash": report.head,
            "audit_verified": report.ok,
            "audit_problems": list(report.problems),
            "rows": {name: len(rows) for name, rows in tables.items()},
        }
        return {"manifest": manifest, **tables}
