"""The email platform's parts, made from the settings in one place: where the link secret is kept, the signed
links, where .eml files go, and the transport (a relay, or the folder). The link pages use `links_for` too, so
a link the email carries is one the page can read."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from bot.email.links import Links, link_secret, public_url
from bot.email.transport import EmlTransport, Relay, SmtpTransport
from bot.reports.files import files_dir
from bot.settings import Settings
from storage.db import async_url

EMAIL_FOLDER = "email"


def secret_home(settings: Settings) -> Path:
    """Where a link secret the bot made itself is kept: beside a SQLite database file, else in the files folder."""
    try:
        url = make_url(async_url(settings.database_url.get_secret_value()))
    except Exception:  # a URL settings accepted but SQLAlchemy cannot read: the files folder will do
        return settings.files_dir or files_dir()
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database).expanduser().resolve().parent
    return settings.files_dir or files_dir()


def links_for(settings: Settings) -> Links:
    """The signed links of this bot: PANELBOT_LINK_SECRET (or the kept one), PANELBOT_PUBLIC_URL."""
    return Links(link_secret(settings, secret_home(settings)), public_url(settings))


def email_dir(settings: Settings) -> Path:
    """PANELBOT_EMAIL_DIR, else the files folder's `email` (never the folder the bot was started in)."""
    if settings.email.email_dir is not None:
        return settings.email.email_dir.expanduser()
    return (settings.files_dir or files_dir()).expanduser() / EMAIL_FOLDER


def transport_for(settings: Settings) -> SmtpTransport | EmlTransport:
    """The relay PANELBOT_SMTP_URL names, paced to PANELBOT_SMTP_RATE; with none, the .eml folder."""
    if settings.email.smtp_url is not None:
        relay = Relay.from_url(settings.email.smtp_url.get_secret_value())
        return SmtpTransport(relay, settings.email.smtp_rate)
    return EmlTransport(email_dir(settings))
