"""Microsoft Teams: Entra gives the app a token for the Bot Connector, and a conversation reference is stored
for a channel the bot must post in."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.doctor.checks import SCOPE, TIMEOUT, Check, fail, not_set_up, ok, one_line, quiet, shown
from bot.settings import TEAMS_PREFIX, Settings


async def teams_credentials(settings: Settings) -> Check:
    """A token for the configured app, from Entra, through the Agents SDK's own MSAL auth (the same path the
    bot uses to call the Bot Connector). `...__AUTHORITY` overrides Entra's address, as it does for the SDK."""
    from microsoft_agents.authentication.msal import MsalConnectionManager

    from bot.teams.config import TeamsConfig
    from flows.errors import PanelError

    name = "Teams"
    try:
        config = TeamsConfig.from_settings(settings)
    except PanelError as exc:
        return fail(name, str(exc), f"Set {TEAMS_PREFIX}CLIENTSECRET, or a certificate (see the README).")
    if config is None:
        return not_set_up(name, "no app registration is set.")
    if config.anonymous:
        return not_set_up(name, "anonymous local mode (never for production).")
    secret = shown(settings.teams.client_secret) if settings.teams.client_secret else "a certificate"
    try:
        manager = MsalConnectionManager(**config.sdk)
        provider = manager.get_default_connection()
    except (ValueError, KeyError) as exc:
        return fail(name, f"the Teams settings are incomplete ({one_line(exc)}).",
                    f"Set {TEAMS_PREFIX}CLIENTID, TENANTID and CLIENTSECRET (see .env.example).")
    try:
        with quiet("microsoft_agents", "msal"):
            async with asyncio.timeout(TIMEOUT * 2):
                await provider.get_access_token("https://api.botframework.com", [SCOPE])
    except Exception as exc:  # noqa: BLE001 - MSAL's refusal, a network error, a bad certificate
        text = str(exc)
        code = next((w.strip("\"',:.") for w in text.replace("'", " ").split() if w.startswith("AADSTS")), "")
        why = f" ({code})" if code else f" ({type(exc).__name__})"
        if "invalid_client" in text or code in ("AADSTS7000215", "AADSTS7000222"):
            return fail(name, f"Entra refused the app's client secret, {secret}{why}.",
                        "Create a new client secret for the app registration (Certificates & secrets) and set "
                        f"{TEAMS_PREFIX}CLIENTSECRET to it.")
        if "unauthorized_client" in text or code in ("AADSTS700016", "AADSTS90002"):
            return fail(name, f"Entra does not know app {config.client_id} in tenant {settings.teams.tenant_id}"
                        f"{why}.", f"Check {TEAMS_PREFIX}CLIENTID and TENANTID against the app registration.")
        return fail(name, f"no token could be had for app {config.client_id}{why}.",
                    f"Check the network and {TEAMS_PREFIX}CLIENTID, TENANTID and CLIENTSECRET.")
    return ok(name, f"Entra gave app {config.client_id} a token for the Bot Connector; secret {secret}.")


async def teams_can_post(panel: Any, name: str, target: str) -> Check:
    from bot.teams.proactive import OBJECT_ID
    from bot.teams.store import DatabaseStorage, People

    items = await DatabaseStorage(panel).items()
    known = {((i.get("conversation_reference") or {}).get("conversation") or {}).get("id") for i in items}
    if target in known:
        return ok(name, "a conversation reference is stored, so the bot can post there.")
    if OBJECT_ID.match(target):
        person = await People(panel).get(target)
        if person.get("personal") in known:
            return ok(name, "the bot has a 1:1 chat with this person.")
        homes = [i for i in items
                 if ((i.get("conversation_reference") or {}).get("conversation") or {}).get("conversationType")
                 != "personal"]
        if homes:
            return ok(name, "the bot can open a 1:1 chat with this person from a channel it knows.")
    return fail(name, "no conversation reference is stored for it, so the bot cannot post there yet.",
                "Add the Teams app there and type @Panelbot setup in it (setup bm in the BM's 1:1 chat).")
