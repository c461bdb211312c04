"""The Telegram adapter (python-telegram-bot 22): the same panel in a Telegram group and in private chats.

- `runner`: the `Application` and its life cycle (webhook or long polling);
- `handlers`: commands, buttons and replies, bound in one `register(application, panel, store)`;
- `conversation`: the guided `/new` and the replies the bot waits for, kept in the database;
- `render`: shared wording as Telegram HTML, and the inline keyboards; `callbacks`: what a button carries;
- `adapter`: delivers outbox messages (`bot.notify.Adapter`); `webhook`: `POST /telegram/webhook`.

Nothing here holds a panel rule: every action ends in the shared commands or the `Panel` methods.
"""

from importlib import import_module
from typing import Any

# Loaded when first asked for, so a module that only renders (`cards`, `render`) does not load the SDK.
_LAZY = {
    "TelegramAdapter": "bot.telegram.adapter",
    "TelegramBot": "bot.telegram.runner",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
