"""Anonymous mode talks only to this machine.

In anonymous mode (`CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED=true`) nothing vouches for an
activity, and the bot posts its answer to whatever `serviceUrl` the activity names: anyone who can reach the
port could make it send HTTP requests anywhere. Anonymous mode is for trying the bot locally (the Agents
Playground, the tests' fake connector), so there an activity is answered only when its `serviceUrl` is on
the loopback range (127.0.0.0/8, ::1, `localhost`); the rest are refused with 403 before the turn runs.
With authentication on, the Bot Connector's signed token vouches for the activity and nothing changes.
"""

from __future__ import annotations

import ipaddress
import logging

from aiohttp import web
from yarl import URL

from bot.teams.config import TeamsConfig

log = logging.getLogger(__name__)


def is_loopback_url(value: object) -> bool:
    """Whether `value` is an http(s) URL whose host is this machine: `localhost`, 127.0.0.0/8 or ::1 (also as an
    IPv4-mapped address). The host is read the way aiohttp, which sends the replies, reads it."""
    if not isinstance(value, str):
        return False
    try:
        url = URL(value.strip())
    except (ValueError, TypeError):
        return False
    host = (url.host or "").lower()
    if url.scheme not in ("http", "https") or not host:
        return False
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # any other name, however it starts (127.0.0.1.evil.example)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def refuse_remote(config: TeamsConfig, activity: object) -> web.Response | None:
    """In anonymous mode, a 403 for an activity whose `serviceUrl` is not on this machine; otherwise None."""
    if not config.anonymous:
        return None
    url = activity.get("serviceUrl") if isinstance(activity, dict) else None
    if is_loopback_url(url):
        return None
    log.info("Teams: refused an activity whose serviceUrl is not on this machine (anonymous mode answers only there)")
    return web.Response(status=403, text="Anonymous mode answers only activities from this machine.")
