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
