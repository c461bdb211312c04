"""The rules behind the email link pages, without a server: who may mark a return from a signed link
(flows/returns.py), the page's form key (bot/email/links.py), where the made link secret is kept, and the
access log's paths without their tokens (bot/server.py). The pages themselves: tests/e2e/test_email_pages_*.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.email.links import STALE_PAGE, Links, StalePage
from bot.email.setup import secret_home as secret_folder
from bot.server import SECRET_PATHS
from bot.settings import Settings
from flows.errors import NotAllowed
from flows.returns import Delivered, Origin, link_address, who_marks_return

NOW = datetime(2026, 12, 14, 9, 0, tzinfo=UTC)
MAIL = "safeguarding@police.example"


def marker(origin: Origin, account: str | None, addresses=(MAIL,), contacts=(), is_bm=False):  # type: ignore[no-untyped-def]
    return who_marks_return(agency="police", agency_label="Greater Manchester Police", is_bm=is_bm, account=account,
                            contacts=contacts, origin=origin, delivered=(), addresses=addresses)


def test_a_signed_link_marks_the_return_as_from_its_address_while_the_address_is_the_agencys() -> None:
    link = Origin.email_link(7, "Safeguarding@Police.example")
    made = marker(link, f"email:{MAIL}", addresses=("SAFEGUARDING@police.example",))
    assert (made.via, made.where) == ("email_link", MAIL)
    assert made.audit() == {"via": "email_link", "address": MAIL}
    assert made.returned_by("ignored") == f"{MAIL} (by email)"
    deputy = marker(Origin.email_link(7, "deputy@police.example"), "email:deputy@police.example",
                    contacts=("email:Deputy@police.example", "slack:U0DEP"))
    assert deputy.where == "deputy@police.example"


@pytest.mark.parametrize(
    "how", ["address taken off the channel", "another account pressing", "the business manager's own account",
            "a contact on another platform"],
)
def test_a_signed_link_from_an_address_that_may_no_longer_act_is_refused(how: str) -> None:
    link, account, addresses, contacts, bm = Origin.email_link(7, MAIL), f"email:{MAIL}", (MAIL,), (), False
    if how == "address taken off the channel":
        addresses = ("new-team@police.example",)
    elif how == "another account pressing":
        account = "email:someone@else.example"
    elif how == "the business manager's own account":  # a link's press is decided by the link alone
        account, addresses, bm = "slack:U0BM", ("other@police.example",), True
    else:
        addresses, contacts = (), ("slack:" + MAIL,)
    with pytest.raises(NotAllowed) as refused:
        marker(link, account, addresses, contacts, is_bm=bm)
    assert str(refused.value).startswith(
        "This link was sent to an address that is no longer one of Greater Manchester Police's, so nothing"
    )


def test_a_link_finds_its_address_by_key_among_the_agencys_current_addresses_only() -> None:
    links = Links("s" * 43, "https://panel.example.org")
    claim = links.read("return", links.token("return", 7, "Deputy@Police.example", NOW + timedelta(days=3)), NOW)
    contacts = ("slack:U0DEP", "email:DEPUTY@police.example")
    assert link_address(claim.sent_to, (MAIL,), contacts) == "deputy@police.example"
    assert link_address(claim.sent_to, ("deputy@police.example", MAIL), ()) == "deputy@police.example"
    assert link_address(claim.sent_to, (MAIL,), ("email:new@police.example",)) is None  # taken off since
    assert link_address(claim.sent_to, ("safeguarding@health.example",), ()) is None  # another agency's
    other = links.read("return", links.token("return", 8, "deputy@police.example", NOW + timedelta(days=3)), NOW)
    assert other.sent_to("deputy@police.example") and other.recipient_key != claim.recipient_key


def test_an_origin_is_a_signed_link_only_when_the_page_says_so() -> None:
    assert Origin.email_link(3, MAIL).signed_link and not Origin.email_link(3, MAIL).pressed
    assert not Origin("email", MAIL, "m1").signed_link
    pressed = Origin("slack", "C0POL", "1.2")
    delivered = [Delivered("police", "slack", "C0POL", "1.2")]
    made = who_marks_return(agency="police", agency_label="GMP", is_bm=False, account="slack:U0SGT", contacts=(),
                            origin=pressed, delivered=delivered, addresses=(MAIL,))
    assert made.via == "agency_channel"  # the chat's rules are unchanged


def test_the_page_key_is_bound_to_its_link_and_lasts_twelve_hours() -> None:
    links = Links("s" * 43, "https://panel.example.org")
    token = links.token("return", 7, MAIL, NOW + timedelta(days=3))
    issued, nonce, key = links.new_page_key("return", token, NOW)
    links.check_page_key("return", token, str(issued), nonce, key, NOW + timedelta(hours=11))
    other = links.token("return", 7, MAIL, NOW + timedelta(days=4))
    wrong = [
        ("return", other, str(issued), nonce, key, NOW),  # another link's page
        ("vote", token, str(issued), nonce, key, NOW),  # the other page
        ("return", token, str(issued + 1), nonce, key, NOW),  # a changed time
        ("return", token, str(issued), nonce + "x", key, NOW),
        ("return", token, str(issued), nonce, key.upper(), NOW),
        ("return", token, "", "", "", NOW),  # no form at all
        ("return", token, str(issued), nonce, key, NOW + timedelta(hours=12, seconds=1)),  # too old
        ("return", token, str(issued), nonce, key, NOW - timedelta(hours=1)),  # from the future
    ]
    for args in wrong:
        with pytest.raises(StalePage) as refused:
            links.check_page_key(*args)
        assert str(refused.value) == STALE_PAGE
    assert Links("t" * 43, "https://x").page_key("return", token, issued, nonce) != key  # another secret


def test_the_made_secret_is_kept_beside_a_sqlite_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANELBOT_FILES_DIR", str(tmp_path / "files"))
    db = tmp_path / "data" / "panel.db"
    assert secret_folder(Settings(_env_file=None, PANELBOT_DATABASE_URL=f"sqlite:///{db}")) == db.parent
    pg = Settings(_env_file=None, PANELBOT_DATABASE_URL="postgresql+psycopg://u:p@db.example/panel")
    assert secret_folder(pg) == tmp_path / "files"
    memory = Settings(_env_file=None, PANELBOT_DATABASE_URL="sqlite+aiosqlite:///:memory:")
    assert secret_folder(memory) == tmp_path / "files"


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/email/return/WzEsImEiXQ.abc", "/email/return/TOKEN"),
        ("/email/vote/WzEsImEiXQ.abc", "/email/vote/TOKEN"),
        ("/calendar/0123456789abcdef.ics", "/calendar/TOKEN"),
        ("/healthz", "/healthz"),
        ("/slack/events", "/slack/events"),
    ],
)
def test_the_access_log_never_holds_a_token(path: str, logged: str) -> None:
    assert SECRET_PATHS.sub(r"\1TOKEN", path) == logged
