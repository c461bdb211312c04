"""Who is on a partnership's panel, the platform accounts they act from, and where each kind of message goes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base


class Partnership(Base):
    __tablename__ = "partnerships"

    id: Mapped[int] = mapped_column(primary_key=True)
    preset_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    # Suffolk section 4: the date of the last monthly panel whose list of held cases was sent.
    hold_agenda_sent_for: Mapped[date | None] = mapped_column(Date)
    # A practice partnership (created by `panelbot run --practice` or the demo): the simulated clock may move
    # there, and every card and report it produces says PRACTICE. On any other the record's times are real.
    practice: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        Index(
            "uq_members_active_name",
            "partnership_id",
            "name_key",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120))  # lower-cased name, for lookups
    role: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]

    identities: Mapped[list[Identity]] = relationship(back_populates="member", cascade="all, delete-orphan")


class Identity(Base):
    """A member's account on a platform (slack:U0123, telegram:5551234, teams:<aad object id>)."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("partnership_id", "platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(200))

    member: Mapped[Member] = relationship(back_populates="identities")


class Channel(Base):
    """Where the bot says things: purpose `panel`, `bm` or `agency:NAME`, on one platform. A purpose may have
    more than one id on a platform (an agency's shared mailbox and its deputy's address): each gets every
    message."""

    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("partnership_id", "purpose", "platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    purpose: Mapped[str] = mapped_column(String(120))
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime]
