"""Forged and stale tokens on `/api/messages` with authentication on (no anonymous mode).

test_teams_delivery.py already shows that no Authorization header, `Bearer not-a-jwt` and Basic auth get
401. Here the tokens are real JWTs that are wrong in the ways an attacker would try: unsigned (`alg: none`),
HMAC-signed with a public value as the secret (algorithm confusion), signed by an RSA key that is not
Microsoft's (with Microsoft's key id, and with its own), expired, for another bot (audience), and with the
signature of one token on the claims of another. Each is 401; nothing is recorded, nothing is sent.

"Microsoft's" signing keys are served by a small JWKS server on 127.0.0.1 that the SDK's validator is pointed
at (its JWKS address is patched; no request leaves the machine). A correctly signed token is accepted by the
same validator, so each 401 is about the forgery, not the test's set-up.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from microsoft_agents.hosting.core.authorization.jwt import jwt_token_validator
from sqlalchemy import func, select
from test_teams_delivery import CLIENT_ID, production_config
from test_teams_panel import BEA

from storage.models import AuditEntry, Channel, ConversationState, OutboxMessage, Referral, Vote

ISSUER = "https://api.botframework.com"
MICROSOFT_KID = "ms-key-1"


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.fixture
async def microsoft_keys(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Any]:
    """An RSA key playing Microsoft's, published as a JWKS on 127.0.0.1, and the SDK pointed at it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid=MICROSOFT_KID, use="sig", alg="RS256")

    async def keys(request: web.Request) -> web.Response:
        return web.json_response({"keys": [jwk]})

    app = web.Application()
    app.router.add_get("/keys", keys)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    monkeypatch.setattr(jwt_token_validator, "_build_jwks_uri", lambda *args: f"http://{host}:{port}/keys")
    yield key
    await runner.cleanup()


def claims(**changes: Any) -> dict:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": CLIENT_ID, "iat": now - 60, "nbf": now - 60, "exp": now + 3600,
            "serviceurl": "http://127.0.0.1/", "appid": CLIENT_ID}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def hs256(secret: bytes) -> str:
    """A token HMAC-signed with `secret` (made by hand: PyJWT rightly refuses a public key as an HMAC secret)."""
    head = f"{b64({'alg': 'HS256', 'typ': 'JWT', 'kid': MICROSOFT_KID})}.{b64(claims())}"
    mac = hmac.new(secret, head.encode(), hashlib.sha256).digest()
    return f"{head}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def signed(key: Any, kid: str = MICROSOFT_KID, **changes: Any) -> str:
    return jwt.encode(claims(**changes), key, algorithm="RS256", headers={"kid": kid})


async def counts(h) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    out = []
    async with h.panel.uow() as uow:
        for model in (Referral, Vote, Channel, ConversationState, OutboxMessage, AuditEntry):
            out.append((await uow.session.execute(select(func.count()).select_from(model))).scalar_one())
    return tuple(out)


async def test_the_validator_accepts_a_token_signed_by_the_published_key(microsoft_keys) -> None:
    """The control: the SDK's own validator, pointed at the local JWKS, accepts a good token."""
    config = production_config().sdk
    from microsoft_agents.hosting.core import AgentAuthConfiguration

    auth = AgentAuthConfiguration(**config["CONNECTIONS"]["SERVICE_CONNECTION"]["SETTINGS"])
    identity = await jwt_token_validator.JwtTokenValidator(auth).validate_token(signed(microsoft_keys))
    assert identity.claims["aud"] == CLIENT_ID


async def test_forged_expired_and_misdirected_tokens_get_401_and_change_nothing(teams, connector,
                                                                               microsoft_keys) -> None:  # type: ignore[no-untyped-def]
    h = await teams("dudley", production_config())
    await h.member("Bea", "business_manager", BEA)
    before = await counts(h)
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    good = signed(microsoft_keys)
    header, payload, signature = good.split(".")
    public_jwk = jwt.algorithms.RSAAlgorithm.to_jwk(microsoft_keys.public_key())
    forged = {
        "unsigned, alg none": f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims())}.",
        "unsigned, alg none, Microsoft's kid": f"{b64({'alg': 'none', 'kid': MICROSOFT_KID})}.{b64(claims())}.",
        "HS256 with the public key as the secret": hs256(public_jwk.encode()),
        "HS256 with the client id as the secret": hs256(CLIENT_ID.encode()),
        "another key, Microsoft's kid": signed(impostor),
        "another key, its own kid": signed(impostor, kid="attacker-key"),
        "expired an hour ago": signed(microsoft_keys, exp=int(time.time()) - 3600, iat=int(time.time()) - 7200,
                                      nbf=int(time.time()) - 7200),
        "not valid for another hour": signed(microsoft_keys, nbf=int(time.time()) + 3600),
        "for another bot": signed(microsoft_keys, aud="11111111-2222-3333-4444-555555555555"),
        "no audience": signed(microsoft_keys, aud=None),
        "claims changed under a good signature": f"{header}.{b64(claims(aud=CLIENT_ID, appid='evil'))}.{signature}",
        "good header and signature, no claims": f"{header}..{signature}",
    }
    for what, token in forged.items():
        for activity in (h.message(BEA, "setup"), h.message(BEA, "new")):
            status, _ = await h.post(activity, {"Authorization": f"Bearer {token}"})
            assert status == 401, what
    assert await counts(h) == before
    assert connector.requests == []  # nothing was answered, nothing was sent
