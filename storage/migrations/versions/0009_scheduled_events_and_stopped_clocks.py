"""Scheduled events (a publication date, a meeting) that clocks can fall before, and the clocks a return as
incomplete stopped (issue 21).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 22:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scheduled_by", sa.String(length=200), nullable=False),
        sa.Column("moves", sa.Integer(), nullable=False),
        sa.Column("window_override", sa.Text(), nullable=True),
        sa.Column("attending", sa.JSON(), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attended", sa.JSON(), nullable=False),
        sa.Column("quorate", sa.Boolean(), nullable=True),
        sa.Column("quorum_override", sa.Text(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"], name=op.f("fk_scheduled_events_partnership_id_partnerships")
        ),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], name=op.f("fk_scheduled_events_referral_id_referrals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_events")),
    )
    op.create_index("ix_scheduled_events_referral", "scheduled_events", ["referral_id", "event"])
    op.create_table(
        "stopped_clocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("deadline_id", sa.Integer(), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("restarted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"], name=op.f("fk_stopped_clocks_partnership_id_partnerships")
        ),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], name=op.f("fk_stopped_clocks_referral_id_referrals")),
        sa.ForeignKeyConstraint(["deadline_id"], ["deadlines.id"], name=op.f("fk_stopped_clocks_deadline_id_deadlines")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stopped_clocks")),
        sa.UniqueConstraint("deadline_id", name=op.f("uq_stopped_clocks_deadline_id")),
    )


def downgrade() -> None:
    op.drop_table("stopped_clocks")
    op.drop_index("ix_scheduled_events_referral", table_name="scheduled_events")
    op.drop_table("scheduled_events")
