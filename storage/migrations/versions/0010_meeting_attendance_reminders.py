"""A meeting's attendance reminders (issue 21): for which planned time the partners still missing were
reminded, and for which the business manager was told the meeting would not be quorate. Each is sent once
for a planned time; a moved meeting is reminded again for its new time.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 23:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scheduled_events") as batch:
        batch.add_column(sa.Column("attendance_reminded_for", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("quorum_warned_for", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scheduled_events") as batch:
        batch.drop_column("quorum_warned_for")
        batch.drop_column("attendance_reminded_for")
