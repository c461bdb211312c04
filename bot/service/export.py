"""The export of the whole decision record (`panelbot export`): every table of this partnership as plain rows,
with the audit chain (every entry and its hash) and its head, checked at the moment of export. Times are UTC,
ISO 8601. `bot/reports/export.py` writes it as JSON or CSV and checks an archive later."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.service.base import Handler
from flows.anonymity import CATEGORY_LABELS, SubjectCategory
from flows.reports import WITHHELD
from storage.models import (
    Ballot,
    Complaint,
    Deadline,
    Disagreement,
    InfoRequest,
    Member,
    Referral,
    ReminderLog,
    StageDecision,
    Vote,
)


def _subject(category: str, letter: str) -> str:
    return f"{CATEGORY_LABELS[SubjectCategory(category)]} {letter}"


async def export_record(self: Handler) -> dict[str, Any]:
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
        types = {r.id: r.referral_type for r in referrals}
        ballots = await uow.records.every(Ballot)
        ballot_refs = {b.id: (refs[b.referral_id], b.round) for b in ballots}
        votes = await uow.records.every(Vote)
        deadlines = await uow.records.every(Deadline)
        deadline_refs = {d.id: d for d in deadlines}
        requests = await uow.records.every(InfoRequest)
        reminders = await uow.records.every(ReminderLog)
        stage_decisions = await uow.records.every(StageDecision)
        disputes = await uow.records.every(Disagreement)
        complaints = await uow.records.every(Complaint)
        audit = await uow.records.audit_log()

    def when(dt: datetime | None) -> str | None:
        return dt.isoformat() if dt is not None else None

    def who(member_id: int | None) -> str | None:
        m = members.get(member_id) if member_id is not None else None
        return f"{m.name} ({self.preset.role_label(m.role)})" if m else None

    def stage_label(d: StageDecision) -> str | None:
        stage = self.preset.stage_for(types[d.referral_id], d.stage)
        return stage.label if stage is not None else None

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
                # Issue 23: where it came from, who authorised it (a role), what runs alongside, the notifications
                # made (id and ISO date), and whether a looked-after child has died.
                "source": r.source,
                "authorised_by": r.authorised_by,
                "parallel": "; ".join(r.parallel or ()),
                "notifications": "; ".join(f"{k} {v}" for k, v in sorted((r.notifications or {}).items())),
                "looked_after_death": bool(r.looked_after),
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
        # A later stage's decision (Salford 7.12: the rapid review meeting's, after the panel's "commence rapid
        # review"), one row per referral and stage; the panel's own decisions are `decisions` above.
        "stage_decisions": [
            {
                "stage_decision_id": d.id,
                "reference": refs[d.referral_id],
                "stage": d.stage,
                "stage_label": stage_label(d),
                "outcome": d.outcome,
                "outcome_label": labels.get(d.outcome, None),
                "how": d.how,
                "attended": "; ".join(d.attended or ()),
                "reason": d.reason,
                "decided_at": when(d.decided_at),
                "recorded_at": when(d.recorded_at),
                "recorded_by": who(d.recorded_by_id),
            }
            for d in stage_decisions
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
        "complaints": [
            {
                "complaint_id": c.id,
                "reference": refs[c.referral_id],
                "number": c.number,
                "about": c.about,
                "text": c.text,
                "received_at": when(c.received_at),
                "recorded_by": c.recorded_by,
                "response_due": when(deadline_refs[c.response_deadline_id].due_at) if c.response_deadline_id else None,
                "responded_at": when(c.responded_at),
                "responded_by": c.responded_by,
                "escalated_at": when(c.escalated_at),
                "chair_response_due": (
                    when(deadline_refs[c.escalation_deadline_id].due_at) if c.escalation_deadline_id else None
                ),
                "chair_responded_at": when(c.chair_responded_at),
                "chair_responded_by": c.chair_responded_by,
            }
            for c in complaints
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
