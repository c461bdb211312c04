"""A fake Telegram Bot API server on 127.0.0.1, for end-to-end tests of the real python-telegram-bot
`Application`. It answers as Telegram does (form-encoded parameters in, `{"ok": true, "result": ...}` out),
keeps every chat's messages as a person would see them (edits applied, keyboards removed), and refuses
what Telegram refuses: `callback_data` over 64 bytes, HTML it cannot parse, text over 4,096 characters, a
message to a chat the bot cannot reach, an edit that changes nothing. `fail_next` makes a method answer
429 with `parameters.retry_after`, as flood control does; `refuse_next` makes it answer 400.

`sendPhoto` takes an upload as Telegram does (multipart/form-data, the file in the `photo` part or in the
part `attach://NAME` names) or the `file_id` of a photo sent before. The file must be a PNG (the only image
this bot sends) of at most 10 MB and sensible dimensions; its bytes are kept (`photos()`), and the answer is
a Message with `photo` sizes and the `caption` (HTML checked, at most 1,024 characters). `sendDocument` takes
any file the same way (in the `document` part), of at most 50 MB, and answers with a Message holding the
`document` (its name, type and size); `documents()` gives them with their bytes.

`getWebhookInfo` tells what `setWebhook` set; `getChat` and `getChatMember` answer for the chats the fake
knows (the bot is a member of each group unless `leave()` took it out). `revoke()` makes the token answer 401,
as after @BotFather's /revoke.

The simulated people's side: `text()` and `press()` build updates as Telegram would deliver them, for a
test to send by webhook or to `push()` for `getUpdates`.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import struct
from collections.abc import Callable
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-fake-token"
BOT_USER = {
    "id": 999000,
    "is_bot": True,
    "first_name": "Panelbot",
    "username": "panelbot_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
JSON_FIELDS = {
    "chat_id", "message_id", "reply_markup", "allowed_updates", "commands", "offset", "limit", "timeout",
    "show_alert", "link_preview_options", "reply_parameters", "drop_pending_updates", "scope", "cache_time",
    "caption_entities", "show_caption_above_media", "has_spoiler", "disable_notification", "protect_content",
}  # fmt: skip
PNG = b"\x89PNG\r\n\x1a\n"
PHOTO_MAX_BYTES = 10 * 1024 * 1024  # Telegram's limit for a photo sent by upload
DOCUMENT_MAX_BYTES = 50 * 1024 * 1024  # and for any other file
CAPTION_MAX = 1024
PHOTO_SIDES = (90, 320, 800, 1280, 2560)  # the sizes Telegram keeps of a photo (s, m, x, y, w)
_TAGS = re.compile(
    r'<(/?)(b|strong|i|em|u|ins|s|strike|del|code|pre|tg-spoiler|blockquote)>|<a href="[^"<>]*">|</a>'
)
_ENTITY = re.compile(r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")


class Upload:
    """A file part of a multipart request."""

    def __init__(self, filename: str, content_type: str, data: bytes) -> None:
        self.filename, self.content_type, self.data = filename, content_type, data

    def __repr__(self) -> str:
        return f"Upload({self.filename!r}, {len(self.data)} bytes)"


def png_size(data: bytes) -> tuple[int, int]:
    """A PNG's width and height, from its IHDR chunk; anything else is not an image Telegram can use here."""
    if len(data) < 24 or not data.startswith(PNG) or data[12:16] != b"IHDR":
        raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


def plain_of(text_html: str) -> str:
    return html.unescape(_TAGS.sub("", text_html))


def check_html(text_html: str) -> None:
    """Telegram's HTML parse mode: only its tags, balanced, and every other <, > and & escaped."""
    stack: list[str] = []
    for match in _TAGS.finditer(text_html):
        whole = match.group(0)
        name = "a" if whole.startswith("<a") or whole == "</a>" else match.group(2)
        closing = whole.startswith("</")
        if closing:
            if not stack or stack.pop() != name:
                raise ApiError(400, "Bad Request: can't parse entities: unmatched end tag")
        else:
            stack.append(name)
    if stack:
        raise ApiError(400, "Bad Request: can't parse entities: unclosed start tag")
    rest = _TAGS.sub("", text_html)
    if "<" in rest or ">" in rest or _ENTITY.search(rest):
        raise ApiError(400, "Bad Request: can't parse entities: unsupported start tag or unescaped character")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeBotAPI:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.chats: dict[int, dict] = {}
        self.messages: dict[int, list[dict]] = {}  # chat id -> every message in it, in order
        self.answers: dict[str, dict] = {}  # callback query id -> what the person saw
        self.refused_answers: list[dict] = []  # second answers to one query, which Telegram refuses
        self.commands: list[dict] = []
        self.webhook: dict | None = None
        self.pending: list[dict] = []  # updates waiting for getUpdates
        self.failures: dict[str, list[float]] = {}
        self.refusals: dict[str, list[str]] = {}
        self.files: dict[str, bytes] = {}  # file_id -> the bytes uploaded
        self.revoked = False  # @BotFather's /revoke: the token answers 401
        self.bot_status: dict[int, str] = {}  # chat id -> the bot's membership when not "member" (left, kicked)
        self._ids = 5000
        self._update_id = 700
        self._changed = asyncio.Condition()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.url = ""

    # Running ---------------------------------------------------------------------------------------------
    async def start(self) -> str:
        app = web.Application(client_max_size=DOCUMENT_MAX_BYTES + 1024 * 1024)  # uploads; Telegram checks sizes itself
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)  # Telegram's logs, not the bot's
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self.url

    async def stop(self) -> None:
        self._closing = True
        await self._notify()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Until the bot has done something (a message, an edit, an answer): never a fixed sleep."""
        async with asyncio.timeout(timeout):
            async with self._changed:
                await self._changed.wait_for(lambda: bool(predicate()))
        return predicate()

    def fail_next(self, method: str, retry_after: float) -> None:
        self.failures.setdefault(method, []).append(retry_after)

    def refuse_next(self, method: str, description: str = "Bad Request: IMAGE_PROCESS_FAILED") -> None:
        """The next call of `method` answers 400 with `description`, as Telegram refuses a file it cannot use."""
        self.refusals.setdefault(method, []).append(description)

    # The API -----------------------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN or self.revoked:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            if isinstance(value, web.FileField):  # an upload (multipart/form-data)
                params[key] = Upload(value.filename, value.content_type, value.file.read())
                continue
            value = str(value)
            if key in JSON_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            params[key] = value
        self.calls.append((method, params))
        await self._notify()
        try:
            if self.failures.get(method):
                wait = self.failures[method].pop(0)
                raise ApiError(429, f"Too Many Requests: retry after {wait:g}", {"retry_after": wait})
            if self.refusals.get(method):
                raise ApiError(400, self.refusals[method].pop(0))
            handler = getattr(self, f"api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = await handler(params)
        except ApiError as exc:
            body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            await self._notify()
            return web.json_response(body, status=exc.code)
        await self._notify()
        return web.json_response({"ok": True, "result": result})

    async def api_getMe(self, p: dict) -> dict:
        return BOT_USER

    async def api_setMyCommands(self, p: dict) -> bool:
        commands = p.get("commands") or []
        if not commands or len(commands) > 100:
            raise ApiError(400, "Bad Request: wrong number of commands")
        for c in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", c.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(c.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands = commands
        return True

    async def api_setWebhook(self, p: dict) -> bool:
        self.webhook = {"url": p.get("url"), "secret_token": p.get("secret_token"), "allowed": p.get("allowed_updates")}
        return True

    async def api_deleteWebhook(self, p: dict) -> bool:
        self.webhook = None
        return True

    async def api_getWebhookInfo(self, p: dict) -> dict:
        return {
            "url": (self.webhook or {}).get("url") or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending),
            "allowed_updates": (self.webhook or {}).get("allowed") or [],
        }

    async def api_getChat(self, p: dict) -> dict:
        chat = self._chat(p["chat_id"])
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11}

    async def api_getChatMember(self, p: dict) -> dict:
        chat = self._chat(p["chat_id"])
        if int(p["user_id"]) != BOT_USER["id"]:
            raise ApiError(400, "Bad Request: member not found")
        status = self.bot_status.get(chat["id"], "member")
        member: dict[str, Any] = {"status": status, "user": BOT_USER}
        if status == "kicked":
            member["until_date"] = 0
        return member

    def revoke(self) -> None:
        """The token no longer works (@BotFather's /revoke)."""
        self.revoked = True

    def leave(self, chat_id: int, status: str = "left") -> None:
        """The bot is taken out of a group (left, or kicked)."""
        self.bot_status[chat_id] = status

    async def api_getUpdates(self, p: dict) -> list[dict]:
        if self.webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(p.get("offset") or 0)
        self.pending = [u for u in self.pending if u["update_id"] >= offset]
        timeout = float(p.get("timeout") or 0)
        if not self.pending and timeout > 0 and not self._closing:
            try:
                async with asyncio.timeout(timeout):
                    async with self._changed:
                        await self._changed.wait_for(lambda: bool(self.pending) or self._closing)
            except TimeoutError:
                pass
        return list(self.pending)

    def _check_markup(self, markup: Any) -> dict | None:
        if not markup:
            return None
        if "inline_keyboard" in markup:
            for row in markup["inline_keyboard"]:
                for button in row:
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
                        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                    if not button.get("text"):
                        raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
        return markup

    def _check_text(self, p: dict) -> tuple[str, str]:
        raw = str(p.get("text", ""))
        if p.get("parse_mode") == "HTML":
            check_html(raw)
            text = plain_of(raw)
        else:
            text = raw
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return raw, text

    def _chat(self, chat_id: Any) -> dict:
        chat = self.chats.get(int(chat_id)) if str(chat_id).lstrip("-").isdigit() else None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    @staticmethod
    def public(message: dict) -> dict:
        return {k: v for k, v in message.items() if not k.startswith("_")}

    async def api_sendMessage(self, p: dict) -> dict:
        chat = self._chat(p["chat_id"])
        raw, text = self._check_text(p)
        markup = self._check_markup(p.get("reply_markup"))
        message: dict[str, Any] = {
            "message_id": self._next_id(),
            "date": 1795000000,
            "chat": chat,
            "from": BOT_USER,
            "text": text,
            "_html": raw,
            "_force_reply": bool(markup and markup.get("force_reply")),
        }
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        reply = p.get("reply_parameters")
        if reply:
            message["_reply_to"] = reply.get("message_id")
        self.messages.setdefault(chat["id"], []).append(message)
        return self.public(message)

    def _caption(self, p: dict) -> tuple[str, str]:
        raw = str(p.get("caption") or "")
        text = raw
        if raw and p.get("parse_mode") == "HTML":
            check_html(raw)
            text = plain_of(raw)
        if utf16_len(text) > CAPTION_MAX:
            raise ApiError(400, "Bad Request: message caption is too long")
        return raw, text

    def _photo_bytes(self, p: dict, part: str = "photo") -> tuple[bytes, str]:
        photo = p.get(part)
        if isinstance(photo, str) and photo.startswith("attach://"):
            photo = p.get(photo.removeprefix("attach://"))
        if isinstance(photo, Upload):
            return photo.data, photo.filename
        if isinstance(photo, str) and photo in self.files:
            return self.files[photo], ""
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    async def api_sendPhoto(self, p: dict) -> dict:
        chat = self._chat(p["chat_id"])
        data, filename = self._photo_bytes(p)
        if len(data) > PHOTO_MAX_BYTES:
            raise ApiError(400, "Bad Request: file is too big")
        width, height = png_size(data)
        if not width or not height or width + height > 10000 or max(width, height) > 20 * min(width, height):
            raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        raw, caption = self._caption(p)
        markup = self._check_markup(p.get("reply_markup"))
        sizes = []
        for side in PHOTO_SIDES:
            scale = min(1.0, side / max(width, height))
            size_id = f"photo{self._next_id()}"
            w, h = max(1, round(width * scale)), max(1, round(height * scale))
            size = len(data) if scale == 1.0 else max(1, round(len(data) * scale * scale))  # near enough
            sizes.append(
                {"file_id": size_id, "file_unique_id": f"u{size_id}", "width": w, "height": h, "file_size": size}
            )
            self.files[size_id] = data
            if scale == 1.0:  # the largest size kept is the photo itself
                break
        message: dict[str, Any] = {
            "message_id": self._next_id(),
            "date": 1795000000,
            "chat": chat,
            "from": BOT_USER,
            "photo": sizes,
            "_bytes": data,
            "_filename": filename,
            "_html": raw,
            "_force_reply": bool(markup and markup.get("force_reply")),
        }
        if caption:
            message["caption"] = caption
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        reply = p.get("reply_parameters")
        if reply:
            message["_reply_to"] = reply.get("message_id")
        self.messages.setdefault(chat["id"], []).append(message)
        return self.public(message)

    async def api_sendDocument(self, p: dict) -> dict:
        chat = self._chat(p["chat_id"])
        data, filename = self._photo_bytes(p, "document")
        if not data:
            raise ApiError(400, "Bad Request: file must be non-empty")
        if len(data) > DOCUMENT_MAX_BYTES:
            raise ApiError(400, "Bad Request: file is too big")
        raw, caption = self._caption(p)
        markup = self._check_markup(p.get("reply_markup"))
        file_id = f"doc{self._next_id()}"
        self.files[file_id] = data
        upload = p.get("document")
        mime = upload.content_type if isinstance(upload, Upload) else "application/octet-stream"
        message: dict[str, Any] = {
            "message_id": self._next_id(),
            "date": 1795000000,
            "chat": chat,
            "from": BOT_USER,
            "document": {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": filename,
                         "mime_type": mime, "file_size": len(data)},
            "_bytes": data,
            "_filename": filename,
            "_html": raw,
            "_force_reply": False,
        }
        if caption:
            message["caption"] = caption
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        reply = p.get("reply_parameters")
        if reply:
            message["_reply_to"] = reply.get("message_id")
        self.messages.setdefault(chat["id"], []).append(message)
        return self.public(message)

    def _find(self, p: dict) -> dict:
        chat = self._chat(p["chat_id"])
        for message in self.messages.get(chat["id"], []):
            if message["message_id"] == int(p["message_id"]):
                return message
        raise ApiError(400, "Bad Request: message to edit not found")

    async def api_editMessageText(self, p: dict) -> dict:
        message = self._find(p)
        raw, text = self._check_text(p)
        markup = self._check_markup(p.get("reply_markup"))
        if raw == message["_html"] and markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified: specified new message content and reply "
                           "markup are exactly the same as a current content and reply markup of the message")
        message["text"], message["_html"] = text, raw
        message.pop("reply_markup", None)  # an edit without a keyboard removes the keyboard
        if markup and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        message["edit_date"] = 1795000001
        return self.public(message)

    async def api_editMessageReplyMarkup(self, p: dict) -> dict:
        message = self._find(p)
        markup = self._check_markup(p.get("reply_markup"))
        if markup == message.get("reply_markup") or (not markup and "reply_markup" not in message):
            raise ApiError(400, "Bad Request: message is not modified")
        message.pop("reply_markup", None)
        if markup and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        return self.public(message)

    async def api_answerCallbackQuery(self, p: dict) -> bool:
        text = p.get("text") or ""
        if len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        query_id = p["callback_query_id"]
        if query_id in self.answers:
            self.refused_answers.append({"id": query_id, "text": text})
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self.answers[query_id] = {"text": text, "alert": bool(p.get("show_alert"))}
        return True

    # The people's side -----------------------------------------------------------------------------------
    def group(self, chat_id: int, title: str) -> dict:
        self.chats[chat_id] = {"id": chat_id, "type": "supergroup", "title": title}
        return self.chats[chat_id]

    def private(self, user: dict) -> dict:
        """A private chat, as after the person pressed Start (before that the bot cannot message them)."""
        self.chats[user["id"]] = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        return self.chats[user["id"]]

    def _next_update(self) -> int:
        self._update_id += 1
        return self._update_id

    def text(self, chat: dict, user: dict, text: str, *, reply_to: dict | None = None) -> dict:
        """What Telegram delivers when `user` sends `text` in `chat` (a /command gets its entity)."""
        message: dict[str, Any] = {
            "message_id": self._next_id(),
            "date": 1795000000,
            "chat": chat,
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if reply_to is not None:
            message["reply_to_message"] = self.public(reply_to)
        self.messages.setdefault(chat["id"], []).append(message)
        return {"update_id": self._next_update(), "message": message}

    def press(self, message: dict, user: dict, label: str, *, query_id: str | None = None) -> dict:
        """What Telegram delivers when `user` presses the button labelled `label` under `message`. Only a
        button that is there can be pressed."""
        buttons = [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
        matches = [b for b in buttons if b["text"] == label]
        assert matches, f"no button {label!r} under the message; buttons: {[b['text'] for b in buttons]}"
        query = {
            "id": query_id or f"cq{self._next_update()}",
            "from": user,
            "chat_instance": "42",
            "data": matches[0]["callback_data"],
            "message": self.public(message),
        }
        return {"update_id": self._next_update(), "callback_query": query}

    async def push(self, update: dict) -> None:
        """Queue an update for `getUpdates` (long polling)."""
        self.pending.append(update)
        await self._notify()

    # What people see ---------------------------------------------------------------------------------------
    def bot_messages(self, chat_id: int) -> list[dict]:
        return [m for m in self.messages.get(chat_id, []) if m["from"]["id"] == BOT_USER["id"]]

    def last(self, chat_id: int) -> dict:
        return self.bot_messages(chat_id)[-1]

    def said(self, chat_id: int, fragment: str) -> dict | None:
        """The latest bot message in the chat whose text (or a photo's caption) contains `fragment`."""
        for message in reversed(self.bot_messages(chat_id)):
            if fragment in message.get("text", message.get("caption", "")):
                return message
        return None

    def photos(self, chat_id: int) -> list[dict]:
        """The bot's photos in the chat, in order; `_bytes` is the file as uploaded."""
        return [m for m in self.bot_messages(chat_id) if "photo" in m]

    def documents(self, chat_id: int) -> list[dict]:
        """The bot's documents (files that are not photos) in the chat, in order; `_bytes` is the file."""
        return [m for m in self.bot_messages(chat_id) if "document" in m]

    @staticmethod
    def buttons(message: dict) -> list[str]:
        return [b["text"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]

    def count(self, method: str) -> int:
        return sum(1 for m, _ in self.calls if m == method)
