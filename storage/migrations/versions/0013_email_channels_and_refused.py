"""Email (issue 20): a channel may hold more than one id on one platform (an agency's shared mailbox and its
deputy), and an outbox row keeps the targets refused for good (an SMTP 5xx) and when it was marked failed.

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-08 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.drop_constraint("uq_channels_partnership_id", type_="unique")
        batch.create_unique_constraint(
            "uq_channels_partnership_id", ["partnership_id", "purpose", "platform", "external_id"]
        )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("refused", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("failed_at")
        batch.drop_column("refused")
    # Going back to one id per platform keeps the oldest of each purpose's ids on a platform.
    op.execute(
        "DELETE FROM channels WHERE id NOT IN "
        "(SELECT MIN(id) FROM channels GROUP BY partnership_id, purpose, platform)"
    )
    with op.batch_alter_table("channels") as batch:
        batch.drop_constraint("uq_channels_partnership_id", type_="unique")
        batch.create_unique_constraint("uq_channels_partnership_id", ["partnership_id", "purpose", "platform"])
