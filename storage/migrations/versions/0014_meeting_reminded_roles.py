"""Meetings (issue 21): the partners reminded of a meeting for its planned time (a partner that withdraws its
confirmation of attendance leaves the list and is reminded again), and the partnership's own meetings (Suffolk's
monthly panel): the date the preset gives each (its slot), one meeting per slot.

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-08 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scheduled_events") as batch:
        batch.add_column(sa.Column("reminded_roles", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("slot", sa.Date(), nullable=True))
        batch.create_index("uq_scheduled_events_slot", ["partnership_id", "event", "slot"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("scheduled_events") as batch:
        batch.drop_index("uq_scheduled_events_slot")
        batch.drop_column("slot")
        batch.drop_column("reminded_roles")
