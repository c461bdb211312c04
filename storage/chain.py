"""The audit log's hash chain: the hash of one entry covers its content and the hash of the entry before it."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from storage.models import AuditEntry, OutboxMessage

GENESIS = "0" * 64


def audit_hash(
    *, seq: int, at: datetime, actor: str, action: str, subject: str, payload: dict[str, Any], prev_hash: str
) -> str:
    """The hash of one audit entry: its content and the hash of the entry before it."""
    canonical = json.dumps(
        {
            "seq": seq,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "subject": subject,
            "payload": payload,
            "prev": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# The rows every unit of work writes the same way, the real one (storage/uow.py) and its in-memory twin
# (storage/memory/uow.py): an audit entry, chained at commit, and an outbox row.


def new_audit_entry(
    *, partnership_id: int | None, at: datetime, actor: str, action: str, subject: str, payload: dict[str, Any] | None
) -> AuditEntry:
    """An audit entry not yet chained: its payload as JSON will store it (dates as text)."""
    return AuditEntry(
        partnership_id=partnership_id,
        at=at.astimezone(UTC),
        actor=actor,
        action=action,
        subject=subject,
        payload=json.loads(json.dumps(payload or {}, default=str)),
    )


def chain(entries: list[AuditEntry], *, last_seq: int, last_hash: str) -> None:
    """Give `entries` their places after the chain's last entry: each its `seq`, the hash before it and its own."""
    seq, prev = last_seq, last_hash
    for entry in entries:
        seq += 1
        entry.seq, entry.prev_hash = seq, prev
        entry.hash = prev = audit_hash(seq=seq, at=entry.at, actor=entry.actor, action=entry.action,
                                       subject=entry.subject, payload=entry.payload, prev_hash=entry.prev_hash)


def new_outbox_row(
    *, partnership_id: int, now: datetime, purpose: str, kind: str, referral_id: int | None,
    body: dict[str, Any] | None, request_id: str | None,
) -> OutboxMessage:
    """A message to deliver once the transaction that queues it has committed, due at once."""
    return OutboxMessage(partnership_id=partnership_id, created_at=now, purpose=purpose, kind=kind,
                         referral_id=referral_id, body=body or {}, attempts=0, next_attempt_at=now,
                         delivered_to=[], request_id=request_id)
