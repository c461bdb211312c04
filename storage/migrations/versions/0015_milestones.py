"""Milestones without a clock (issue 20 section 2): what the business manager must do that no rule times (tell
the referrer where Panelbot cannot; Stockport 11, the family told in writing), one row per referral and
milestone, open until marked done.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-09 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("milestone", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("opened_by", sa.String(length=100), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("done_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"], name=op.f("fk_milestones_partnership_id_partnerships")
        ),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], name=op.f("fk_milestones_referral_id_referrals")),
        sa.ForeignKeyConstraint(["done_by_id"], ["members.id"], name=op.f("fk_milestones_done_by_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
        sa.UniqueConstraint("referral_id", "milestone", name=op.f("uq_milestones_referral_id")),
    )


def downgrade() -> None:
    op.drop_table("milestones")
