"""The email platform's pure parts: the relay's URL taken apart (STARTTLS on for smtp://, TLS from the start for
smtps://, never the password in a repr), the stable Message-ID, and the screen every line of a letter passes."""

from __future__ import annotations

from bot.email.compose import WITHHELD, message_id, screened
from bot.email.transport import Relay


def test_the_relay_url_says_how_to_connect() -> None:
    relay = Relay.from_url("smtp://panelbot%40partnership.example:s3cret@smtp.office365.com:587")
    assert (relay.host, relay.port, relay.username, relay.password) == (
        "smtp.office365.com", 587, "panelbot@partnership.example", "s3cret")
    assert relay.starttls and not relay.implicit_tls  # STARTTLS on by default for smtp://
    assert "s3cret" not in repr(relay)
    tls = Relay.from_url("smtps://user:pw@smtp.example")
    assert (tls.port, tls.implicit_tls, tls.starttls) == (465, True, False)
    assert Relay.from_url("smtp://relay.example").port == 587
    assert not Relay.from_url("smtp://127.0.0.1:2525?starttls=off").starttls  # a relay on this machine only


def test_one_row_to_one_address_always_has_the_same_message_id() -> None:
    first = message_id(1, 42, "Pat@Police.example", "partnership.example")
    assert first == message_id(1, 42, "pat@police.example", "partnership.example")
    assert first.startswith("<panelbot.1.42.") and first.endswith("@partnership.example>")
    assert first != message_id(1, 42, "deputy@police.example", "partnership.example")
    assert first != message_id(1, 43, "pat@police.example", "partnership.example")


def test_a_line_with_an_identifying_detail_is_left_out() -> None:
    assert screened("Please send the chronology by Mon 30 Nov 2026, 17:00.") == (
        "Please send the chronology by Mon 30 Nov 2026, 17:00.")
    assert screened("Seen at home, M6 5AB, on 01/12/2026.") == WITHHELD
    assert screened("NHS number 943 476 5919 noted.") == WITHHELD
