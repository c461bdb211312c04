"""What the referral form adds (issue 23): where a referral came from, the role that authorised it, the
processes running alongside, whether a looked-after child has died and the notifications made; and the
complaints about a review (Stockport section 21), each with its response clocks.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 12:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("referrals") as batch:
        batch.add_column(sa.Column("source", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("authorised_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("parallel", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("looked_after", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("notifications", sa.JSON(), nullable=True))
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("about", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("response_deadline_id", sa.Integer(), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded_by", sa.String(length=200), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalation_deadline_id", sa.Integer(), nullable=True),
        sa.Column("chair_responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("chair_responded_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"], name=op.f("fk_complaints_partnership_id_partnerships")
        ),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], name=op.f("fk_complaints_referral_id_referrals")),
        sa.ForeignKeyConstraint(
            ["response_deadline_id"], ["deadlines.id"], name=op.f("fk_complaints_response_deadline_id_deadlines")
        ),
        sa.ForeignKeyConstraint(
            ["escalation_deadline_id"], ["deadlines.id"], name=op.f("fk_complaints_escalation_deadline_id_deadlines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
    )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index("ix_complaints_received", ["partnership_id", "received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index("ix_complaints_received")
    op.drop_table("complaints")
    with op.batch_alter_table("referrals") as batch:
        batch.drop_column("notifications")
        batch.drop_column("looked_after")
        batch.drop_column("parallel")
        batch.drop_column("authorised_by")
        batch.drop_column("source")
