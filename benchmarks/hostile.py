"""Hostile: `panelbot run` (every adapter configured, as in `footprint`) under requests nobody signed.

* Memory: 300 connections at once, each sending a 1 MiB body to `/slack/events` with a fresh timestamp and
  a signature that is not Slack's; once with a `Content-Length` (refused with 413 from the headers) and once
  chunked (read up to the route's limit, then 413). The figure is the process's peak resident memory above
  its idle figure, sampled every 10 ms from /proc. Target: under 50 MB.
* Latency: `GET /healthz` answered while 200 connections each send their body one byte every 2 s. The floor
  is the same requests with no slow connections, moments before. Target: p99 under 100 ms. The full run lasts
  past the body timeout (10 s) and counts how many of the slow senders were answered 408.

`--quick` uses 20 connections and a short run: its figures mean nothing.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import aiohttp

from benchmarks.common import Context, Row, every_platform_env, free_port, panelbot_command, percentile, rss_mb
from benchmarks.fake_slack import FakeSlack
from benchmarks.footprint import ROOT, FakeTelegram

NAME = "hostile"
TITLE = "unsigned 1 MiB bodies and slow senders against panelbot run: memory, /healthz latency"
MEMORY_TARGET = 50.0  # MB above idle
LATENCY_TARGET = 100.0  # ms, p99
MIB = 1024 * 1024


async def _slack_request(port: int, body_size: int, chunked: bool) -> int | None:
    """One unsigned POST /slack/events with a body of `body_size` bytes; the status answered (None: none)."""
    head = ["POST /slack/events HTTP/1.1", "Host: 127.0.0.1", "Connection: close", "Content-Type: application/json",
            f"X-Slack-Request-Timestamp: {int(time.time())}", "X-Slack-Signature: v0=" + "0" * 64]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {body_size}")
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return None
    try:
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        piece = b"[" * 65536
        for _ in range(body_size // len(piece)):
            writer.write(b"10000\r\n" + piece + b"\r\n" if chunked else piece)
            await writer.drain()
        if chunked:
            writer.write(b"0\r\n\r\n")
            await writer.drain()
    except OSError:
        pass  # the server answered and closed before the whole body went: what it should do
    try:
        line = await asyncio.wait_for(reader.readline(), 30)
        return int(line.split()[1]) if line.startswith(b"HTTP/1.") else None
    except (TimeoutError, OSError, ValueError, IndexError):
        return None
    finally:
        writer.close()


async def _flood(pid: int, port: int, count: int, chunked: bool) -> tuple[float, dict[int | None, int]]:
    """Peak RSS (MB) while `count` unsigned 1 MiB bodies arrive at once, and how each was answered."""
    peak = rss_mb(pid)
    done = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_mb(pid))
            await asyncio.sleep(0.01)

    sampler = asyncio.create_task(sample())
    statuses = await asyncio.gather(*(_slack_request(port, MIB, chunked) for _ in range(count)))
    await asyncio.sleep(0.2)  # memory freed late still counts
    done.set()
    await sampler
    answered: dict[int | None, int] = {}
    for status in statuses:
        answered[status] = answered.get(status, 0) + 1
    return peak, answered


async def _slow(port: int, every: float, stop: asyncio.Event, answers: list[int | None]) -> None:
    """A sender that announces 1,000 bytes and sends one every `every` seconds until told to stop."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        answers.append(None)
        return
    writer.write(b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"X-Slack-Request-Timestamp: " + str(int(time.time())).encode() + b"\r\n"
                 b"X-Slack-Signature: v0=" + b"0" * 64 + b"\r\nContent-Length: 1000\r\n\r\n")
    answer = asyncio.ensure_future(reader.readline())
    try:
        while not stop.is_set() and not answer.done():
            try:
                writer.write(b"[")
                await writer.drain()
            except OSError:
                break
            await asyncio.wait([answer, asyncio.ensure_future(stop.wait())], timeout=every,
                               return_when=asyncio.FIRST_COMPLETED)
        if answer.done() and not answer.exception():
            line = answer.result()
            answers.append(int(line.split()[1]) if line.startswith(b"HTTP/1.") else None)
        else:
            answers.append(None)
    finally:
        answer.cancel()
        writer.close()


async def _healthz(http: aiohttp.ClientSession, port: int, count: int, pause: float) -> list[float]:
    times = []
    for _ in range(count):
        began = time.perf_counter()
        async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
            await response.read()
            assert response.status == 200, response.status
        times.append((time.perf_counter() - began) * 1000)
        await asyncio.sleep(pause)
    return times


async def run(ctx: Context) -> list[Row]:
    flood = 20 if ctx.quick else 300
    slow = 20 if ctx.quick else 200
    every = 0.2 if ctx.quick else 2.0
    probes, pause = (20, 0.01) if ctx.quick else (200, 0.06)  # the full run spans the 10 s body timeout
    folder = Path(tempfile.mkdtemp(prefix="panelbot-bench-"))
    slack, telegram = FakeSlack(), FakeTelegram()
    await slack.start()
    await telegram.start()
    port = free_port()
    env = every_platform_env(folder, port, slack.api_url, telegram.url)
    cmd = panelbot_command()
    log = folder / "panelbot.log"
    rows: list[Row] = []
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        try:
            async with aiohttp.ClientSession() as http:
                began = time.perf_counter()
                while True:
                    if proc.poll() is not None or time.perf_counter() - began > 30:
                        raise RuntimeError(f"panelbot run did not answer /healthz; see {log}")
                    try:
                        async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                            if response.status == 200:
                                break
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.3 if ctx.quick else 2.0)
                idle = rss_mb(proc.pid)
                for chunked in (False, True):
                    peak, answered = await _flood(proc.pid, port, flood, chunked)
                    how = "chunked" if chunked else "with Content-Length"
                    above = peak - idle
                    rows.append(Row(NAME, f"peak memory above idle, {flood} unsigned 1 MiB bodies {how}",
                                    round(above, 1), "MB", floor=round(idle, 1), floor_name="idle resident memory",
                                    target=f"< {MEMORY_TARGET:g} MB", met=above < MEMORY_TARGET,
                                    notes=f"answers: {answered}; peak {peak:.1f} MB, idle {idle:.1f} MB"))
                quiet = await _healthz(http, port, probes, pause)
                stop, answers = asyncio.Event(), []
                senders = [asyncio.create_task(_slow(port, every, stop, answers)) for _ in range(slow)]
                await asyncio.sleep(0.5)
                busy = await _healthz(http, port, probes, pause)
                if not ctx.quick:
                    await asyncio.sleep(1.0)
                stop.set()
                await asyncio.gather(*senders)
                p99, floor = percentile(busy, 99), percentile(quiet, 99)
                timed_out = sum(1 for a in answers if a == 408)
                rows.append(Row(NAME, f"/healthz p99 during {slow} slow senders", round(p99, 1), "ms",
                                floor=round(floor, 1), floor_name="/healthz p99 with no slow senders",
                                target=f"< {LATENCY_TARGET:g} ms", met=p99 < LATENCY_TARGET,
                                notes=f"{probes} requests, p50 {percentile(busy, 50):.1f} ms; {timed_out} of {slow} "
                                      f"slow senders answered 408 (body timeout 10 s)"))
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            await slack.stop()
            await telegram.stop()
    return rows
