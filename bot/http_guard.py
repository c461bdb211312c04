"""What every platform route does with a request before anything in it is trusted: check who sent it on the
raw bytes, within a size and a time limit, and only then decode and parse it.

* The body is read in chunks up to a per-route limit (`SLACK_MAX_BODY`, `TELEGRAM_MAX_BODY`,
  `TEAMS_MAX_BODY`): a `Content-Length` above it is answered 413 before a byte of the body is read, and a
  chunked body is cut off with 413 as soon as it passes it.
* The whole body must arrive within `BODY_TIMEOUT` seconds (`make_app(body_timeout=...)` sets another value;
  tests pass a small one): a slow sender gets 408 and its connection is closed.
* All routes together hold at most `BODY_BUDGET` bytes of bodies at once (`Budget`): a body waits for its
  share (within the same timeout) rather than the process growing with every stranger's upload.
* A client that goes away in the middle of its body, a body whose transfer or content encoding is broken,
  a charset that does not exist or is not UTF-8, bytes that are not UTF-8, JSON nested deeper than
  `MAX_DEPTH` or holding a number too long for Python: each is a 4xx and one INFO line, never a traceback.
* Slack: the signature (`v0=` HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the signing secret, compared
  in constant time, timestamp within 5 minutes) is checked on the raw bytes; the headers alone are checked
  before the body is read. Telegram: the secret header is compared before the body is read.

Each refusal is raised as one of aiohttp's HTTP exceptions, which aiohttp answers without logging anything;
the one INFO line is written here. Malformed HTTP that aiohttp itself refuses (a header too long, a bad
request line) is logged at INFO too, without its traceback (`quiet_protocol_errors`).
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

log = logging.getLogger(__name__)

SLACK_MAX_BODY = 256 * 1024  # the largest request the Slack fake sees is a few KiB (a vote form with its card)
TELEGRAM_MAX_BODY = 256 * 1024  # a Telegram update is a few KiB; a message's text is at most 4,096 characters
TEAMS_MAX_BODY = 1024 * 1024  # an activity with an Adaptive Card's data is a few KiB; the SDK's own default
BODY_TIMEOUT = 10.0  # seconds for the whole body of a request to arrive
SLACK_WINDOW = 5 * 60  # seconds a Slack signature's timestamp may be away from now
MAX_DEPTH = 64  # JSON nesting; the deepest real payload (a Slack modal, an Adaptive Card) is about 15

BODY_BUDGET = 16 * 1024 * 1024  # bytes of request bodies held at once, all routes together


class Budget:
    """How many bytes of request bodies may be held at once. A body reserves its Content-Length (or its
    route's whole limit when it is chunked) before it is read, and waits, within the body timeout, while
    others hold the rest: hundreds of strangers' bodies at once cost at most this much memory."""

    def __init__(self, total: int) -> None:
        self.free = total
        self.changed = asyncio.Event()

    @contextlib.asynccontextmanager
    async def reserved(self, size: int) -> AsyncIterator[None]:
        while self.free < size:
            self.changed.clear()
            await self.changed.wait()
        self.free -= size
        try:
            yield
        finally:
            self.free += size
            self.changed.set()


BODY_TIMEOUT_KEY = web.AppKey("body_timeout", float)
BODY_BUDGET_KEY = web.AppKey("body_budget", Budget)
UTF8 = {"utf-8", "ascii"}  # codec names (after codecs.lookup) a platform's body may declare


def refuse(
    kind: type[web.HTTPException], answer: str, why: str, *args: object, close: bool = False
) -> web.HTTPException:
    """The exception that answers a request `kind` (a 4xx) with `answer`, after one INFO line saying `why`.
    `close`: the body was not read to the end, so the connection is not kept for another request."""
    log.info(why, *args)
    if kind is web.HTTPRequestEntityTooLarge:
        refusal: web.HTTPException = web.HTTPRequestEntityTooLarge(0, text=answer)
    else:
        refusal = kind(text=answer)
    if close:
        refusal.force_close()
    return refusal


def _check_length(request: web.Request, limit: int, route: str) -> None:
    length = request.content_length  # aiohttp has already refused a Content-Length that is not a number
    if length is not None and length > limit:
        raise refuse(web.HTTPRequestEntityTooLarge, f"The body is larger than {limit} bytes.",
                     "%s: refused a %d-byte body (the limit is %d) with 413", route, length, limit, close=True)


def _budget(request: web.Request, limit: int) -> contextlib.AbstractAsyncContextManager[None]:
    budget = request.config_dict.get(BODY_BUDGET_KEY)
    if budget is None:
        return contextlib.nullcontext()
    return budget.reserved(min(request.content_length or limit, limit))


async def read_body(request: web.Request, limit: int, route: str) -> bytes:
    """The raw body, at most `limit` bytes, read within the app's body timeout (see the module's docstring)."""
    _check_length(request, limit, route)
    body = bytearray()
    timeout = request.config_dict.get(BODY_TIMEOUT_KEY, BODY_TIMEOUT)
    try:
        async with asyncio.timeout(timeout), _budget(request, limit):
            while chunk := await request.content.readany():
                body += chunk
                if len(body) > limit:
                    raise too_large(route, limit)
    except TimeoutError:
        raise too_slow(route, timeout) from None
    except web.HTTPException:
        raise
    except Exception as exc:  # only the client's bytes are read here: whatever fails is the client's doing
        # The client went away (ConnectionResetError), or its chunked body is broken: nobody may be
        # listening, but an answer is harmless (aiohttp drops it quietly when the connection is gone).
        raise unreadable(route, exc) from None
    return bytes(body)


def too_large(route: str, limit: int) -> web.HTTPException:
    return refuse(web.HTTPRequestEntityTooLarge, f"The body is larger than {limit} bytes.",
                  "%s: refused a body over %d bytes with 413", route, limit, close=True)


def too_slow(route: str, timeout: float) -> web.HTTPException:
    return refuse(web.HTTPRequestTimeout, "The body took too long to arrive.",
                  "%s: the body did not arrive within %g s; answered 408", route, timeout, close=True)


def unreadable(route: str, exc: BaseException) -> web.HTTPException:
    return refuse(web.HTTPBadRequest, "The body could not be read.",
                  "%s: the body could not be read (%s)", route, type(exc).__name__, close=True)


async def buffered(request: web.Request, limit: int, route: str) -> web.Request:
    """A copy of `request` whose body has been read (as `read_body` reads it), for code that reads the body
    again through the request itself (the Agents SDK calls `request.json()`)."""
    _check_length(request, limit, route)
    copy = request.clone(client_max_size=limit)
    timeout = request.config_dict.get(BODY_TIMEOUT_KEY, BODY_TIMEOUT)
    try:
        async with asyncio.timeout(timeout), _budget(request, limit):
            await copy.read()
    except web.HTTPRequestEntityTooLarge:
        raise too_large(route, limit) from None
    except TimeoutError:
        raise too_slow(route, timeout) from None
    except web.HTTPException:
        raise
    except Exception as exc:  # only the client's bytes are read here: whatever fails is the client's doing
        raise unreadable(route, exc) from None
    return copy


def utf8_charset(request: web.Request, route: str) -> None:
    """400 unless the body is declared UTF-8 (or ASCII, or nothing): a charset Python does not know used to
    be a LookupError, and the platforms send nothing else."""
    charset = request.charset
    if charset is None:
        return
    try:
        name = codecs.lookup(charset).name
    except (LookupError, ValueError, TypeError):
        name = ""
    if name not in UTF8:
        raise refuse(web.HTTPBadRequest, "The body must be UTF-8.", "%s: refused a body declared as %r",
                     route, charset[:40])


def text_of(body: bytes, route: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise refuse(web.HTTPBadRequest, "The body is not UTF-8.", "%s: refused a body that is not UTF-8",
                     route) from None


def too_deep(data: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether lists and objects in `data` nest more than `limit` deep (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def shallow(data: Any, route: str) -> Any:
    if isinstance(data, dict | list) and too_deep(data):
        raise refuse(web.HTTPBadRequest, "The body is nested too deeply.",
                     "%s: refused a body nested more than %d deep", route, MAX_DEPTH)
    return data


def parse_json(body: bytes, route: str) -> Any:
    """The JSON in an authenticated UTF-8 body, or 400: not JSON, nested too deeply, a number too long."""
    try:
        data = json.loads(text_of(body, route))
    except (ValueError, RecursionError) as exc:  # ValueError: not JSON, or an integer past Python's digit limit
        raise refuse(web.HTTPBadRequest, "The body is not JSON.", "%s: refused a body that is not JSON (%s)",
                     route, type(exc).__name__) from None
    return shallow(data, route)


# Slack -----------------------------------------------------------------------------------------------------


def _slack_headers(request: web.Request, now: float) -> tuple[str, bytes]:
    """The timestamp and signature, if they could be Slack's: 401 otherwise, before the body is read."""
    timestamps = request.headers.getall("X-Slack-Request-Timestamp", [])
    signatures = request.headers.getall("X-Slack-Signature", [])
    if len(timestamps) != 1 or len(signatures) != 1:  # two of either: which one would bolt read?
        raise _bad_slack_signature()
    timestamp, signature = timestamps[0], signatures[0]
    fresh = (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12
             and abs(now - int(timestamp)) <= SLACK_WINDOW)
    if not fresh or not (signature.isascii() and signature.startswith("v0=") and len(signature) == 67):
        raise _bad_slack_signature()
    return timestamp, signature.encode("ascii")


def _bad_slack_signature() -> web.HTTPException:
    # The words are bolt's (as its log filter in bot/slack/app.py puts them): the fact, never the body.
    return refuse(web.HTTPUnauthorized, "Invalid request signature.",
                  "Invalid or stale request signature: refused with 401 (Slack)", close=True)


async def slack_body(request: web.Request, secret: str, *, now: Callable[[], float] = time.time) -> str:
    """The body of a request Slack signed, as text; 401, 400, 408 or 413 otherwise."""
    route = "Slack"
    timestamp, signature = _slack_headers(request, now())
    if not secret:
        raise _bad_slack_signature()
    body = await read_body(request, SLACK_MAX_BODY, route)
    mac = hmac.new(secret.encode("utf-8"), b"v0:" + timestamp.encode("ascii") + b":" + body, hashlib.sha256)
    if not hmac.compare_digest(b"v0=" + mac.hexdigest().encode("ascii"), signature):
        raise _bad_slack_signature()
    utf8_charset(request, route)
    text = text_of(body, route)
    if request.content_type == "application/json":
        parse_json(body, route)  # bolt parses it again; this refuses what would break its parser
    return text


# Telegram --------------------------------------------------------------------------------------------------


async def telegram_update(request: web.Request, secret: bytes, header: str) -> Any:
    """The JSON of a request carrying the webhook's secret; 403, 400, 408 or 413 otherwise."""
    route = "Telegram webhook"
    values = request.headers.getall(header, [])
    given = values[0] if len(values) == 1 else ""
    if not given or not given.isascii() or not hmac.compare_digest(given.encode("ascii"), secret):
        raise refuse(web.HTTPForbidden, "forbidden", "refused a Telegram webhook request without the right secret "
                     "token", close=True)
    body = await read_body(request, TELEGRAM_MAX_BODY, route)
    utf8_charset(request, route)
    return parse_json(body, route)


# Teams -----------------------------------------------------------------------------------------------------


async def teams_request(request: web.Request) -> web.Request:
    """Behind the SDK's JWT check: the request with its body read (within the limits), declared UTF-8,
    valid JSON and not nested too deeply, for the SDK to read again; 400, 408 or 413 otherwise."""
    route = "Teams"
    copy = await buffered(request, TEAMS_MAX_BODY, route)
    utf8_charset(copy, route)
    parse_json(await copy.read(), route)
    return copy


@web.middleware
async def hang_up_after_refusal(request: web.Request, handler: Any) -> web.StreamResponse:
    """A refusal made before the body was read to the end (`refuse(..., close=True)`) is written, and then
    the connection is closed at once: aiohttp would otherwise go on reading, and discarding, whatever the
    sender still sends for up to 10 s, with a buffer per connection (300 senders of 1 MiB: 200 MB)."""
    try:
        return await handler(request)
    except web.HTTPException as refusal:
        if refusal.keep_alive is not False or request.content.is_eof():
            raise
        answer = web.Response(status=refusal.status, text=refusal.text, headers={"Connection": "close"})
        try:
            await answer.prepare(request)
            await answer.write_eof()
        except ConnectionError:
            pass  # the sender has gone already
        request.protocol.force_close()  # after the answer: the transport sends what it holds, then closes
        return answer


# aiohttp's own refusals ------------------------------------------------------------------------------------


class _ProtocolErrorsAtInfo(logging.Filter):
    """aiohttp answers malformed HTTP (a request line or header too long, bytes no parser accepts) with 400
    itself, and logs it at ERROR with a traceback. That is the client's fault: one INFO line, no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError) and 400 <= (exc.code or 400) < 500:
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg, record.args = "refused malformed HTTP with %d (%s)", (exc.code or 400, type(exc).__name__)
            record.exc_info = record.exc_text = None
        return True


def quiet_protocol_errors() -> None:
    server = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, _ProtocolErrorsAtInfo) for f in server.filters):
        server.addFilter(_ProtocolErrorsAtInfo())
