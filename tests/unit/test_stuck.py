"""Nothing stuck in silence (issue 22, point 4): the pure rule of when the business manager is told that
messages cannot reach a target, and what they are told (flows/stuck.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flows.calendar import WorkingCalendar
from flows.stuck import Failure, Stuck, Target, failures, notices, problem_of, stuck_targets, words

CAL = WorkingCalendar()
T0 = datetime(2026, 11, 23, 10, 12, tzinfo=UTC)  # Mon 23 Nov 2026, 10:12 UK time
LIMIT = timedelta(minutes=15)
POLICE = Target("agency:police", "telegram")
NAMES = {"agency:police": "Police", "member:7": "Pat (police)"}


def test_a_rows_last_error_gives_one_failure_per_platform_and_leaves_rate_limits_out() -> None:
    found = failures("panel", T0, "slack: SlackError: not_in_channel; telegram: TelegramRefused: chat not found")
    assert [(f.target, f.error) for f in found] == [
        (Target("panel", "slack"), "SlackError: not_in_channel"),
        (Target("panel", "telegram"), "TelegramRefused: chat not found"),
    ]
    assert failures("panel", T0, "slack: RetryLater") == []
    assert failures("panel", T0, "slack: RetryLater: waiting as the platform asked") == []
    assert failures("panel", T0, "waiting: the platform asked for a pause (rate limit)") == []
    assert failures("panel", T0, None) == []


def test_the_kind_of_failure_comes_from_the_recorded_error() -> None:
    assert problem_of("TelegramRefused: chat not found") == "no_chat"
    assert problem_of("TelegramRefused: bot was blocked by the user") == "blocked"
    assert problem_of("SlackError: not_in_channel") == "not_in_channel"
    assert problem_of("SlackError: channel_not_found") == "no_channel"
    assert problem_of("SlackError: is_archived") == "archived"
    assert problem_of("SlackError: invalid_auth") == "credentials"
    assert problem_of("HTTP 503") == "platform_down"
    assert problem_of("unreachable") == "platform_down"
    assert problem_of("not tried, the platform was down (timed out)") == "platform_down"
    assert problem_of("Unreachable: no Teams conversation is known for '29:abc' yet") == "no_conversation"
    assert problem_of("ValueError") == "other"


def test_a_target_is_stuck_once_its_oldest_failing_message_has_waited_longer_than_the_limit() -> None:
    rows = [Failure(POLICE, T0, "TelegramRefused: chat not found"),
            Failure(POLICE, T0 + timedelta(minutes=5), "TelegramRefused: chat not found"),
            Failure(Target("panel", "slack"), T0 + timedelta(minutes=10), "SlackError: not_in_channel")]
    assert stuck_targets(rows, T0 + timedelta(minutes=14), LIMIT) == []
    [police] = stuck_targets(rows, T0 + timedelta(minutes=20), LIMIT)
    assert police == Stuck(POLICE, since=T0, waiting=2, problems=("no_chat",))
    assert len(stuck_targets(rows, T0 + timedelta(minutes=25), LIMIT)) == 2
    assert stuck_targets(rows, T0 + timedelta(minutes=20), timedelta(hours=1)) == []  # PANELBOT_STUCK_AFTER=60


def test_told_once_then_again_a_day_later_while_it_lasts() -> None:
    stuck = [Stuck(POLICE, since=T0, waiting=3, problems=("no_chat",))]
    now = T0 + timedelta(minutes=20)
    [first] = notices(stuck, {}, now, CAL, NAMES)
    assert first.to_bm and not first.again and first.day.isoformat() == "2026-11-23"
    assert notices(stuck, {POLICE: now}, now + timedelta(minutes=2), CAL, NAMES) == []  # the next sweep
    assert notices(stuck, {POLICE: now}, now + timedelta(hours=23), CAL, NAMES) == []  # not twice in a day
    [again] = notices(stuck, {POLICE: now}, now + timedelta(days=1), CAL, NAMES)
    assert again.again and again.day.isoformat() == "2026-11-24"
    assert again.headline == "Messages still not getting through"


def test_a_target_that_recovered_and_is_stuck_again_is_a_new_episode() -> None:
    told = {POLICE: T0 + timedelta(minutes=20)}
    later = Stuck(POLICE, since=T0 + timedelta(hours=3), waiting=1, problems=("no_chat",))
    [notice] = notices([later], told, T0 + timedelta(hours=4), CAL, NAMES)
    assert not notice.again and notice.headline == "Messages not getting through"


def test_the_notice_says_where_since_when_how_many_and_what_to_do() -> None:
    stuck = Stuck(POLICE, since=T0, waiting=3, problems=("no_chat",))
    [notice] = notices([stuck], {}, T0 + timedelta(minutes=20), CAL, NAMES, personal={POLICE})
    assert notice.text.startswith(
        "3 messages for the Telegram chat of agency:police (Police) are waiting since Mon 23 Nov 2026, 10:12 "
        "(UK time): the bot cannot deliver them. Police has never pressed Start on the Telegram bot"
    )
    assert "`panelbot outbox retry`" in notice.text


def test_what_to_do_follows_the_error() -> None:
    def said(target: Target, *problems: str, personal: bool = False) -> str:
        return words(Stuck(target, T0, 1, problems), CAL, NAMES, personal=personal)[1]

    assert "Pat (police) on Telegram" in said(Target("member:7", "telegram"), "no_chat")
    assert "Pat has never pressed Start on the Telegram bot" in said(Target("member:7", "telegram"), "no_chat")
    group = said(Target("agency:police", "telegram"), "no_chat")
    assert "add the bot to the group" in group and "panelbot channel set agency:police --id telegram:ID" in group
    assert "Invite the bot to the channel" in said(Target("panel", "slack"), "not_in_channel")
    assert "the panel's Slack channel" in said(Target("panel", "slack"), "not_in_channel")
    assert "Pat has blocked the Telegram bot" in said(Target("member:7", "telegram"), "blocked")
    assert "Slack itself could not be reached" in said(Target("panel", "slack"), "platform_down")
    assert "has not opened a chat with the bot in Teams" in said(Target("member:7", "teams"), "no_conversation")
    both = said(Target("panel", "slack"), "not_in_channel", "platform_down")
    assert "Invite the bot" in both and "Also: Slack itself could not be reached" in both
    assert "1 message for the panel's Slack channel is waiting" in both


def test_the_business_managers_own_channel_is_never_told_about_itself() -> None:
    bm = Target("bm", "telegram")
    [notice] = notices([Stuck(bm, T0, 2, ("no_chat",))], {}, T0 + timedelta(minutes=20), CAL, NAMES)
    assert not notice.to_bm
    assert "the business manager's Telegram chat" in notice.text
