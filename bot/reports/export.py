"""The decision record as an archive (`panelbot export --format json|csv`), and the proof that an archive is
complete (`panelbot audit verify --export PATH`).

An export holds every table of the record (referrals, decisions, later stages' decisions, ballots, votes with
their reasons, deadlines, information requests and their returns, reminders sent, disagreements, complaints) and
the whole audit chain with each entry's hash, plus a manifest naming the chain's head hash at the moment of
export.

Later, `panelbot audit verify --export PATH` proves three things: the archive's own chain is unbroken (no
entry was edited or dropped from the file); every vote in the archive is the one its audit entry recorded,
and every recorded vote is in the archive; and the live database's chain still holds the archive's head
at the same position, so the archive is exactly the record as it stood then.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from flows.reports import WITHHELD
from storage.chain import GENESIS, audit_hash
from storage.models import AuditEntry

TABLES = (
    "referrals",
    "decisions",
    "stage_decisions",
    "ballots",
    "votes",
    "deadlines",
    "requests",
    "reminders",
    "disagreements",
    "complaints",
    "audit_log",
)


def write_json(data: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else value


def write_csv(data: dict[str, Any], folder: Path) -> list[Path]:
    """One CSV file per table (the audit entries' payloads as JSON text) and `manifest.csv`."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    manifest = data["manifest"]
    path = folder / "manifest.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(("key", "value"))
        for key, value in manifest.items():
            if key == "rows":
                w.writerows((f"rows.{name}", n) for name, n in value.items())
            else:
                w.writerow((key, _cell(value)))
    paths.append(path)
    for name in TABLES:
        rows = data[name]
        path = folder / f"{name}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f, lineterminator="\r\n")
            columns = list(rows[0]) if rows else []
            w.writerow(columns)
            w.writerows([_cell(row[c]) for c in columns] for row in rows)
        paths.append(path)
    return paths


# Reading an archive back -----------------------------------------------------------------------------


def _none(value: str) -> str | None:
    return value if value != "" else None


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def load(path: Path) -> dict[str, Any]:
    """An export written by `write_json` (a file) or `write_csv` (a folder), with the types the check needs."""
    if path.is_dir():
        manifest: dict[str, Any] = {}
        for row in _read_csv(path / "manifest.csv"):
            manifest[row["key"]] = row["value"]
        audit = [
            {**row, "seq": int(row["seq"]), "payload": json.loads(row["payload"] or "{}")}
            for row in _read_csv(path / "audit_log.csv")
        ]
        votes = [
            {
                "vote_id": int(v["vote_id"]),
                "ballot_id": int(v["ballot_id"]),
                "member_id": int(v["member_id"]),
                "kind": v["kind"],
                "outcome": _none(v["outcome"]),
                "reason": _none(v["reason"]),
            }
            for v in _read_csv(path / "votes.csv")
        ]
        if "audit_entries" in manifest:
            manifest["audit_entries"] = int(manifest["audit_entries"])
        return {"manifest": manifest, "audit_log": audit, "votes": votes}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} is not a Panelbot export ({type(exc).__name__}).") from None
    if not isinstance(data, dict) or "manifest" not in data or "audit_log" not in data:
        raise ValueError(f"{path} is not a Panelbot export (no manifest or audit log).")
    return data


def check(data: dict[str, Any], live: dict[int, str]) -> tuple[list[str], str]:
    """Problems found in an archive, compared with the live chain (`seq -> hash`), and a sentence saying
    what was proved when there are none."""
    problems: list[str] = []
    entries = sorted(data["audit_log"], key=lambda e: int(e["seq"]))
    prev = GENESIS
    recorded: dict[int, dict[str, Any]] = {}
    for i, e in enumerate(entries, start=1):
        seq = int(e["seq"])
        if seq != i:
            problems.append(f"The archive's audit entry {i} is missing (the next one is {seq}).")
            break
        if e["prev_hash"] != prev:
            problems.append(f"The archive's audit entry {seq} does not follow on from the one before it.")
        if e["action"] == WITHHELD:
            # Another partnership's entry: its content is not in this archive, so its hash is checked
            # against the live chain instead of being recomputed.
            if live.get(seq) != e["hash"]:
                problems.append(f"The archive's audit entry {seq} (withheld) does not match the database's.")
            prev = e["hash"]
            continue
        again = audit_hash(
            seq=seq,
            at=datetime.fromisoformat(e["at"]),
            actor=e["actor"],
            action=e["action"],
            subject=e["subject"],
            payload=e["payload"],
            prev_hash=e["prev_hash"],
        )
        if again != e["hash"]:
            problems.append(f"The archive's audit entry {seq} ({e['action']}) was altered after export.")
        vote = e["payload"].get("vote") if isinstance(e["payload"], dict) else None
        if isinstance(vote, dict) and "vote_id" in vote:
            recorded[int(vote["vote_id"])] = vote
        prev = e["hash"]
    manifest = data["manifest"]
    head = manifest.get("audit_head_hash")
    if head != prev:
        problems.append("The archive's manifest names a head hash that its audit log does not end with.")
    if int(manifest.get("audit_entries", -1)) != len(entries):
        problems.append(
            f"The archive's manifest counts {manifest.get('audit_entries')} audit entries but it holds {len(entries)}."
        )
    keys = ("vote_id", "ballot_id", "member_id", "kind", "outcome", "reason")
    seen = set()
    for v in data.get("votes", []):
        vote_id = int(v["vote_id"])
        seen.add(vote_id)
        mine = {k: v.get(k) for k in keys}
        if recorded.get(vote_id) is None:
            problems.append(f"The archive's vote {vote_id} has no audit entry.")
        elif {k: recorded[vote_id].get(k) for k in keys} != mine:
            problems.append(f"The archive's vote {vote_id} differs from what the audit log recorded.")
    for vote_id in sorted(set(recorded) - seen):
        problems.append(f"Vote {vote_id} was recorded in the audit log but is missing from the archive.")
    if entries:
        last = int(entries[-1]["seq"])
        if live.get(last) != prev:
            problems.append(
                f"The database's audit entry {last} does not match the archive's head: the archive is not the "
                "record as the database holds it."
            )
    proved = (
        f"The archive of {manifest.get('exported_at', 'an unknown time')} is complete: {len(entries)} audit "
        f"entries, unbroken, ending in head hash {prev}, which the database's audit log still holds at entry "
        f"{len(entries)}; all {len(seen)} votes match what was recorded."
    )
    return problems, proved


def live_chain(entries: list[AuditEntry]) -> dict[int, str]:
    return {e.seq: e.hash for e in entries}
