"""Signed email links: bound to one action, one thing, one address and an expiry; anything else is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from itsdangerous import URLSafeSerializer

from bot.email.links import LinkRefused, Links, link_secret, public_url
from bot.settings import Settings

SECRET = "s" * 43
NOW = datetime(2026, 12, 14, 9, 0, tzinfo=UTC)


def test_a_link_reads_back_as_what_it_was_made_for() -> None:
    links = Links(SECRET, "https://panel.example.org/")
    url = links.url("return", 17, "Safeguarding@Police.example", NOW + timedelta(days=3))
    assert url.startswith("https://panel.example.org/email/return/")
    claim = links.read("return", url.rsplit("/", 1)[1], NOW)
    assert (claim.action, claim.target_id) == ("return", 17)
    assert claim.sent_to("safeguarding@police.example") and claim.sent_to(" SAFEGUARDING@police.EXAMPLE")
    assert not claim.sent_to("deputy@police.example") and not claim.sent_to("")
    assert claim.expires == NOW + timedelta(days=3)


def payload_of(token: str) -> str:
    """What anyone who sees the link can read: the token's payload, base64-decoded (itsdangerous signs it but
    does not encrypt it)."""
    part = token.split(".")[0]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode("utf-8")


@pytest.mark.parametrize("action", ["return", "vote"])
def test_a_token_carries_nothing_readable_about_the_person(action: str) -> None:
    links = Links(SECRET, "https://panel.example.org")
    address = "Jo.Bloggs-Safeguarding@West-Police.example.org"
    token = links.token(action, 17, address, NOW + timedelta(days=3))
    payload = payload_of(token)
    named, target, key, expires = json.loads(payload)
    assert (named, target, expires) == (action, 17, int((NOW + timedelta(days=3)).timestamp()))
    assert "@" not in payload and "%40" not in payload
    lowered = payload.lower()
    for part in ("jo", "bloggs", "safeguarding", "west", "police", "example", "org"):
        assert part not in lowered, part
    assert len(key) == 22  # 16 bytes of HMAC, base64url
    # The key differs from link to link, so two links cannot even be told apart as the same person's.
    assert links.recipient_key(action, 18, address) != key
    assert links.recipient_key("vote" if action == "return" else "return", 17, address) != key
    # ... and it is not the plain hash of the address, nor keyed by the secret itself.
    plain = hashlib.sha256(address.lower().encode()).digest()
    by_secret = hmac.new(SECRET.encode(), address.lower().encode(), hashlib.sha256).digest()
    assert key not in {base64.urlsafe_b64encode(d[:16]).decode().rstrip("=") for d in (plain, by_secret)}


def test_a_key_made_with_another_secret_names_nobody() -> None:
    token = Links("t" * 43, "https://x").token("return", 17, "a@b.example", NOW + timedelta(days=1))
    forged_payload = json.loads(payload_of(token))
    # Re-signed with the right secret, a key made with another secret still matches no address.
    links = Links(SECRET, "https://x")
    forged = URLSafeSerializer(SECRET, salt="panelbot-email-return").dumps(forged_payload)
    assert not links.read("return", forged, NOW).sent_to("a@b.example")


def test_a_link_sent_before_tokens_dropped_the_address_still_works_until_it_expires() -> None:
    links = Links(SECRET, "https://panel.example.org")
    old = URLSafeSerializer(SECRET, salt="panelbot-email-return").dumps(
        [17, "safeguarding@police.example", int((NOW + timedelta(days=3)).timestamp())]
    )
    claim = links.read("return", old, NOW)
    assert (claim.action, claim.target_id, claim.expires) == ("return", 17, NOW + timedelta(days=3))
    assert claim.sent_to("Safeguarding@Police.example") and not claim.sent_to("deputy@police.example")
    assert claim == links.read("return", links.token("return", 17, "safeguarding@police.example",
                                                     NOW + timedelta(days=3)), NOW)
    with pytest.raises(LinkRefused, match="expired"):
        links.read("return", old, NOW + timedelta(days=3))
    with pytest.raises(LinkRefused, match="not one Panelbot made"):
        links.read("vote", old, NOW)


def test_a_token_naming_another_action_in_its_payload_is_refused() -> None:
    links = Links(SECRET, "https://x")
    payload = ["vote", 17, links.recipient_key("vote", 17, "a@b.example"), int((NOW + timedelta(days=1)).timestamp())]
    signed = URLSafeSerializer(SECRET, salt="panelbot-email-return").dumps(payload)
    with pytest.raises(LinkRefused, match="not one Panelbot made"):
        links.read("return", signed, NOW)


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
