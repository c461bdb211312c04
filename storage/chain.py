"""The audit log's hash chain: the hash of one entry covers its content and the hash of the entry before it."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

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
