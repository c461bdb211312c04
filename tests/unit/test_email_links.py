"""Signed email links: bound to one action, one thing, one address and an expiry; anything else is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.email.links import LinkRefused, Links, link_secret, public_url
from bot.settings import Settings

SECRET = "s" * 43
NOW = datetime(2026, 12, 14, 9, 0, tzinfo=UTC)


def test_a_link_reads_back_as_what_it_was_made_for() -> None:
    links = Links(SECRET, "https://panel.example.org/")
    url = links.url("return", 17, "Safeguarding@Police.example", NOW + timedelta(days=3))
    assert url.startswith("https://panel.example.org/email/return/")
    claim = links.read("return", url.rsplit("/", 1)[1], NOW)
    assert (claim.action, claim.target_id, claim.recipient) == ("return", 17, "safeguarding@police.example")
    assert claim.expires == NOW + timedelta(days=3)


@pytest.mark.parametrize(
    "how",
    ["tampered", "other action", "other secret", "expired", "junk", "too long"],
)
def test_a_link_that_is_not_genuine_or_current_is_refused(how: str) -> None:
    links = Links(SECRET, "https://panel.example.org")
    token = links.token("return", 17, "a@b.example", NOW + timedelta(hours=1))
    action, when = "return", NOW
    if how == "tampered":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif how == "other action":
        action = "vote"
    elif how == "other secret":
        links = Links("t" * 43, "https://panel.example.org")
    elif how == "expired":
        when = NOW + timedelta(hours=1)
    elif how == "junk":
        token = "not-a-token"
    else:
        token = "a" * 600
    with pytest.raises(LinkRefused) as refused:
        links.read(action, token, when)
    assert str(refused.value).endswith(".") and "Traceback" not in str(refused.value)
    assert ("expired" in str(refused.value)) == (how == "expired")


def test_with_no_relay_a_secret_is_made_once_and_kept(tmp_path: Path) -> None:
    settings = Settings(_env_file=None)
    first = link_secret(settings, tmp_path)
    assert len(first) >= 32 and link_secret(settings, tmp_path) == first
    assert (tmp_path / "panelbot-link-secret").stat().st_mode & 0o077 == 0
    given = Settings(_env_file=None, PANELBOT_LINK_SECRET="g" * 40)
    assert link_secret(given, tmp_path) == "g" * 40


def test_the_public_address_defaults_to_the_bot_on_this_machine() -> None:
    assert public_url(Settings(_env_file=None, PANELBOT_HTTP_PORT=8099)) == "http://127.0.0.1:8099"
    assert public_url(Settings(_env_file=None, PANELBOT_PUBLIC_URL="https://p.example/")) == "https://p.example"


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"PANELBOT_SMTP_URL": "smtp://u:p@relay.example:587"}, "PANELBOT_LINK_SECRET must be set"),
        ({"PANELBOT_PUBLIC_URL": "http://panel.example.org"}, "must start with https://"),
        ({"PANELBOT_LINK_SECRET": "short"}, "32 to 256"),
        ({"PANELBOT_SMTP_URL": "relay.example"}, "smtp://"),
    ],
)
def test_email_settings_that_cannot_work_are_refused_in_a_sentence(values: dict[str, str], words: str) -> None:
    with pytest.raises(ValueError) as refused:
        Settings(_env_file=None, **values)
    assert words in str(refused.value)
