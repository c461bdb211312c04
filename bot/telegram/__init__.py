"""The Telegram adapter (python-telegram-bot 22): the same panel in a Telegram group and in private chats.

- `runner`: the `Application` and its life cycle (webhook or long polling);
- `handlers`: commands, buttons and replies, bound in one `register(application, panel, store)`;
- `conversation`: the guided `/new` and the replies the bot waits for, kept in the database;
- `render`: shared wording as Telegram HTML, and the inline keyboards; `callbacks`: what a button carries;
- `adapter`: delivers outbox messages (`bot.notify.Adapter`); `webhook`: `POST /telegram/webhook`.

Nothing here holds a panel rule: every action ends in the shared commands or the `Panel` methods.
"""

from bot.telegram.adapter import TelegramAdapter
from bot.telegram.runner import TelegramBot

__all__ = ["TelegramAdapter", "TelegramBot"]
