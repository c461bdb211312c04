"""Reads for reporting (the period report, the calendar feed, the export of the whole record) and the
disagreements the business manager records. Report reads select plain columns, not ORM objects: a report for
thousands of referrals is a few queries, not one per referral."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, select

from storage.audit import VerifyReport, verify
from storage.models import AuditEntry, Deadline, Disagreement, Referral, StageDecision
from storage.repositories.base import Repository


class DisagreementRepository(Repository):
    async def add(self, disagreement: Disagreement) -> Disagreement:
        self.session.add(disagreement)
        await self.session.flush()
        return disagreement

    async def rows(
        self, *, start: datetime | None = None, until: datetime | None = None, referral_id: int | None = None
    ) -> list[Row[Any]]:
        """Disagreements (recorded in [start, until), or about one referral) with their referrals' reference,
        anonymised subject and type, in the order recorded."""
        stmt = (
            select(
                Referral.reference,
                Referral.subject_category,
                Referral.subject_letter,
                Referral.referral_type,
                Disagreement.party,
                Disagreement.decision,
                Disagreement.reason,
                Disagreement.recorded_at,
            )
            .join(Referral, Referral.id == Disagreement.referral_id)
            .where(Disagreement.partnership_id == self.pid)
            .order_by(Disagreement.recorded_at, Disagreement.id)
        )
        if start is not None and until is not None:
            stmt = stmt.where(Disagreement.recorded_at >= start, Disagreement.recorded_at < until)
        if referral_id is not None:
            stmt = stmt.where(Disagreement.referral_id == referral_id)
        return list(await self.session.execute(stmt))


class RecordReads(Repository):
    async def referrals_received(self, start: datetime, until: datetime) -> list[Row[Any]]:
        """The referrals received in [start, until), as the period report reads them."""
        return list(
            await self.session.execute(
                select(
                    Referral.reference,
                    Referral.subject_category,
                    Referral.subject_letter,
                    Referral.referral_type,
                    Referral.referrer,
                    Referral.themes,
                    Referral.received_at,
                    Referral.status,
                    Referral.outcome,
                    Referral.decided_how,
                    Referral.decided_at,
                    Referral.source,
                    Referral.parallel,
                    Referral.looked_after,
                    Referral.notifications,
                )
                .where(Referral.partnership_id == self.pid, Referral.received_at >= start, Referral.received_at < until)
                .order_by(Referral.received_at, Referral.id)
            )
        )

    async def stage_decisions_received(self, start: datetime, until: datetime) -> list[Row[Any]]:
        """The later stages' decisions of the referrals received in [start, until), with their reference."""
        return list(
            await self.session.execute(
                select(
                    Referral.reference,
                    StageDecision.stage,
                    StageDecision.outcome,
                    StageDecision.how,
                    StageDecision.decided_at,
                )
                .join(Referral, Referral.id == StageDecision.referral_id)
                .where(StageDecision.partnership_id == self.pid, Referral.received_at >= start,
                       Referral.received_at < until)
                .order_by(StageDecision.decided_at, StageDecision.id)
            )
        )

    async def deadlines_due(self, start: datetime, until: datetime) -> list[Row[Any]]:
        """The deadlines due in [start, until), with their referral's reference and anonymised subject."""
        return list(
            await self.session.execute(
                select(
                    Referral.reference,
                    Referral.subject_category,
                    Referral.subject_letter,
                    Deadline.clock_id,
                    Deadline.label,
                    Deadline.due_at,
                    Deadline.done_at,
                    Deadline.cancelled_at,
                    Deadline.agency,
                )
                .join(Referral, Referral.id == Deadline.referral_id)
                .where(Deadline.partnership_id == self.pid, Deadline.due_at >= start, Deadline.due_at < until)
            )
        )

    async def open_deadlines(self) -> list[Row[Any]]:
        """Every open deadline (neither met nor stopped), soonest first, as the calendar feed shows it."""
        return list(
            await self.session.execute(
                select(
                    Deadline.id,
                    Deadline.clock_id,
                    Deadline.label,
                    Deadline.owner,
                    Deadline.agency,
                    Deadline.due_at,
                    Deadline.started_at,
                    Referral.reference,
                    Referral.subject_category,
                    Referral.subject_letter,
                )
                .join(Referral, Referral.id == Deadline.referral_id)
                .where(
                    Deadline.partnership_id == self.pid,
                    Deadline.done_at.is_(None),
                    Deadline.cancelled_at.is_(None),
                )
                .order_by(Deadline.due_at, Deadline.id)
            )
        )

    async def every(self, model: type) -> list[Any]:
        """Every row of one of this partnership's tables, in the order they were written."""
        stmt = select(model).where(model.partnership_id == self.pid).order_by(model.id)
        return list((await self.session.execute(stmt)).scalars())

    async def audit_log(self) -> list[AuditEntry]:
        """The whole audit chain (every partnership's entries: there is one chain), in order."""
        return list((await self.session.execute(select(AuditEntry).order_by(AuditEntry.seq))).scalars())

    async def verify_audit(self) -> VerifyReport:
        """The audit chain and the votes checked against it (`panelbot audit verify`)."""
        return await verify(self.session)
