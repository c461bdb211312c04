"""`panelbot` on the command line, driven through typer's CliRunner the way a person types it.

What is checked is what the person sees: the answer, the one-sentence refusal (never a traceback) and the
exit status. Database commands run on a SQLite file in the test's own directory (the working directory is
moved there too, so no stray `.env` or `./panelbot.db` is ever read), and on a PostgreSQL schema of the
test's own when PANELBOT_TEST_DATABASE_URL is set.

The commands call `asyncio.run` themselves, so these tests are plain (non-async) functions. `panelbot` as a
real process: tests/e2e/test_cli_process.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from bot.cli import app
from bot.service import Actor
from bot.service.bootstrap import open_panel
from bot.settings import Settings
from flows.preset import available_presets, load_preset
from flows.referrals import ReferralDraft
from storage.db import make_engine

PG_URL = os.environ.get("PANELBOT_TEST_DATABASE_URL", "")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
runner = CliRunner()


def flat(text_: str) -> str:
    """Output with colour codes removed and rich's line wrapping undone, for phrase matching."""
    return " ".join(ANSI.sub("", text_).split())


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def assert_refused(result, *phrases: str) -> str:  # type: ignore[no-untyped-def]
    """A refusal: non-zero exit through typer.Exit (not a crash), no traceback, the phrases said."""
    said = flat(result.output)
    assert result.exit_code != 0, said
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    for phrase in phrases:
        assert phrase in said, f"{phrase!r} not in {said!r}"
    return said


@pytest.fixture(autouse=True)
def quiet_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every test runs in its own directory with none of the operator's Panelbot settings."""
    monkeypatch.chdir(tmp_path)
    for name in ("PANELBOT_DATABASE_URL", "PANELBOT_PRESET", "PANELBOT_CONFIG", "PANELBOT_TIMEZONE",
                 "SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN", "TEAMS_CLIENT_ID", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps at 80 columns when not in a terminal


@pytest.fixture
def db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A SQLite file for the CLI (created and migrated by the first command that opens it)."""
    path = tmp_path / "x.db"
    monkeypatch.setenv("PANELBOT_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    return path


# `panelbot clocks` ---------------------------------------------------------------------------------------------


def clocks_json(preset: str, start: str) -> dict[str, dict]:
    result = invoke("clocks", "--preset", preset, "--start", start, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    return {row["clock"]: row for row in rows}


def test_clocks_json_lists_every_clock_of_the_preset_with_an_aware_due_time() -> None:
    rows = clocks_json("salford", "2026-12-23T10:00+00:00")
    preset = load_preset("salford")
    assert list(rows) == [c.id for c in preset.clocks]
    for clock in preset.clocks:
        row = rows[clock.id]
        assert {"clock", "due", "unit", "amount"} <= set(row)
        assert row["unit"] == clock.unit
        assert row["amount"] == clock.amount
        due = datetime.fromisoformat(row["due"])
        assert due.utcoffset() is not None, f"{clock.id}: {row['due']} has no UTC offset"


def test_clocks_salford_agency_return_skips_the_christmas_bank_holidays() -> None:
    # agency_return: 5 working days from request_sent, taken as Wed 23 Dec 2026 10:00. The start day never
    # counts. Thu 24 Dec = 1; Fri 25 Dec Christmas Day; Sat 26/Sun 27; Mon 28 Dec is Boxing Day observed
    # (26 Dec is a Saturday); Tue 29 = 2, Wed 30 = 3, Thu 31 = 4; Fri 1 Jan New Year's Day; Sat 2/Sun 3;
    # Mon 4 Jan 2027 = 5. Due at the end of that working day: Mon 4 Jan 2027, 17:00 GMT.
    rows = clocks_json("salford", "2026-12-23T10:00+00:00")
    assert rows["agency_return"]["due"] == "2027-01-04T17:00:00+00:00"
    assert rows["agency_return"]["unit"] == "working_days"
    assert rows["agency_return"]["amount"] == 5
    # info_request_send, 2 WD: Thu 24 Dec = 1, (25, 26, 27, 28 off) Tue 29 Dec = 2.
    assert rows["info_request_send"]["due"] == "2026-12-29T17:00:00+00:00"

    result = invoke("clocks", "--preset", "salford", "--start", "2026-12-23T10:00+00:00")
    assert result.exit_code == 0, result.output
    said = flat(result.stdout)
    assert "agency_return Mon 4 Jan 2027, 17:00" in said
    assert "Wed 23 Dec 2026, 10:00" in said  # the start, in UK time


def test_clocks_48_hours_across_the_october_clock_change_are_48_real_hours() -> None:
    # Sat 24 Oct 2026 12:00 BST (11:00 UTC). The clocks go back at 02:00 BST on Sun 25 Oct, so 48 elapsed
    # hours later is Mon 26 Oct 11:00 UTC, which is 11:00 GMT on the wall clock (not 12:00).
    start = "2026-10-24T12:00+01:00"
    rows = clocks_json("salford", start)
    due = rows["panel_decision"]["due"]
    assert due == "2026-10-26T11:00:00+00:00"
    assert datetime.fromisoformat(due) - datetime.fromisoformat(start) == timedelta(hours=48)


def test_clocks_suffolk_monthly_panel_after_the_cut_off_moves_off_christmas_day() -> None:
    # Suffolk 3: the panel meets on the 25th; a referral received after the 15th goes to the next month's
    # panel. 16 Nov 2026 is after the cut-off, so December's panel: 25 Dec 2026 is Christmas Day, and
    # flows/clocks.py moves the meeting to the last working day before it, Thu 24 Dec 2026, due at the end
    # of that working day (17:00 GMT).
    rows = clocks_json("suffolk", "2026-11-16T10:00+00:00")
    assert rows["panel_decision"]["due"] == "2026-12-24T17:00:00+00:00"
    assert rows["panel_decision"]["unit"] == "panel_meeting"

    # On the 15th itself the referral still makes this month's panel: Wed 25 Nov 2026 is a working day.
    assert clocks_json("suffolk", "2026-11-15T16:00+00:00")["panel_decision"]["due"] == "2026-11-25T17:00:00+00:00"

    # The cut-off is judged on the UK date: 23:30 UTC on 15 Oct is 00:30 BST on 16 Oct, after the cut-off,
    # so November's panel (Wed 25 Nov 2026).
    assert clocks_json("suffolk", "2026-10-15T23:30+00:00")["panel_decision"]["due"] == "2026-11-25T17:00:00+00:00"


def test_clocks_show_a_window_with_the_day_it_opens() -> None:
    # Dudley, "Setting the Date of the Rapid Review Meeting": 7 to 13 working days after a referral of Mon 14 Dec
    # 2026. The 7th is Wed 23 Dec; the 13th, past the bank holidays of 25 and 28 Dec and 1 Jan, Tue 5 Jan 2027.
    row = clocks_json("dudley", "2026-12-14T10:00+00:00")["rr_meeting"]
    assert (row["earliest"], row["amount"], row["opens"], row["due"]) == (
        7, 13, "2026-12-23T00:00:00+00:00", "2027-01-05T17:00:00+00:00")
    result = invoke("clocks", "--preset", "dudley", "--start", "2026-12-14T10:00+00:00")
    assert result.exit_code == 0, result.output
    assert ("rr_meeting Tue 5 Jan 2027, 17:00 7 to 13 working days from referral_received; window opens Wed 23 Dec "
            "2026") in flat(result.stdout)


def test_clocks_show_a_clock_before_an_event_counted_back_across_the_clock_change() -> None:
    # Salford 7.11: papers 24 real hours before a meeting taken as Sun 28 Mar 2027, 12:00 BST (the clocks went
    # forward at 01:00 GMT that day): Sat 27 Mar, 11:00 GMT. Kirklees: 7 working days after completion or before
    # publication, both taken as Mon 14 Dec 2026, 15:00: before is sooner, Thu 3 Dec (Fri 11 =1 ... Thu 3 =7).
    row = clocks_json("salford", "2027-03-28T12:00+01:00")["rr_papers"]
    assert (row["before"], row["due"]) == ("rr_meeting", "2027-03-27T11:00:00+00:00")
    result = invoke("clocks", "--preset", "salford", "--start", "2027-03-28T12:00+01:00")
    assert "rr_papers Sat 27 Mar 2027, 11:00 24 hours before the rapid review meeting" in flat(result.stdout)
    row = clocks_json("kirklees", "2026-12-14T15:00+00:00")["publication_notice"]
    assert (row["starts"], row["before"], row["due"]) == ("board_sign_off", "publication", "2026-12-03T17:00:00+00:00")


def test_clocks_start_without_an_offset_is_read_as_uk_time() -> None:
    # 1 Jul 2026 10:00 with no offset is 10:00 BST; 48 hours later is Fri 3 Jul 10:00 BST.
    rows = clocks_json("salford", "2026-07-01T10:00")
    assert rows["panel_decision"]["due"] == "2026-07-03T10:00:00+01:00"


def test_clocks_unknown_preset_is_one_sentence_naming_the_valid_presets() -> None:
    result = invoke("clocks", "--preset", "narnia", "--start", "2026-11-23T10:00+00:00")
    said = assert_refused(result, "narnia", *available_presets())
    assert len(ANSI.sub("", result.stderr).strip().splitlines()) <= 2  # one sentence (rich may wrap it)
    assert said.count(".") <= 1


def test_clocks_bad_start_is_a_clear_usage_error() -> None:
    result = invoke("clocks", "--preset", "salford", "--start", "next tuesday")
    assert_refused(result, '"next tuesday" is not a time', "2026-11-23T10:12", "23/11/2026 10:12")
    assert result.exit_code == 2


# `panelbot preset check` ---------------------------------------------------------------------------------------


def test_preset_check_passes_every_shipped_preset() -> None:
    for name in available_presets():
        result = invoke("preset", "check", name)
        assert result.exit_code == 0, result.output
        said = flat(result.stdout)
        assert f"{name}.toml: OK." in said
        assert load_preset(name).name in said


def test_preset_check_says_who_decides_each_stage() -> None:
    said = flat(invoke("preset", "check", "stockport").stdout)
    assert ("Who decides: Child safeguarding referral (CSPR): the Business Manager; Safeguarding adults review "
            "referral: the panel's vote.") in said
    said = flat(invoke("preset", "check", "salford").stdout)
    assert ('Who decides: Rapid review: the panel\'s vote, then the rapid review meeting after "Commence rapid '
            "review\"; Case review: the panel's vote.") in said


def test_preset_check_by_path_of_a_shipped_file() -> None:
    path = Path(load_preset("salford").source_file)
    result = invoke("preset", "check", str(path))
    assert result.exit_code == 0, result.output
    assert "OK" in flat(result.stdout)
    assert "ties go to the Independent Adviser" in flat(result.stdout)


def test_preset_check_names_the_file_the_key_and_the_problem(tmp_path: Path) -> None:
    source = Path(load_preset("salford").source_file).read_text(encoding="utf-8")
    bad = tmp_path / "broken.toml"
    bad.write_text(source.replace('unit = "hours"', 'unit = "fortnights"', 1), encoding="utf-8")
    result = invoke("preset", "check", str(bad))
    assert_refused(result, "broken.toml", "panel_decision", "unit", '"fortnights"', "working_days")


def test_preset_check_unknown_tie_break_role(tmp_path: Path) -> None:
    source = Path(load_preset("salford").source_file).read_text(encoding="utf-8")
    bad = tmp_path / "tiebreak.toml"
    bad.write_text(source.replace('tie_break = "independent_adviser"', 'tie_break = "wizard"'), encoding="utf-8")
    assert_refused(invoke("preset", "check", str(bad)), "tiebreak.toml", "tie_break", '"wizard"')


def test_preset_check_file_that_is_not_toml(tmp_path: Path) -> None:
    bad = tmp_path / "garbled.toml"
    bad.write_text('id = "x"\nname = \n', encoding="utf-8")
    assert_refused(invoke("preset", "check", str(bad)), "garbled.toml", "TOML", "line 2")


def test_preset_check_missing_file(tmp_path: Path) -> None:
    assert_refused(invoke("preset", "check", str(tmp_path / "nowhere.toml")), "nowhere.toml")


# Members and channels ------------------------------------------------------------------------------------------


def test_member_add_list_remove_and_channel_set(db: Path) -> None:
    result = invoke("member", "list")
    assert result.exit_code == 0, result.output
    assert "no members yet" in flat(result.stdout)

    result = invoke("member", "add", "Ann Example", "--role", "independent_adviser",
                    "--id", "slack:U1", "--id", "telegram:55")
    assert result.exit_code == 0, result.output
    assert flat(result.stdout) == "Added Ann Example as Independent Adviser (slack:U1, telegram:55)."

    result = invoke("member", "add", "Ben", "--role", "chair")
    assert result.exit_code == 0, result.output

    listing = flat(invoke("member", "list").stdout)
    assert "Ann Example" in listing and "Independent Adviser" in listing
    assert "slack:U1, telegram:55" in listing
    assert "Ben" in listing and "Chair" in listing

    result = invoke("channel", "set", "panel", "--id", "slack:C1")
    assert result.exit_code == 0, result.output
    assert flat(result.stdout) == "panel is now slack:C1."
    assert flat(invoke("channel", "list").stdout) == "panel: slack:C1"

    result = invoke("member", "remove", "Ann Example")
    assert result.exit_code == 0, result.output
    assert flat(result.stdout) == "Removed Ann Example (Independent Adviser) from the panel."
    listing = flat(invoke("member", "list").stdout)
    assert "Ann Example" not in listing and "Ben" in listing


def test_member_add_refuses_an_unknown_role_listing_the_valid_ones_and_changes_nothing(db: Path) -> None:
    assert invoke("member", "add", "Ben", "--role", "chair").exit_code == 0
    before = invoke("member", "list").stdout

    result = invoke("member", "add", "Zed", "--role", "wizard")
    roles = [r.id for r in load_preset("salford").roles]
    assert_refused(result, '"wizard" is not a role', *roles)

    assert invoke("member", "list").stdout == before


def test_member_add_refuses_an_unknown_platform_listing_the_valid_ones_and_changes_nothing(db: Path) -> None:
    assert invoke("member", "add", "Ben", "--role", "chair").exit_code == 0
    before = invoke("member", "list").stdout

    result = invoke("member", "add", "Zed", "--role", "deputy_chair", "--id", "slack:U9", "--id", "myspace:42")
    assert_refused(result, '"myspace" is not a platform', "slack", "teams", "telegram")

    assert invoke("member", "list").stdout == before
    # slack:U9 was not half-saved either: a later member may take it.
    assert invoke("member", "add", "Cat", "--role", "deputy_chair", "--id", "slack:U9").exit_code == 0


def test_channel_set_refuses_an_unknown_platform(db: Path) -> None:
    assert_refused(invoke("channel", "set", "panel", "--id", "myspace:C1"), '"myspace" is not a platform', "slack")
    assert "No channels are set yet." in flat(invoke("channel", "list").stdout)


def test_member_remove_of_someone_not_on_the_panel(db: Path) -> None:
    assert_refused(invoke("member", "remove", "Nobody"), '"Nobody"', "member list")


# Reading the record --------------------------------------------------------------------------------------------


def test_status_and_overdue_on_an_empty_database(db: Path) -> None:
    result = invoke("status")
    assert result.exit_code == 0, result.output
    assert flat(result.stdout) == "No open referrals."
    result = invoke("overdue")
    assert result.exit_code == 0, result.output
    assert flat(result.stdout) == "Nothing is overdue."


# Database and audit --------------------------------------------------------------------------------------------


def _file_and_vote(path: Path) -> str:
    """A referral with two votes, written through the service into the CLI's SQLite file."""

    async def go() -> str:
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        try:
            clock = lambda: datetime(2026, 11, 23, 10, 12, tzinfo=UTC)  # noqa: E731
            panel = await open_panel(engine, load_preset("salford"), clock=clock)
            op = Actor.operator()
            for name, role in [("Ann", "independent_adviser"), ("Ben", "chair"), ("Dee", "business_manager")]:
                await panel.add_member(actor=op, name=name, role=role)
            ref = await panel.file_referral(actor=op, draft=ReferralDraft(
                referral_type="rapid_review", referrer="Children's Social Care", category="young_person",
                letter="C", summary="Unexplained bruising seen at school."))
            for name in ("Ann", "Ben"):
                await panel.vote(actor=await panel.actor_named(name), reference=ref, outcome="commence_rapid_review")
            return ref
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_db_upgrade_then_audit_verify(db: Path) -> None:
    result = invoke("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "Database upgraded from empty to migration" in flat(result.stdout)
    result = invoke("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "already up to date" in flat(result.stdout)

    result = invoke("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "Audit log verified" in flat(result.stdout)


def test_audit_verify_catches_an_edited_audit_entry(db: Path) -> None:
    assert invoke("db", "upgrade").exit_code == 0
    _file_and_vote(db)
    result = invoke("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "Audit log verified" in flat(result.stdout)

    with sqlite3.connect(db) as conn:
        seq, action = conn.execute(
            "SELECT seq, action FROM audit_log WHERE action = 'member_added' ORDER BY seq LIMIT 1"
        ).fetchone()
        conn.execute(
            "UPDATE audit_log SET payload = ? WHERE seq = ?",
            (json.dumps({"name": "Mallory", "role": "chair", "ids": []}), seq),
        )

    result = invoke("audit", "verify")
    said = assert_refused(result, f"Audit entry {seq} ({action}) was altered", "does NOT verify")
    assert "Audit log verified" not in said


def test_audit_verify_catches_a_vote_changed_in_the_votes_table(db: Path) -> None:
    assert invoke("db", "upgrade").exit_code == 0
    _file_and_vote(db)
    with sqlite3.connect(db) as conn:
        (vote_id,) = conn.execute("SELECT id FROM votes ORDER BY id LIMIT 1").fetchone()
        conn.execute("UPDATE votes SET outcome = 'neither_threshold' WHERE id = ?", (vote_id,))

    assert_refused(invoke("audit", "verify"), f"Vote {vote_id} was changed after it was recorded", "does NOT verify")


def test_audit_verify_catches_a_deleted_vote(db: Path) -> None:
    assert invoke("db", "upgrade").exit_code == 0
    _file_and_vote(db)
    with sqlite3.connect(db) as conn:
        (vote_id,) = conn.execute("SELECT max(id) FROM votes").fetchone()
        conn.execute("DELETE FROM votes WHERE id = ?", (vote_id,))

    assert_refused(invoke("audit", "verify"), f"Vote {vote_id}", "missing from the votes table")


@pytest.mark.skipif(not PG_URL, reason="PANELBOT_TEST_DATABASE_URL is not set to a PostgreSQL URL")
def test_unmigrated_postgresql_schema_is_refused_until_db_upgrade(monkeypatch: pytest.MonkeyPatch) -> None:
    schema = f"cli_{uuid.uuid4().hex[:12]}"
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})

    async def admin(sql: str) -> None:
        engine = make_engine(PG_URL)
        try:
            async with engine.begin() as conn:
                await conn.execute(text(sql))
        finally:
            await engine.dispose()

    async def search_path() -> str:
        engine = make_engine(url.render_as_string(hide_password=False))
        try:
            async with engine.connect() as conn:
                return str((await conn.execute(text("SHOW search_path"))).scalar())
        finally:
            await engine.dispose()

    asyncio.run(admin(f'CREATE SCHEMA "{schema}"'))
    try:
        # The URL's options reach the server through storage.db.make_engine.
        assert asyncio.run(search_path()).strip('"') == schema
        monkeypatch.setenv("PANELBOT_DATABASE_URL", url.render_as_string(hide_password=False))

        for command in (["member", "list"], ["status"], ["overdue"], ["audit", "verify"],
                        ["member", "add", "Ann", "--role", "chair"]):
            assert_refused(invoke(*command), "panelbot db upgrade")

        result = invoke("db", "upgrade")
        assert result.exit_code == 0, result.output
        assert "Database upgraded from empty" in flat(result.stdout)
        assert invoke("member", "add", "Ann", "--role", "chair").exit_code == 0
        assert "Ann" in flat(invoke("member", "list").stdout)
        assert flat(invoke("status").stdout) == "No open referrals."
        assert invoke("audit", "verify").exit_code == 0
    finally:
        asyncio.run(admin(f'DROP SCHEMA "{schema}" CASCADE'))


# `panelbot demo` -----------------------------------------------------------------------------------------------


def test_demo_tells_the_story_and_leaves_nothing_behind(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    result = invoke("demo")
    assert result.exit_code == 0, result.output
    said = flat(result.stdout)
    assert "Decided: Commence rapid review" in said
    assert "tied" in said
    assert "Still needed: Police" in said
    assert "PRACTICE · SAL-2026-001 · Young Person" in said  # a temporary practice database, and its cards say so
    assert "Traceback" not in result.output

    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"], "the demo left files in the working directory"
    assert not list(scratch.glob("panelbot-demo-*")), "the demo left its temporary directory behind"
    assert not list(scratch.iterdir())


# Secrets -------------------------------------------------------------------------------------------------------


def test_settings_never_show_a_token_or_a_database_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret-token")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:telegram-secret")
    monkeypatch.setenv("PANELBOT_DATABASE_URL", "postgresql+psycopg://panelbot:hunter2pass@db.internal:5432/panel")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]

    assert settings.slack.bot_token is not None
    assert settings.slack.bot_token.get_secret_value() == "xoxb-very-secret-token"
    assert "hunter2pass" in settings.database_url.get_secret_value()
    for shown in (repr(settings), str(settings), settings.model_dump_json(), str(settings.model_dump())):
        assert "xoxb-very-secret-token" not in shown
        assert "telegram-secret" not in shown
        assert "hunter2pass" not in shown
    assert settings.platform_tokens_set == ["slack", "telegram"]


def test_database_error_does_not_echo_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    # Port 1 on this machine refuses at once; the message must not repeat the URL's password.
    monkeypatch.setenv("PANELBOT_DATABASE_URL", "postgresql+psycopg://panelbot:hunter2pass@127.0.0.1:1/panel")
    said = assert_refused(invoke("member", "list"), "Could not use the database", "PANELBOT_DATABASE_URL")
    assert "hunter2pass" not in said


def test_an_invalid_setting_is_named_without_a_traceback(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    monkeypatch.setenv("PANELBOT_HTTP_PORT", "eighty")
    assert_refused(invoke("status"), "PANELBOT_HTTP_PORT")
