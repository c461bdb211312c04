"""The Slack app manifest (bot/slack/manifest.json): the one slash command, interactivity and events on the
bot's one URL, App Home, and the scopes the bot needs and no more, checked against the Web API methods the
bot really calls in a whole panel round (filing, votes, a tie, the chair's direct message, App Home, information
requests chosen in a form, the report with its charts)."""

from __future__ import annotations

import json
from pathlib import Path

from test_slack_voting import file_referral, salford, vote

import bot.slack
from bot.service import Actor
from bot.slack.app import EVENTS_PATH

MANIFEST = json.loads((Path(bot.slack.__file__).parent / "manifest.json").read_text())

# The scope each Web API method needs (https://api.slack.com/methods); None: no scope.
SCOPE_OF = {
    "auth.test": None,
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.postEphemeral": "chat:write",
    "conversations.open": "im:write",
    "views.open": None,
    "views.update": None,
    "views.publish": None,
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "upload_url": None,  # the bytes go to the URL Slack handed out, with no token
    "response_url": None,  # answers to an interaction's response_url need no token at all
}


def test_the_manifest_points_everything_at_one_url() -> None:
    commands = MANIFEST["features"]["slash_commands"]
    assert [c["command"] for c in commands] == ["/panel"]
    urls = {commands[0]["url"], MANIFEST["settings"]["interactivity"]["request_url"],
            MANIFEST["settings"]["event_subscriptions"]["request_url"]}
    assert len(urls) == 1 and urls.pop().endswith(EVENTS_PATH)
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True
    assert MANIFEST["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]


async def test_the_manifest_asks_for_exactly_the_scopes_the_bot_uses(slack) -> None:
    h = await salford(slack)
    await h.slash("U0BM", "setup bm", channel="C0DESK")
    ref = await file_referral(h)
    for user, label in (("U0ADV", "Commence"), ("U0CHAIR", "Case review"), ("U0DEP", "Commence"), ("U0BM", "Case")):
        await vote(h, user, ref, label)
    await h.press("U0ADV", h.fake.dms("U0ADV")[0], "Commence")
    await h.submit("U0ADV", h.modal(), {"reason": "Clear concerns"})
    await h.event({"type": "app_home_opened", "user": "U0BM", "tab": "home", "channel": "D0BM"})
    await h.slash("U0BM", "status", channel="C0NOTIN")
    await h.panel.set_channel(actor=Actor.operator(), purpose="agency:police", platform_id="slack:C0POLICE")
    await h.slash("U0BM", f"request {ref}")
    assert h.modal()["title"]["text"] == "Information requests"
    await h.submit("U0BM", h.modal(), {"agencies": ["police"]})
    await h.slash("U0BM", "report")
    assert h.fake.shared("C0PANEL")
    used = {c.method for c in h.fake.calls}
    assert used <= set(SCOPE_OF), used - set(SCOPE_OF)
    needed = {SCOPE_OF[m] for m in used} - {None} | {"commands"}  # `commands`: to have a slash command at all
    assert sorted(needed) == sorted(MANIFEST["oauth_config"]["scopes"]["bot"])
