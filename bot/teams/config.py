"""The Teams settings, in the Microsoft 365 Agents SDK's own terms.

The SDK is configured from environment variables named `CONNECTIONS__SERVICE_CONNECTION__SETTINGS__...`
(read with `load_configuration_from_env`). `bot/settings.py` reads the main ones under those names (from
the environment or `.env`); any other `CONNECTIONS__...` / `CONNECTIONSMAP__...` variable in the
environment is passed to the SDK as it is, so every SDK option (federated credentials, a connections
map, ...) works without a change here.

Requests to `/api/messages` are JWT-validated unless anonymous mode is switched on explicitly with
`CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED=true`, which is for local testing only.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from microsoft_agents.activity import load_configuration_from_env

from bot.settings import Settings
from flows.errors import PanelError

log = logging.getLogger(__name__)

PREFIX = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
SDK_PREFIXES = ("CONNECTIONS__", "CONNECTIONSMAP__", "AGENTAPPLICATION__")
CERTIFICATE = "certificate"
SECRET_TYPES = ("clientsecret", "")  # the SDK's default auth type is ClientSecret


@dataclass(frozen=True)
class TeamsConfig:
    sdk: dict[str, Any] = field(repr=False)  # what load_configuration_from_env returns
    client_id: str | None = None
    anonymous: bool = False

    @classmethod
    def from_settings(cls, settings: Settings, environ: Mapping[str, str] | None = None) -> TeamsConfig | None:
        """The Teams configuration, or None when Teams is not configured (no client id, not anonymous).
        Refuses, in one sentence, a set-up that could not authenticate."""
        client_id = (settings.teams.client_id or "").strip() or None
        anonymous = settings.teams.anonymous_allowed
        if client_id is None and not anonymous:
            return None
        env = {k: v for k, v in (os.environ if environ is None else environ).items() if k.startswith(SDK_PREFIXES)}
        secret = settings.teams.client_secret.get_secret_value() if settings.teams.client_secret else None
        auth_type = (settings.teams.auth_type or "").strip()
        known = {
            "CLIENTID": client_id,
            "CLIENTSECRET": secret,
            "TENANTID": settings.teams.tenant_id,
            "AUTHTYPE": auth_type or None,
            "CERTPFXFILE": settings.teams.cert_pfx_file,
            "ANONYMOUS_ALLOWED": "true" if anonymous else "false",
        }
        env.update({PREFIX + name: value for name, value in known.items() if value is not None})
        if not anonymous:
            kind = auth_type.lower()
            if kind in SECRET_TYPES and not secret:
                raise PanelError(
                    f"Teams is set up with a client id but no client secret: set {PREFIX}CLIENTSECRET, or "
                    f"{PREFIX}AUTHTYPE=certificate with {PREFIX}CERTPFXFILE."
                )
            if kind == CERTIFICATE and not settings.teams.cert_pfx_file:
                raise PanelError(f"{PREFIX}AUTHTYPE is certificate but {PREFIX}CERTPFXFILE is not set.")
        return cls(sdk=load_configuration_from_env(env), client_id=client_id, anonymous=anonymous)

    def warn_if_anonymous(self) -> None:
        if self.anonymous:
            log.warning(
                "Teams: ANONYMOUS MODE IS ON (%sANONYMOUS_ALLOWED=true). Requests to /api/messages without a "
                "token are accepted and replies are sent without one. Use this only for local testing, never "
                "in production.",
                PREFIX,
            )
