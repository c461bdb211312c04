"""GET /metrics, as a monitor scrapes it over real HTTP on 127.0.0.1 (aiohttp's test server), in the
Prometheus text format, parsed with prometheus-client's own parser.

Off unless PANELBOT_METRICS_TOKEN is set (a bearer token; a wrong one or none is a 404, the same answer as
when it is off) or PANELBOT_METRICS=local (loopback clients only, never through a proxy). The counts come
from the real outbox sender and the real reminder sweep; time is the panel's injected clock.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError
from sqlalchemy import func, select

from bot.doctor import check_secrets
from bot.metrics import Metrics
from bot.notify import RetryLater, Sender
from bot.scheduler import JOBS_BY_NAME, run_job
from bot.server import make_app
from bot.service import Actor
from bot.settings import Settings
from flows.referrals import ReferralDraft
from storage.db import make_engine
from storage.models import OutboxMessage
from storage.uow import make_sessionmaker

TOKEN = "metrics-Token_0123456789abcdefghijklmnop"
OP = Actor.operator()
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def uk(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(found: dict, name: str, **labels: str) -> float | None:
    return found.get((name, tuple(sorted(labels.items()))))


async def file(panel) -> str:  # type: ignore[no-untyped-def]
    draft = ReferralDraft(referral_type=panel.preset.referral_types[0].id, referrer="Health visitor",
                          category="baby", letter="A", summary="Fracture found at a routine check.")
    return await panel.file_referral(actor=OP, draft=draft)


async def scrape(client: TestClient, headers: dict[str, str] | None = None) -> dict:
    response = await client.get("/metrics", headers=headers or BEARER)
    assert response.status == 200, await response.text()
    assert response.content_type == "text/plain"
    return samples(await response.text())


async def test_off_by_default_and_a_missing_or_wrong_token_is_a_404(make_panel) -> None:  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    async with TestClient(TestServer(make_app(panel), host="127.0.0.1")) as client:
        assert (await client.get("/metrics")).status == 404  # off: even this machine is not answered
        assert (await client.get("/metrics", headers=BEARER)).status == 404
    metrics = Metrics(panel, token=TOKEN)
    async with TestClient(TestServer(make_app(panel, metrics=metrics), host="127.0.0.1")) as client:
        assert (await client.get("/metrics")).status == 404
        wrong = TOKEN[:-1] + ("x" if TOKEN[-1] != "x" else "y")
        assert (await client.get("/metrics", headers={"Authorization": f"Bearer {wrong}"})).status == 404
        assert (await client.get("/metrics", headers={"Authorization": TOKEN})).status == 404  # not a bearer
        assert (await client.get("/metrics", headers=BEARER)).status == 200


async def test_local_answers_this_machine_but_not_through_a_proxy(make_panel) -> None:  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    metrics = Metrics(panel, local=True)
    async with TestClient(TestServer(make_app(panel, metrics=metrics), host="127.0.0.1")) as client:
        assert (await client.get("/metrics")).status == 200
        # A reverse proxy on this machine connects from loopback too: what it forwards is not local.
        assert (await client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})).status == 404
        assert (await client.get("/metrics", headers={"Forwarded": "for=203.0.113.9"})).status == 404


async def test_requests_are_counted_by_route_and_status_and_timed(make_panel) -> None:  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    calendar = "cal-Token_0123456789abcdefghijklmnopqrstuv"
    app = make_app(panel, calendar_token=calendar, metrics=Metrics(panel, token=TOKEN))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        for _ in range(2):
            assert (await client.get("/healthz")).status == 200
        assert (await client.get(f"/calendar/{calendar}.ics")).status == 200
        assert (await client.get("/calendar/not-the-token.ics")).status == 404
        assert (await client.get("/no/such/path")).status == 404
        assert (await client.post("/slack/events", data=b"x")).status == 404  # Slack not mounted here
        response = await client.get("/metrics", headers=BEARER)
        text = await response.text()
    found = samples(text)
    total = "panelbot_http_requests_total"
    assert value(found, total, platform="", route="/healthz", status="200") == 2
    assert value(found, total, platform="", route="/calendar/{token}.ics", status="200") == 1
    assert value(found, total, platform="", route="/calendar/{token}.ics", status="404") == 1
    assert value(found, total, platform="", route="other", status="404") == 2  # unknown paths share one label
    assert value(found, "panelbot_http_request_duration_seconds_count", route="/healthz") == 2
    assert value(found, "panelbot_http_request_duration_seconds_bucket", route="/healthz", le="+Inf") == 2
    assert calendar not in text and "not-the-token" not in text and "/no/such" not in text


async def test_outbox_sends_reminders_overdue_and_sweeps(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(uk("2026-12-24T10:00"))
    panel = await make_panel("salford")
    ref = await file(panel)
    await panel.send_requests(actor=OP, reference=ref, agencies=["police"])
    state = {"broken": True, "busy": True}

    class Fake:
        reaches_everyone = True
        target_interval = 0.0

        def __init__(self, platform: str) -> None:
            self.platform = platform

        async def deliver(self, target, message, previous_id):  # type: ignore[no-untyped-def]
            if self.platform == "busy" and state["busy"]:
                raise RetryLater(30)
            if self.platform == "broken" and state["broken"]:
                raise RuntimeError("refused")
            return None

    sender = Sender(panel, [Fake("ok"), Fake("busy"), Fake("broken")])
    metrics = Metrics(panel, token=TOKEN)
    sender.metrics = metrics
    async with TestClient(TestServer(make_app(panel, metrics=metrics), host="127.0.0.1")) as client:
        clock.advance(minutes=10)
        found = await scrape(client)
        waiting = value(found, "panelbot_outbox_waiting")
        assert waiting is not None and waiting >= 2  # the card and the request, not sent yet
        assert value(found, "panelbot_outbox_oldest_age_seconds") == 600
        assert value(found, "panelbot_deadlines_overdue") == 0
        assert value(found, "panelbot_metrics_database_up") == 1

        await sender.flush()
        found = await scrape(client)
        sends = "panelbot_outbox_sends_total"
        assert value(found, sends, platform="ok", result="sent") == waiting
        assert value(found, sends, platform="broken", result="failed") == waiting
        assert (value(found, sends, platform="busy", result="429") or 0) >= 1
        assert value(found, sends, platform="busy", result="sent") is None
        assert value(found, "panelbot_outbox_waiting") == waiting  # each still owed to busy and broken

        state.update(broken=False, busy=False)
        clock.advance(minutes=5)  # past the backoff and the platform's 30 s
        await sender.flush()
        found = await scrape(client)
        assert value(found, sends, platform="broken", result="retried") == waiting
        assert value(found, sends, platform="ok", result="sent") == waiting  # not sent twice
        assert value(found, "panelbot_outbox_waiting") == 0
        assert value(found, "panelbot_outbox_oldest_age_seconds") == 0

        # The police's return falls due on Tue 5 Jan 2027; on Mon 4 Jan a reminder goes out, run as the
        # scheduler runs it (timed), and then delivered.
        clock.set(uk("2027-01-04T09:00"))
        await run_job(JOBS_BY_NAME["send_reminders"], panel, sender)
        await sender.flush()
        clock.set(uk("2027-01-06T12:00"))
        found = await scrape(client)
    async with panel.uow() as uow:
        reminders = (await uow.session.execute(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.kind == "reminder", OutboxMessage.sent_at.is_not(None)))).scalar_one()
    assert reminders >= 1 and value(found, "panelbot_reminders_sent_total", kind="reminder") == reminders
    assert value(found, "panelbot_sweep_duration_seconds_count", job="send_reminders") == 1
    overdue = len(await panel.overdue())
    assert overdue >= 1 and value(found, "panelbot_deadlines_overdue") == overdue


async def test_the_database_gauges_say_when_the_database_does_not_answer(make_panel, tmp_path) -> None:  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    async with TestClient(TestServer(make_app(panel, metrics=Metrics(panel, token=TOKEN)), host="127.0.0.1")) as c:
        (tmp_path / "a-folder").mkdir()
        broken = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'a-folder'}")
        panel.sessionmaker = make_sessionmaker(broken)
        try:
            found = await scrape(c)
        finally:
            await broken.dispose()
    assert value(found, "panelbot_metrics_database_up") == 0
    waiting = value(found, "panelbot_outbox_waiting")
    assert waiting is not None and waiting != waiting  # NaN: not a stale reading


def test_the_token_must_be_strong_and_doctor_checks_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANELBOT_METRICS_TOKEN", "short")
    with pytest.raises(ValidationError, match="PANELBOT_METRICS_TOKEN must be 32"):
        Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.setenv("PANELBOT_METRICS", "everyone")
    monkeypatch.setenv("PANELBOT_METRICS_TOKEN", TOKEN)
    with pytest.raises(ValidationError, match="PANELBOT_METRICS must be local or off"):
        Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.setenv("PANELBOT_METRICS", "local")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    line = next(c for c in check_secrets(settings) if c.check == "PANELBOT_METRICS_TOKEN")
    assert line.status == "ok" and TOKEN not in repr(line)
    # A weak value that reached it some other way (a settings object built by hand) is named as too weak.
    weak = settings.model_copy(update={"metrics_token": settings.metrics_token.__class__("weak-token")})
    line = next(c for c in check_secrets(weak) if c.check == "PANELBOT_METRICS_TOKEN")
    assert line.status == "fail" and "too weak" in line.detail and "weak-token" not in repr(line)

