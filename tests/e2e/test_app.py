"""Starting the bot: a port already in use is one plain sentence, and the process stops cleanly."""

import socket

import pytest

from bot.app import serve
from bot.settings import Settings
from flows.errors import PanelError


async def test_port_in_use_is_refused_plainly(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        settings = Settings(PANELBOT_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'p.db'}",
                            PANELBOT_HTTP_PORT=port)
        with pytest.raises(PanelError, match=f"Could not listen on 127.0.0.1:{port}.*PANELBOT_HTTP_PORT"):
            await serve(settings, console_mode=False)


async def test_someone_not_on_the_panel_can_only_ask_for_help(make_panel):
    """An agency contact pressing a button is a guest: reads and changes need a place on the panel."""
    from bot.commands import run
    from bot.service import Actor

    panel = await make_panel("salford")
    guest = Actor.guest("telegram", "555")
    for line in ("status", "overdue", "members", "show SAL-2026-001", "request SAL-2026-001 police"):
        reply = await run(panel, guest, line)
        assert not reply.ok
        assert reply.lines == ["You are not on this partnership's panel, so Panelbot cannot do that for you. "
                               "Ask the business manager to add you."]
    assert (await run(panel, guest, "help")).ok
    # Typed, by someone who is neither the police's registered contact nor the BM: refused before the
    # reference is even looked up (issue 17).
    assert (await run(panel, guest, "returned SAL-2026-001 police")).lines == [
        "Only Greater Manchester Police (its button in its own channel, or a contact the business manager "
        "registered) or the business manager can record its return, so nothing was changed."
    ]


async def test_run_practice_uses_a_database_of_its_own_marked_as_practice(tmp_path, monkeypatch):
    """`panelbot run --practice`: ./panelbot-practice.db, never ./panelbot.db; the mark is in the database, so the
    practice file stays practice however it is opened, and the real one stays real."""
    import sqlite3

    from bot.app import panel_from_settings

    monkeypatch.chdir(tmp_path)
    for name in ("PANELBOT_DATABASE_URL", "PANELBOT_PRACTICE_DATABASE_URL", "PANELBOT_PRESET", "PANELBOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    async with panel_from_settings(settings, migrate_fresh=True, practice=True) as panel:
        assert panel.practice
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["panelbot-practice.db"]
    with sqlite3.connect(tmp_path / "panelbot-practice.db") as conn:
        assert conn.execute("SELECT preset_id, practice FROM partnerships").fetchall() == [("salford", 1)]

    async with panel_from_settings(settings, migrate_fresh=True) as panel:  # `panelbot run`: the real record
        assert not panel.practice
    with sqlite3.connect(tmp_path / "panelbot.db") as conn:
        assert conn.execute("SELECT preset_id, practice FROM partnerships").fetchall() == [("salford", 0)]

    named = Settings(_env_file=None, PANELBOT_DATABASE_URL="sqlite+aiosqlite:///./panelbot-practice.db")  # type: ignore[call-arg]
    async with panel_from_settings(named) as panel:
        assert panel.practice  # the database says so, not the command
