"""Email (bot/email): with a relay set (PANELBOT_SMTP_URL), that it answers: a connection and EHLO, with a short
timeout, and nothing sent (no login, no message). With none, where each email is written as a .eml file instead.
Email is in use once a relay is set or any member or channel has an address; an address is then a channel like
any other (the doctor does not call it "not switched on")."""

from __future__ import annotations

import ssl
from typing import Any

from bot.doctor.checks import Check, fail, not_set_up, ok
from bot.settings import Settings

NAME = "Email"
PROBE_TIMEOUT = 5.0  # seconds for the connection and the EHLO


def email_in_use(settings: Settings, channels: list[tuple[str, str, str]], members: list[Any]) -> bool:
    """A relay is set, or a channel or a current member has an email address."""
    if settings.email.smtp_url is not None:
        return True
    return any(p == "email" for _, p, _ in channels) or any(
        i.startswith("email:") for m in members for i in m.identities)


async def probe(settings: Settings, timeout: float = PROBE_TIMEOUT, tls: ssl.SSLContext | None = None) -> str | None:
    """Connect to the relay and say EHLO (over TLS from the first byte for smtps://), then leave: None when it
    answered, else what went wrong, in a few words. It logs in to nothing and sends nothing."""
    import aiosmtplib

    from bot.email.transport import Relay

    assert settings.email.smtp_url is not None
    relay = Relay.from_url(settings.email.smtp_url.get_secret_value())
    client = aiosmtplib.SMTP(hostname=relay.host, port=relay.port, use_tls=relay.implicit_tls, start_tls=False,
                             timeout=timeout, tls_context=tls)
    try:
        await client.connect()
        await client.ehlo()
    except aiosmtplib.SMTPResponseException as exc:
        return f"it answered {exc.code} to the greeting"
    except (aiosmtplib.SMTPException, OSError) as exc:
        return why_not(exc, timeout)
    finally:
        if client.is_connected:
            try:
                await client.quit()
            except Exception:  # noqa: BLE001 - leaving; what matters was said above
                client.close()
    return None


def why_not(exc: BaseException, timeout: float) -> str:
    """A failed connection in a few plain words (never a library's own message, errno and all)."""
    import socket

    chain = [exc]
    while chain[-1].__cause__ is not None or chain[-1].__context__ is not None:
        nxt = chain[-1].__cause__ or chain[-1].__context__
        if nxt is None or nxt in chain:
            break
        chain.append(nxt)
    said = (
        (lambda e: isinstance(e, TimeoutError) or "timeout" in type(e).__name__.lower(),
         f"no answer within {timeout:g} seconds"),
        (lambda e: isinstance(e, ConnectionRefusedError), "the connection was refused"),
        (lambda e: isinstance(e, socket.gaierror), "its host name is not known"),
        (lambda e: isinstance(e, ssl.SSLCertVerificationError), "its TLS certificate was not accepted"),
        (lambda e: isinstance(e, ssl.SSLError), "TLS could not be set up with it"),
        (lambda e: isinstance(e, ConnectionError), "it closed the connection"),
    )
    for matches, words in said:
        if any(matches(e) for e in chain):
            return words
    return "it did not answer as a mail relay"


async def check_email(settings: Settings, in_use: bool) -> Check:
    from bot.email.setup import email_dir
    from bot.email.transport import Relay

    if settings.email.smtp_url is None:
        where = email_dir(settings)
        if not in_use:
            return not_set_up(NAME, f"PANELBOT_SMTP_URL is not set and nobody has an email address; once someone "
                              f"has, each email is written as a .eml file to {where}.")
        return ok(NAME, f"no relay is set (PANELBOT_SMTP_URL), so each email is written as a .eml file to {where}, "
                  "not sent.")
    relay = Relay.from_url(settings.email.smtp_url.get_secret_value())
    where = f"{relay.host}:{relay.port}"
    problem = await probe(settings)
    if problem is not None:
        return fail(NAME, f"the relay {where} could not be reached ({problem}), so no email can be sent.",
                    "Check PANELBOT_SMTP_URL and that this machine may connect to the relay.")
    tls = "TLS from the start" if relay.implicit_tls else "STARTTLS" if relay.starttls else "no TLS (this machine)"
    return ok(NAME, f"the relay {where} answered (EHLO; {tls} when sending); no mail was sent.")


async def email_can_post(settings: Settings, name: str, address: str) -> Check:
    """An email channel: nothing to ask a platform; where its mail goes is the Email check's."""
    how = "through the relay (see Email)" if settings.email.smtp_url is not None else "as .eml files (see Email)"
    return ok(name, f"an email address; mail to it goes {how}.")
