"""Running the Telegram side: the webhook's secret token (wrong or missing: 403, nothing processed), the
command menu, webhook or long polling, and `serve()` starting it beside the web server and the scheduler."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest
from aiohttp import ClientSession
from fake_bot_api import TOKEN
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, RetryAfter
from telegram_harness import BEA, SECRET

from bot.app import serve
from bot.commands import COMMANDS
from bot.settings import Settings
from bot.telegram.webhook import SECRET_HEADER
from flows.errors import PanelError

MEMBERS = {"Bea": ("business_manager", BEA)}


async def test_webhook_refuses_requests_without_the_secret(telegram):
    tg = await telegram("dudley", mode="webhook", members=MEMBERS)
    api = tg.api
    chat = api.private(BEA)
    assert api.webhook == {
        "url": "https://panel.example.org/telegram/webhook",
        "secret_token": SECRET,
        "allowed": ["message", "callback_query"],
    }
    assert await tg.post(api.text(chat, BEA, "/status"), secret=None) == 403
    assert await tg.post(api.text(chat, BEA, "/members"), secret="not-the-secret") == 403
    assert tg.bot.application.update_queue.qsize() == 0
    (reply,) = await tg.say(chat, BEA, "/start")
    assert reply["text"].startswith("Panelbot · Dudley Safeguarding People Partnership\nYou are Bea")
    assert len(api.bot_messages(BEA["id"])) == 1  # the refused requests were never processed
    assert api.count("getUpdates") == 0


async def test_command_menu_lists_every_command(telegram):
    tg = await telegram("dudley", mode="polling", members=MEMBERS)
    names = [c["command"] for c in tg.api.commands]
    assert names[0] == "new" and names[-2:] == ["setup", "cancel"]
    assert set(COMMANDS) <= set(names)
    assert {"status", "overdue", "decide", "close", "hold", "return", "request", "members", "help"} <= set(names)
    assert tg.api.webhook is None  # polling deleted any webhook


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def settings(tmp_path, api_url: str, **extra: str) -> Settings:
    return Settings(
        PANELBOT_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'p.db'}",
        PANELBOT_HTTP_PORT=free_port(),
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=api_url,
        **extra,
    )


async def test_serve_runs_telegram_by_polling(tmp_path, monkeypatch, fake_api, caplog):
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.DEBUG)
    task = asyncio.create_task(serve(settings(tmp_path, fake_api.url), console_mode=False))
    try:
        await fake_api.wait_for(lambda: fake_api.count("getUpdates") >= 1, timeout=10)
        assert fake_api.commands and fake_api.count("setMyCommands") == 1
        chat = fake_api.private(BEA)
        await fake_api.push(fake_api.text(chat, BEA, "/start"))
        reply = await fake_api.wait_for(lambda: fake_api.said(BEA["id"], "Your Telegram user id is 1001"))
        assert reply["text"].startswith("Panelbot · Salford Safeguarding Children Partnership")
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert "getUpdates" in caplog.text and TOKEN not in caplog.text  # the token never reaches a log
    assert "/bot<TELEGRAM_BOT_TOKEN>" in caplog.text


async def test_serve_runs_telegram_by_webhook(tmp_path, monkeypatch, fake_api):
    monkeypatch.chdir(tmp_path)
    config = settings(
        tmp_path, fake_api.url, TELEGRAM_WEBHOOK_URL="https://panel.example.org", TELEGRAM_WEBHOOK_SECRET=SECRET
    )
    task = asyncio.create_task(serve(config, console_mode=False))
    try:
        await fake_api.wait_for(lambda: fake_api.webhook is not None, timeout=10)
        url = f"http://127.0.0.1:{config.http_port}/telegram/webhook"
        chat = fake_api.private(BEA)
        async with ClientSession() as http:
            async with http.post(url, json=fake_api.text(chat, BEA, "/start")) as response:
                assert response.status == 403
            async with http.post(url, json=fake_api.text(chat, BEA, "/start"), headers={SECRET_HEADER: SECRET}) as r:
                assert r.status == 200
        reply = await fake_api.wait_for(lambda: fake_api.said(BEA["id"], "Your Telegram user id"))
        assert len(fake_api.bot_messages(BEA["id"])) == 1 and reply
        assert fake_api.count("getUpdates") == 0
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_serve_refuses_a_bad_token_or_a_webhook_without_secret(tmp_path, monkeypatch, fake_api):
    monkeypatch.chdir(tmp_path)
    bad = settings(tmp_path, fake_api.url)
    bad.telegram.bot_token = type(bad.telegram.bot_token)("654321:not-the-token")
    with pytest.raises(PanelError, match="Telegram did not accept TELEGRAM_BOT_TOKEN"):
        await serve(bad, console_mode=False)
    with pytest.raises(PanelError, match="TELEGRAM_WEBHOOK_SECRET is not"):
        await serve(settings(tmp_path, fake_api.url, TELEGRAM_WEBHOOK_URL="https://x.example"), console_mode=False)
    with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_SECRET must be"):
        settings(tmp_path, fake_api.url, TELEGRAM_WEBHOOK_SECRET="has spaces")


async def test_the_fake_refuses_what_telegram_refuses(telegram):
    """The fake is strict where Telegram is, so the other tests would catch an adapter that is not."""
    tg = await telegram("dudley", mode="webhook", members=MEMBERS)
    bot = tg.bot.application.bot
    chat = tg.api.private(BEA)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await bot.send_message(chat_id=chat["id"], text="hello", reply_markup=too_long)
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.send_message(chat_id=chat["id"], text="a < b", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(chat_id=424242, text="hello")
    tg.api.fail_next("getMe", retry_after=3)
    with pytest.raises(RetryAfter):
        await bot.get_me()


async def test_a_direct_answer_waits_out_flood_control(telegram):
    tg = await telegram("dudley", mode="webhook", members=MEMBERS)
    chat = tg.api.private(BEA)
    paused: list[float] = []

    async def pause(seconds: float) -> None:
        paused.append(seconds)

    tg.bot.handlers.pause = pause
    tg.api.fail_next("sendMessage", retry_after=2)
    (reply,) = await tg.say(chat, BEA, "/status")
    assert reply["text"] == "No open referrals."
    assert paused == [2.0]
    assert tg.api.count("sendMessage") == 2 and len(tg.api.bot_messages(BEA["id"])) == 1
