"""Proving the record is complete: `panelbot audit verify`.

The chain check finds an audit entry that was edited, removed or inserted out of order. The cross-check
finds a vote row that no longer matches what the audit log recorded when it was cast, or a vote that was
deleted, so that tampering with the votes table itself is caught too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.chain import GENESIS, audit_hash
from storage.models import AuditEntry, Vote


@dataclass
class VerifyReport:
    entries: int = 0
    head: str = GENESIS
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def vote_fingerprint(vote: Vote) -> dict[str, object]:
    """What the audit log records about a vote row, and what verify compares it with."""
    return {
        "vote_id": vote.id,
        "ballot_id": vote.ballot_id,
        "member_id": vote.member_id,
        "kind": vote.kind,
        "outcome": vote.outcome,
        "reason": vote.reason,
    }


async def verify(session: AsyncSession) -> VerifyReport:
    entries = (await session.execute(select(AuditEntry).order_by(AuditEntry.seq))).scalars()
    rows = (await session.execute(select(Vote).order_by(Vote.id))).scalars()
    return verify_rows(entries, rows)


def verify_rows(entries: Iterable[AuditEntry], rows: Iterable[Vote]) -> VerifyReport:
    """The check itself, over the audit entries in `seq` order and the vote rows in `id` order."""
    report = VerifyReport()
    prev = GENESIS
    expected_seq = 1
    recorded_votes: dict[int, dict[str, object]] = {}
    latest: dict[tuple[object, object], int] = {}  # (ballot, member) -> the vote row that should be current
    for entry in entries:
        report.entries += 1
        if entry.seq != expected_seq:
            report.problems.append(f"Audit entry {expected_seq} is missing (the next one found is {entry.seq}).")
        if entry.prev_hash != prev:
            report.problems.append(f"Audit entry {entry.seq} does not follow on from the entry before it.")
        recomputed = audit_hash(
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            subject=entry.subject,
            payload=entry.payload,
            prev_hash=entry.prev_hash,
        )
        if recomputed != entry.hash:
            report.problems.append(f"Audit entry {entry.seq} ({entry.action}) was altered after it was written.")
        vote = entry.payload.get("vote") if isinstance(entry.payload, dict) else None
        if isinstance(vote, dict) and "vote_id" in vote:
            recorded_votes[int(vote["vote_id"])] = vote
            latest[(vote.get("ballot_id"), vote.get("member_id"))] = int(vote["vote_id"])
        prev = entry.hash
        expected_seq = entry.seq + 1
    report.head = prev

    seen: set[int] = set()
    for row in rows:
        seen.add(row.id)
        recorded = recorded_votes.get(row.id)
        if recorded is None:
            report.problems.append(f"Vote {row.id} has no audit entry: it was added outside the bot.")
        elif recorded != vote_fingerprint(row):
            report.problems.append(f"Vote {row.id} was changed after it was recorded.")
        elif row.is_current != (latest.get((row.ballot_id, row.member_id)) == row.id):
            state = "current" if row.is_current else "replaced"
            report.problems.append(f"Vote {row.id} is marked {state}, which the audit log does not support.")
    for vote_id in sorted(set(recorded_votes) - seen):
        report.problems.append(f"Vote {vote_id} was recorded in the audit log but is missing from the votes table.")
    return report
