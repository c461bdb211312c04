"""A later stage's decision of a referral (issue 21 section 1: Salford 7.12's rapid review meeting decides
whether to undertake a CSPR after the panel decided to commence a rapid review): one row per referral and
stage, with the meeting that decided it and who attended.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-07 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stage_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=64), nullable=False),
        sa.Column("how", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("attended", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"], name=op.f("fk_stage_decisions_partnership_id_partnerships")
        ),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], name=op.f("fk_stage_decisions_referral_id_referrals")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["scheduled_events.id"], name=op.f("fk_stage_decisions_event_id_scheduled_events")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["members.id"], name=op.f("fk_stage_decisions_recorded_by_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_decisions")),
        sa.UniqueConstraint("referral_id", "stage", name=op.f("uq_stage_decisions_referral_id")),
    )


def downgrade() -> None:
    op.drop_table("stage_decisions")
