"""What a platform is, and the one list of them.

A platform (Slack, Telegram, Microsoft Teams, email) is a folder under `bot/` with a `platform.py`
whose class meets `Platform` below, plus one line in `REGISTRY`. Everything that runs every platform reads
the registry and nothing else: `serve()` builds, mounts, starts and stops them; a member's or a channel's
`PLATFORM:ID` is checked against `platform_names()`; the outbox delivers through each one's `adapter` and
paces it by the adapter's `target_interval`. No code outside a platform's own folder asks which platform it
is dealing with.

Email is a platform that only delivers (`delivery_only`): nobody types commands to it; its inbound side is the
pages its signed links open (docs/email-pages.md). It may also be switched on by the record rather than the
settings (`in_use`): with no relay set it writes .eml files, and is on once any member or channel has an
`email:` id.

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
    # Optional (default False): people do not type commands on it (email). The all-platform command test then
    # leaves it out, and its contract harness needs no route of its own.
    delivery_only: ClassVar[bool]

    @staticmethod
    def enabled(settings: Settings) -> bool:
        """Whether the settings switch this platform on (its token or app id is set), read from its own group of
        settings (`settings.slack` for "slack": `bot.settings.PLATFORM_GROUPS`)."""
        ...

    # Optional: `check_id(external_id) -> str`, the id as stored (e.g. an address lower-cased), or a
    # `flows.errors.InvalidInput` in one sentence; `async in_use(panel) -> bool`, whether the record switches
    # it on where the settings do not (email: a member or channel has an address). See `check_platform_id`
    # and `enabled_platforms`.

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
    "bot.email.platform:EmailPlatform",
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


def platform_class(name: str) -> type[Platform] | None:
    """The registered platform called `name` (only its own module is imported), or None."""
    for entry in REGISTRY:
        module, _, attribute = entry.partition(":")
        if module.split(".")[1] == name:
            return getattr(importlib.import_module(module), attribute)  # type: ignore[no-any-return]
    return None


def check_platform_id(platform: str, external_id: str) -> str:
    """The id as the platform keeps it, checked by the platform's own `check_id` where it has one (an email
    address must be an address); refused with `InvalidInput` in one sentence."""
    cls = platform_class(platform)
    check = getattr(cls, "check_id", None) if cls is not None else None
    return check(external_id) if check is not None else external_id


def delivery_only(cls: type[Platform]) -> bool:
    return bool(getattr(cls, "delivery_only", False))


def platform_names() -> tuple[str, ...]:
    """What may stand before the colon of a member's or a channel's id."""
    return tuple(sorted(entry.partition(":")[0].split(".")[1] for entry in REGISTRY)) + OTHER_IDS


async def enabled_platforms(panel: Panel, settings: Settings, pump: OutboxPump) -> list[Platform]:
    """The platforms the settings switch on, or the record does (`in_use`), built for this panel."""
    out = []
    for cls in platform_classes():
        in_use = getattr(cls, "in_use", None)
        if cls.enabled(settings) or (in_use is not None and await in_use(panel)):
            out.append(cls.build(panel, settings, pump))
    return out
