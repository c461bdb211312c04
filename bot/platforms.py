"""What a platform is, and the one list of them.

A platform (Slack, Telegram, Microsoft Teams; email next) is a folder under `bot/` with a `platform.py`
whose class meets `Platform` below, plus one line in `REGISTRY`. Everything that runs every platform reads
the registry and nothing else: `serve()` builds, mounts, starts and stops them; a member's or a channel's
`PLATFORM:ID` is checked against `platform_names()`; the outbox delivers through each one's `adapter` and
paces it by the adapter's `target_interval`. No code outside a platform's own folder asks which platform it
is dealing with.

How to add one is in docs/architecture.md, "Adding a platform".
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, ClassVar, Protocol

if TYPE_CHECKING:
    from aiohttp import web

    from bot.notify import Adapter, OutboxPump
    from bot.service import Panel
    from bot.settings import Settings


class Platform(Protocol):
    """One chat platform, running inside the bot's one process."""

    name: ClassVar[str]  # as in a member's id: "slack" in "slack:U0123"

    @staticmethod
    def enabled(settings: Settings) -> bool:
        """Whether the settings switch this platform on (its token or app id is set), read from its own group of
        settings (`settings.slack` for "slack": `bot.settings.PLATFORM_GROUPS`)."""
        ...

    @classmethod
    def build(cls, panel: Panel, settings: Settings, pump: OutboxPump) -> Platform:
        """The platform for this panel, from its settings. A set-up that could never work is refused with a
        `PanelError` saying, in one sentence, which setting to fix."""
        ...

    @property
    def adapter(self) -> Adapter:
        """How the outbox delivers to it: each outbox kind (`bot.notify.Outgoing`), and `target_interval`, the
        seconds between two new messages to one target once the platform has asked the bot to slow down."""
        ...

    def add_routes(self, app: web.Application) -> None:
        """Its routes on the bot's web server (a webhook, an events URL), before the server starts."""
        ...

    async def start(self) -> None:
        """Connect (Socket Mode, long polling, registering a webhook). A failure is a `PanelError`."""
        ...

    async def stop_intake(self) -> None:
        """Take no new work from the platform (a stop has begun); what is in hand carries on."""
        ...

    async def stop(self, grace: float) -> None:
        """Finish what is in hand (for up to `grace` seconds) and close every connection."""
        ...


# The platforms, each as "module:class", in the order they start. Adding one is a line here and a folder of its
# own, named as the platform (`bot/slack/` for "slack").
REGISTRY: tuple[str, ...] = (
    "bot.telegram.platform:TelegramPlatform",
    "bot.slack.platform:SlackPlatform",
    "bot.teams.platform:TeamsPlatform",
)
# Ids that are not a chat platform: the terminal (`console:NAME`).
OTHER_IDS: tuple[str, ...] = ("console",)


def platform_classes() -> list[type[Platform]]:
    """Every registered platform's class, in the registry's order (imported only when asked for: a platform's
    SDK is loaded only by a bot that runs it, or a command that checks it)."""
    out = []
    for entry in REGISTRY:
        module, _, name = entry.partition(":")
        out.append(getattr(importlib.import_module(module), name))
    return out


def platform_names() -> tuple[str, ...]:
    """What may stand before the colon of a member's or a channel's id."""
    return tuple(sorted(entry.partition(":")[0].split(".")[1] for entry in REGISTRY)) + OTHER_IDS


def enabled_platforms(panel: Panel, settings: Settings, pump: OutboxPump) -> list[Platform]:
    """The platforms the settings switch on, built for this panel."""
    return [cls.build(panel, settings, pump) for cls in platform_classes() if cls.enabled(settings)]
