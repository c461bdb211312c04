"""Slack: the bot token works (auth.test), and the bot can post in a channel."""

from __future__ import annotations

from bot.doctor.checks import TIMEOUT, Check, fail, ok, quiet, shown, slack_error
from bot.settings import Settings

SLACK_REINSTALL = ("Reinstall the Slack app to the workspace (OAuth & Permissions) and set SLACK_BOT_TOKEN to its "
                   "new Bot User OAuth Token.")


class Slack:
    def __init__(self, settings: Settings) -> None:
        from slack_sdk.web.async_client import AsyncWebClient

        self.settings = settings
        base = settings.slack.api_url or "https://slack.com/api/"
        self.client = AsyncWebClient(
            token=settings.slack.bot_token.get_secret_value() if settings.slack.bot_token else "",
            base_url=base if base.endswith("/") else base + "/",
            timeout=TIMEOUT,
        )
        self.working = False

    async def credentials(self) -> Check:
        from slack_sdk.errors import SlackApiError

        from bot.slack.app import SlackConfig
        from flows.errors import PanelError

        name = "Slack"
        try:
            SlackConfig.from_settings(self.settings)
        except PanelError as exc:
            return fail(name, str(exc), "Set SLACK_SIGNING_SECRET, or SLACK_APP_TOKEN for Socket Mode.")
        token = shown(self.settings.slack.bot_token)
        try:
            with quiet("slack_sdk"):
                answer = await self.client.auth_test()
        except SlackApiError as exc:
            error = slack_error(exc)
            if error in ("invalid_auth", "token_revoked", "account_inactive", "not_authed", "token_expired"):
                return fail(name, f"Slack refused SLACK_BOT_TOKEN, {token} ({error}).", SLACK_REINSTALL)
            return fail(name, f"auth.test failed ({error or 'no answer'}).",
                        "Check SLACK_BOT_TOKEN and SLACK_API_URL, then run the doctor again.")
        except Exception as exc:  # noqa: BLE001 - the network, a timeout, not Slack at all
            return fail(name, f"could not reach Slack at {self.client.base_url} ({type(exc).__name__}).",
                        "Check the network (and SLACK_API_URL, which is normally https://slack.com/api/).")
        self.working = True
        mode = "Socket Mode" if self.settings.slack.app_token else "events to /slack/events"
        return ok(name, f"bot @{answer.get('user')} in workspace {answer.get('team')}, {mode}; token {token}.")

    async def can_post(self, name: str, channel: str) -> Check:
        from slack_sdk.errors import SlackApiError

        if channel[:1] in ("U", "W"):  # a person: the bot opens a direct message with them
            return ok(name, f"a direct message to Slack user {channel}.")
        try:
            with quiet("slack_sdk"):
                info = await self.client.conversations_info(channel=channel)
        except SlackApiError as exc:
            error = slack_error(exc)
            if error == "channel_not_found":
                return fail(name, f"Slack has no channel {channel} that the bot can see.",
                            "Invite the bot to the channel (/invite @YOUR-BOT), then type /panel setup in it.")
            return fail(name, f"conversations.info failed for {channel} ({error or 'no answer'}).",
                        "Add the channels:read and groups:read scopes to the Slack app and reinstall it.")
        except Exception as exc:  # noqa: BLE001
            return fail(name, f"could not reach Slack ({type(exc).__name__}).", "Check the network.")
        conv = info.get("channel") or {}
        label = f"#{conv['name']}" if conv.get("name") else channel
        if conv.get("is_im"):
            return ok(name, f"a direct message ({channel}).")
        if conv.get("is_archived"):
            return fail(name, f"{label} is archived.", "Unarchive it, or set another channel with setup.")
        if not conv.get("is_member"):
            return fail(name, f"the bot is not in {label}, so it cannot post there.",
                        f"In Slack, open {label} and type /invite @ followed by the bot's name.")
        return ok(name, f"the bot is in {label}.")
