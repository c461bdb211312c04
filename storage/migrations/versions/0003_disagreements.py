"""Disagreements with decisions (the referrer's, the National Panel's), recorded by the business manager.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "disagreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("party", sa.String(length=32), nullable=False),
        sa.Column("decision", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"], name=op.f("fk_disagreements_partnership_id_partnerships")
        ),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], name=op.f("fk_disagreements_referral_id_referrals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disagreements")),
    )
    with op.batch_alter_table("disagreements", schema=None) as batch_op:
        batch_op.create_index("ix_disagreements_recorded", ["partnership_id", "recorded_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("disagreements", schema=None) as batch_op:
        batch_op.drop_index("ix_disagreements_recorded")
    op.drop_table("disagreements")
