"""A practice partnership: one created to try the bot or to train, where the simulated clock may move.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 18:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN, never a batch copy of the table: on SQLite a batch rebuild drops `partnerships`,
    # which every row of the record points at, and a database with a record could not be upgraded.
    op.add_column("partnerships", sa.Column("practice", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.drop_column("practice")
