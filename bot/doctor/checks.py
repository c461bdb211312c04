"""A check and its result (ok, fail or not set up), and the small helpers every check uses: how a secret is
shown (never its value), quietening a library that logs a refusal, one line of an error."""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

OK = "ok"
FAIL = "fail"
NOT_SET_UP = "not set up"
MARKS = {OK: "✓", FAIL: "✗", NOT_SET_UP: "–"}
TIMEOUT = 15  # seconds for one platform call
MAKE_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
SCOPE = "https://api.botframework.com/.default"  # what the Agents SDK asks Entra for to call the Bot Connector


@dataclass(frozen=True)
class Check:
    check: str
    status: str  # ok | fail | not set up
    detail: str
    fix: str = ""

    @property
    def line(self) -> str:
        if self.status == OK:
            return f"✓ {self.check}: {self.detail}"
        if self.status == NOT_SET_UP:
            return f"– {self.check}: not set up: {self.detail}"
        return f"✗ {self.check}: {self.detail} Fix: {self.fix}"


def ok(name: str, detail: str) -> Check:
    return Check(name, OK, detail)


def fail(name: str, detail: str, fix: str) -> Check:
    return Check(name, FAIL, detail, fix)


def not_set_up(name: str, detail: str) -> Check:
    return Check(name, NOT_SET_UP, detail)


def fingerprint(value: str) -> str:
    """A short, safe way to tell two secrets apart: the first 4 hex digits of its SHA-256."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:4]


def shown(value: Any) -> str:
    """A secret as the doctor shows it: never its value."""
    secret = value.get_secret_value() if hasattr(value, "get_secret_value") else value
    return f"set (sha256 {fingerprint(secret)}…)" if secret else "missing"


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@contextlib.contextmanager
def quiet(*loggers: str) -> Iterator[None]:
    """Libraries log a refused call at ERROR; the doctor says it once, in its own words."""
    saved = [(logging.getLogger(n), logging.getLogger(n).level) for n in loggers]
    for logger, _ in saved:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in saved:
            logger.setLevel(level)


def slack_error(exc: Any) -> str | None:
    """The `error` of a refused Slack call, whatever shape its answer had."""
    data = getattr(exc.response, "data", None)
    return data.get("error") if isinstance(data, dict) else None


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
