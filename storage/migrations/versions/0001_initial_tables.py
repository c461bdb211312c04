"""Initial tables: partnerships, members, identities, channels, referrals, ballots, votes, deadlines,
audit log, outbox, posted messages.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 02:58:29.074971
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partnerships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("preset_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hold_agenda_sent_for", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partnerships")),
        sa.UniqueConstraint("preset_id", name=op.f("uq_partnerships_preset_id")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"], name=op.f("fk_audit_log_partnership_id_partnerships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_log_seq")),
    )
    op.create_table(
        "channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=120), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"], name=op.f("fk_channels_partnership_id_partnerships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channels")),
        sa.UniqueConstraint("partnership_id", "purpose", "platform", name=op.f("uq_channels_partnership_id")),
    )
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_key", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"], name=op.f("fk_members_partnership_id_partnerships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index(
            "uq_members_active_name",
            ["partnership_id", "name_key"],
            unique=True,
            sqlite_where=sa.text("removed_at IS NULL"),
            postgresql_where=sa.text("removed_at IS NULL"),
        )

    op.create_table(
        "identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_identities_member_id_members")),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"], name=op.f("fk_identities_partnership_id_partnerships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identities")),
        sa.UniqueConstraint("partnership_id", "platform", "external_id", name=op.f("uq_identities_partnership_id")),
    )
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("referral_type", sa.String(length=64), nullable=False),
        sa.Column("referrer", sa.String(length=200), nullable=False),
        sa.Column("subject_category", sa.String(length=16), nullable=False),
        sa.Column("subject_letter", sa.String(length=1), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("aware_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("hold_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("missing_info", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=64), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_how", sa.String(length=16), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("filed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["decided_by_id"], ["members.id"], name=op.f("fk_referrals_decided_by_id_members")),
        sa.ForeignKeyConstraint(["filed_by_id"], ["members.id"], name=op.f("fk_referrals_filed_by_id_members")),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"], name=op.f("fk_referrals_partnership_id_partnerships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint("partnership_id", "reference", name=op.f("uq_referrals_partnership_id")),
    )
    op.create_table(
        "ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_reason", sa.String(length=32), nullable=True),
        sa.Column("result", sa.String(length=16), nullable=True),
        sa.Column("result_outcome", sa.String(length=64), nullable=True),
        sa.Column("missing", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"], name=op.f("fk_ballots_partnership_id_partnerships")
        ),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], name=op.f("fk_ballots_referral_id_referrals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballots")),
        sa.UniqueConstraint("referral_id", "round", name=op.f("uq_ballots_referral_id")),
    )
    op.create_table(
        "deadlines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("clock_id", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_reminder_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["done_by_id"], ["members.id"], name=op.f("fk_deadlines_done_by_id_members")),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"], name=op.f("fk_deadlines_partnership_id_partnerships")
        ),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], name=op.f("fk_deadlines_referral_id_referrals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadlines")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purpose", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_to", sa.JSON(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"], name=op.f("fk_outbox_partnership_id_partnerships")
        ),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"], name=op.f("fk_outbox_referral_id_referrals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_pending", ["sent_at", "next_attempt_at"], unique=False)

    op.create_table(
        "posted_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"], name=op.f("fk_posted_messages_partnership_id_partnerships")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_posted_messages_referral_id_referrals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posted_messages")),
        sa.UniqueConstraint("referral_id", "platform", "channel", name=op.f("uq_posted_messages_referral_id")),
    )
    op.create_table(
        "votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("outcome", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("delivery_key", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["ballot_id"], ["ballots.id"], name=op.f("fk_votes_ballot_id_ballots")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_votes_member_id_members")),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"], name=op.f("fk_votes_partnership_id_partnerships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_votes")),
        sa.UniqueConstraint("delivery_key", name=op.f("uq_votes_delivery_key")),
    )
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.create_index(
            "uq_votes_current",
            ["ballot_id", "member_id"],
            unique=True,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )
    op.create_table(
        "conversation_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("flow", sa.String(length=32), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"], name=op.f("fk_conversation_state_partnership_id_partnerships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_state")),
        sa.UniqueConstraint(
            "partnership_id", "platform", "chat_id", "user_id", name=op.f("uq_conversation_state_partnership_id")
        ),
    )



def downgrade() -> None:
    op.drop_table("conversation_state")
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_votes_current", sqlite_where=sa.text("is_current"), postgresql_where=sa.text("is_current")
        )

    op.drop_table("votes")
    op.drop_table("posted_messages")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_pending")

    op.drop_table("outbox")
    op.drop_table("deadlines")
    op.drop_table("ballots")
    op.drop_table("referrals")
    op.drop_table("identities")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_members_active_name",
            sqlite_where=sa.text("removed_at IS NULL"),
            postgresql_where=sa.text("removed_at IS NULL"),
        )

    op.drop_table("members")
    op.drop_table("channels")
    op.drop_table("audit_log")
    op.drop_table("partnerships")
