"""Files on Slack: the report's PNG charts (`Reply.files`, `Outgoing.files`), uploaded with `files_upload_v2`
(files.getUploadURLExternal per file, the bytes to the upload URL Slack gives, then one
files.completeUploadExternal that shares them all in the conversation as one message)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

Files = Sequence[tuple[str, bytes]]
TITLE_MAX = 250
# Slack's answers that mean the bot is not in the conversation (so inviting it helps)
NOT_IN = ("not_in_channel", "channel_not_found", "invalid_channel", "access_denied")


def title(name: str) -> str:
    """A plain title from a file name: "referrals-per-month.png" -> "Referrals per month"."""
    words = PurePosixPath(name).stem.replace("_", " ").replace("-", " ").split()
    text = " ".join(words) or name
    return (text[:1].upper() + text[1:])[:TITLE_MAX]


async def upload(client: AsyncWebClient, channel: str, files: Files, *, thread_ts: str | None = None) -> None:
    """Share `files` in `channel` (a channel or a direct message id) as one message, each with a plain title."""
    await client.files_upload_v2(
        channel=channel,
        thread_ts=thread_ts,
        file_uploads=[{"filename": name, "content": data, "title": title(name)} for name, data in files],
    )


def why(exc: BaseException) -> str:
    """Slack's error code for a failed upload, or what kind of failure it was (never a token or a body)."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        error = response.get("error") if isinstance(response.data, dict) else None
        return str(error or f"HTTP {response.status_code}")
    if isinstance(exc, SlackRequestError):
        return "upload_refused"  # the upload URL did not take the bytes
    return "no_answer" if isinstance(exc, (TimeoutError, aiohttp.ClientError)) else type(exc).__name__


def failed_line(exc: BaseException) -> str:
    """One sentence for the person whose charts could not be posted."""
    reason = why(exc)
    if reason in NOT_IN:
        return (
            f"The charts could not be posted here (Slack answered {reason}): invite me with `/invite @Panelbot`, "
            "or run the command in your direct messages with Panelbot."
        )
    said = {"upload_refused": "Slack refused the upload", "no_answer": "Slack did not answer"}.get(
        reason, f"Slack answered {reason}" if isinstance(exc, SlackApiError) else "something went wrong"
    )
    return f"The charts could not be posted ({said}); the figures above are complete, so try again later."
