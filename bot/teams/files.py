"""Files that are not images on Teams (a meeting's `.ics` invitation): the file-consent card.

Teams shows images inline from a data URI (`cards.image_attachments`), but takes any other file from a bot only
in a 1:1 chat, and only with the person's consent: the bot posts a file-consent card (its name, size and what
it is); the person presses Allow; Teams answers with a `fileConsent/invoke` carrying an upload URL in their
OneDrive; the bot PUTs the bytes there and posts a file-info card, which Teams shows as the file. (In a channel
or a group chat a bot can share a file only through Microsoft Graph and SharePoint, which Panelbot does not
use.) So a reply with such a file, asked for anywhere, is offered in the person's chat with Panelbot.

The card carries the command that made the file, not its bytes. On Allow the command is run again as whoever
pressed it, so the file is the meeting as it is then and the core checks again that they may have it.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp
from microsoft_agents.activity import Activity, ActivityTypes, Attachment, InvokeResponse

from bot.commands import Reply, clean_text, run
from bot.teams import cards as c

if TYPE_CHECKING:
    from microsoft_agents.hosting.core import TurnContext, TurnState

    from bot.service import Actor, Panel
    from bot.teams.proactive import Outbound

log = logging.getLogger(__name__)

CONSENT = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO = "application/vnd.microsoft.teams.card.file.info"
INVOKE = "fileConsent/invoke"
UPLOAD_TIMEOUT = aiohttp.ClientTimeout(total=30)
# The commands whose reply is such a file. Only these run again on Allow: a card's context comes back from the
# client, and Allow must never become a way to run anything else.
FILE_COMMANDS = ("meeting invitation ",)


def other_files(files: tuple[tuple[str, bytes], ...]) -> list[tuple[str, bytes]]:
    """The files Teams cannot show inline (anything that is not an image)."""
    return [(name, data) for name, data in files if name.rsplit(".", 1)[-1].lower() not in c.IMAGE_TYPES]


def consent_card(name: str, data: bytes, command: str) -> Activity:
    context = {"command": command, "name": name}
    what = "a calendar file: open it to put the meeting in your calendar" if name.endswith(".ics") else "a file"
    return Activity(
        type=ActivityTypes.message,
        summary=f"Panelbot would like to send you {name}",
        attachments=[Attachment(content_type=CONSENT, name=name, content={
            "description": f"{name}, {what}.", "sizeInBytes": len(data),
            "acceptContext": context, "declineContext": context,
        })],
    )


def upload_allowed(url: str) -> bool:
    """Teams gives an https address in the person's OneDrive; plain http only to this machine (the tests)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    try:
        return parts.scheme == "http" and ipaddress.ip_address(parts.hostname or "").is_loopback
    except ValueError:
        return False


class FileOffers:
    def __init__(self, panel: Panel, outbound: Outbound) -> None:
        self.panel = panel
        self.outbound = outbound

    async def offer(self, context: TurnContext, reply: Reply, command: str, object_id: str | None) -> list[str]:
        """Offer the reply's files that are not images: here in a 1:1 chat, else in the person's chat with
        Panelbot. Returns what to tell them when it went elsewhere (or could not go)."""
        files = other_files(reply.files)
        if not files:
            return []
        personal = (context.activity.conversation.conversation_type or "") == "personal"
        cards = [consent_card(name, data, command) for name, data in files]
        names = ", ".join(name for name, _ in files)
        if personal:
            for card in cards:
                await context.send_activity(card)
            return []
        if object_id is None:
            return [f"Teams lets Panelbot send {names} only in a 1:1 chat: message Panelbot there and ask again."]
        try:
            for card in cards:
                await self.outbound.send(object_id, card)
        except Exception as exc:  # no 1:1 chat can be opened with them: say so, the command itself stands
            log.warning("Teams: could not offer %s in a 1:1 chat (%s)", names, type(exc).__name__)
            return [f"Teams lets Panelbot send {names} only in a 1:1 chat, and none could be opened with you: "
                    "message Panelbot there and ask again."]
        return [f"{names} is waiting for you in your chat with Panelbot (Teams takes a file from a bot only there): "
                "press Allow to save it."]

    async def on_consent(self, context: TurnContext, state: TurnState, actor: Actor) -> None:
        """Allow or Decline on a file-consent card. On Allow the command runs again as the presser; the file is
        uploaded to where Teams said and shown as a file card. Always answered 200, so Teams shows no error."""
        value = context.activity.value if isinstance(context.activity.value, dict) else {}
        given = value.get("context") if isinstance(value.get("context"), dict) else {}
        command, name = clean_text(given.get("command") or ""), clean_text(given.get("name") or "")
        upload = value.get("uploadInfo") if isinstance(value.get("uploadInfo"), dict) else {}
        try:
            if value.get("action") != "accept":
                await self._say(context, f"{name or 'The file'} was not sent.")
            elif not command.lower().startswith(FILE_COMMANDS) or not upload_allowed(str(upload.get("uploadUrl"))):
                await self._say(context, "That file can no longer be sent; please ask for it again.")
            else:
                await self._upload(context, actor, command, name, upload)
        except Exception:
            log.exception("Teams: a file consent failed")
            await self._say(context, f"{name or 'The file'} could not be sent; please ask for it again.")
        await context.send_activity(Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=200)))

    async def _upload(self, context: TurnContext, actor: Actor, command: str, name: str, upload: dict) -> None:
        reply = await run(self.panel, actor, command)
        found = [data for n, data in reply.files if n == name]
        if not reply.ok or not found:
            await self._say(context, " ".join(c.plain(line) for line in reply.lines) or "That file is gone.")
            return
        data = found[0]
        headers = {"Content-Length": str(len(data)), "Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"}
        async with aiohttp.ClientSession(timeout=UPLOAD_TIMEOUT) as http:
            async with http.put(str(upload["uploadUrl"]), data=data, headers=headers) as response:
                response.raise_for_status()
        info = {"uniqueId": str(upload.get("uniqueId") or ""), "fileType": str(upload.get("fileType") or "ics")}
        await context.send_activity(Activity(type=ActivityTypes.message, attachments=[Attachment(
            content_type=FILE_INFO, content_url=str(upload.get("contentUrl") or ""),
            name=str(upload.get("name") or name), content=info,
        )]))

    @staticmethod
    async def _say(context: TurnContext, line: str) -> None:
        await context.send_activity(Activity(type=ActivityTypes.message, text=line))
