"""Agency contacts registered by the business manager, and the messages with an agency's Mark as returned
button as delivered, so that only the agency (or the BM) can mark its return made (issue 17, point 2).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agency_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(length=120), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"], name=op.f("fk_agency_contacts_partnership_id_partnerships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_contacts")),
        sa.UniqueConstraint(
            "partnership_id", "agency", "platform", "external_id", name=op.f("uq_agency_contacts_partnership_id")
        ),
    )
    op.create_table(
        "agency_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(length=120), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"], name=op.f("fk_agency_messages_partnership_id_partnerships")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_agency_messages_referral_id_referrals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_messages")),
        sa.UniqueConstraint(
            "partnership_id", "platform", "channel", "message_id", name=op.f("uq_agency_messages_partnership_id")
        ),
    )
    with op.batch_alter_table("agency_messages", schema=None) as batch_op:
        batch_op.create_index("ix_agency_messages_referral", ["referral_id", "agency"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("agency_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_agency_messages_referral")
    op.drop_table("agency_messages")
    op.drop_table("agency_contacts")
