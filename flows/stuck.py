"""Nothing stuck in silence: when to tell the business manager that messages cannot reach a target, and what
to say. Pure rules; `bot/service/stuck.py` gathers the outbox rows and queues what this decides.

A target is one purpose (`panel`, `bm`, `agency:NAME`, `agency:NAME:lead`, `member:ID`) on one platform: the
outbox records each failed delivery in a row's `last_error` as "platform: what went wrong", one part per
platform, so that is as fine as the record goes. A target is stuck when a message for it has waited longer
than `stuck_after` (PANELBOT_STUCK_AFTER) because the platform refused it or could not be reached; a message
only waiting for a rate limit is not stuck (it goes when the platform says).

The business manager is told once per stuck target, and again once a day while it lasts (never twice on one
UK day: the service records each notice under the unique key (target, day)). A target that recovers and gets
stuck again later is a new episode, told again (from the next day, if already told today). The notice says
which target, in words, since when (UK time), how many messages, and what to do, derived from the kind of
error recorded; never a message's text. The business manager's own channel is never told about itself (that
message could not arrive): it is a WARNING in the log instead, and `/healthz` says degraded.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flows.calendar import WorkingCalendar
from flows.views import plural

STUCK_AFTER = timedelta(minutes=15)  # the default of PANELBOT_STUCK_AFTER
TELL_AGAIN_AFTER = timedelta(days=1)  # while a target stays stuck, the business manager is told again this often

PLATFORM_NAMES = {"slack": "Slack", "telegram": "Telegram", "teams": "Teams"}
_SEGMENT = re.compile(r"([a-z][a-z0-9_-]*): (.+)")


@dataclass(frozen=True)
class Target:
    purpose: str
    platform: str


@dataclass(frozen=True)
class Failure:
    """One undelivered outbox row's last failure on one platform."""

    target: Target
    created_at: datetime
    error: str  # as recorded, without the platform: "TelegramRefused: chat not found", "HTTP 503", "unreachable"


@dataclass(frozen=True)
class Stuck:
    """A target with messages waiting longer than the limit."""

    target: Target
    since: datetime  # when the oldest message waiting for it was queued
    waiting: int  # how many messages wait for it
    problems: tuple[str, ...]  # the kinds of failure recorded (`problem_of`), most frequent first


@dataclass(frozen=True)
class Notice:
    """What to tell, and under which key. `to_bm` False: the target is the business manager's own channel, so
    the notice is a WARNING in the log instead of a message."""

    target: Target
    day: date  # the UK day it is told on: told at most once per (target, day)
    to_bm: bool
    again: bool  # told before about this same episode
    headline: str
    text: str


def failures(purpose: str, created_at: datetime, last_error: str | None) -> list[Failure]:
    """The failures a row's `last_error` records, one per platform, leaving out waits for a rate limit."""
    found: dict[str, Failure] = {}
    for part in (last_error or "").split("; "):
        match = _SEGMENT.fullmatch(part.strip())
        if match is None:
            continue  # "waiting: the platform asked for a pause (rate limit)" has no platform; nor does junk
        platform, error = match.groups()
        if platform == "waiting" or problem_of(error) == "rate_limited":
            continue
        found.setdefault(platform, Failure(Target(purpose, platform), created_at, error))
    return list(found.values())


def problem_of(error: str) -> str:
    """The kind of failure a recorded error is, which says what to do about it."""
    e = error.lower()
    if "retrylater" in e or "rate limit" in e:
        return "rate_limited"
    if e.startswith("not tried, the platform was down") or e in ("timed out", "unreachable", "unavailable"):
        return "platform_down"
    if e.startswith("unreachable or failing") or re.fullmatch(r"http 5\d\d", e):
        return "platform_down"
    if "chat not found" in e or "can't initiate conversation" in e:
        return "no_chat"
    if "blocked by the user" in e:
        return "blocked"
    if "kicked" in e or "not a member" in e or "not_in_channel" in e:
        return "not_in_channel"
    if "rights" in e or "chat_write_forbidden" in e or "restricted_action" in e:
        return "no_rights"
    if "deactivated" in e or "user_not_found" in e or "user_disabled" in e or "cannot_dm_bot" in e:
        return "no_account"
    if "channel_not_found" in e or "http 404" in e:
        return "no_channel"
    if "is_archived" in e:
        return "archived"
    if any(w in e for w in ("invalid_auth", "token_revoked", "not_authed", "account_inactive", "http 401")):
        return "credentials"
    if "missing_scope" in e:
        return "scope"
    if "no teams conversation" in e:
        return "no_conversation"
    if "http 403" in e or e.startswith("forbidden"):
        return "not_in_channel"
    return "other"


def stuck_targets(rows: Iterable[Failure], now: datetime, stuck_after: timedelta) -> list[Stuck]:
    """The targets whose oldest failing message has waited longer than `stuck_after`, oldest first."""
    by_target: dict[Target, list[Failure]] = {}
    for failure in rows:
        by_target.setdefault(failure.target, []).append(failure)
    out = []
    for target, found in by_target.items():
        since = min(f.created_at for f in found)
        if now - since < stuck_after:
            continue
        counts: dict[str, int] = {}
        for f in found:
            kind = problem_of(f.error)
            counts[kind] = counts.get(kind, 0) + 1
        problems = tuple(sorted(counts, key=lambda k: (-counts[k], k)))
        out.append(Stuck(target, since, len(found), problems))
    return sorted(out, key=lambda s: (s.since, s.target.purpose, s.target.platform))


def notices(
    stuck: Iterable[Stuck],
    last_told: Mapping[Target, datetime],
    now: datetime,
    cal: WorkingCalendar,
    names: Mapping[str, str],
    personal: Collection[Target] = (),
) -> list[Notice]:
    """What to tell now. `last_told`: when each target was last told about (any day); `names`: purposes in
    words ("member:7" -> "Pat (police)", "agency:police" -> "Police"); `personal`: the channels that are one
    person's chat (a Telegram chat with a person, a Slack user id), whose fix is that person's to make. A
    target is told when it was never told about this episode (not since its oldest waiting message), or when
    it was last told a day ago or more."""
    day = cal.local(now).date()
    out = []
    for s in stuck:
        told = last_told.get(s.target)
        again = told is not None and told >= s.since
        if again and told is not None and now - told < TELL_AGAIN_AFTER:
            continue
        headline, text = words(s, cal, names, again=again, personal=s.target in personal)
        out.append(Notice(s.target, day, s.target.purpose != "bm", again, headline, text))
    return out


def platform_name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform.capitalize())


def target_words(target: Target, names: Mapping[str, str]) -> str:
    """The target as the business manager would say it: "the Telegram chat of agency:police (Police)", "Pat
    (police) on Telegram"."""
    platform = platform_name(target.platform)
    place = {"slack": "Slack channel", "telegram": "Telegram chat", "teams": "Teams channel"}.get(
        target.platform, f"{platform} channel"
    )
    purpose = target.purpose
    if purpose.startswith("member:"):
        return f"{names.get(purpose, 'a panel member')} on {platform}"
    if purpose == "panel":
        return f"the panel's {place}"
    if purpose == "bm":
        return f"the business manager's {place}"
    label = names.get(purpose)
    return f"the {place} of {purpose} ({label})" if label else f"the {place} of {purpose}"


def _who(target: Target, names: Mapping[str, str]) -> str:
    """Who is at the other end, for the advice: a person's name, an agency's label."""
    if target.purpose.startswith("member:"):
        name = names.get(target.purpose, "")
        return name.split(" (")[0] if name else "the member"
    return names.get(target.purpose) or target.purpose


def advice(problem: str, target: Target, names: Mapping[str, str], *, personal: bool = False) -> str:
    """What to do about one kind of failure, in one sentence. `personal`: the address is one person's chat."""
    platform = platform_name(target.platform)
    who = _who(target, names)
    member = target.purpose.startswith("member:")
    personal = personal or member
    set_again = (
        f"check their {platform} id with `panelbot member list`"
        if member
        else f"set the right one with `panelbot channel set {target.purpose} --id {target.platform}:ID`"
    )
    if problem == "platform_down":
        return (
            f"{platform} itself could not be reached (down, or the server's connection to it is failing): there "
            f"is nothing to change in chat, but if it lasts ask IT to check the connection to {platform}."
        )
    if problem == "no_chat":
        if target.platform == "telegram" and personal:
            return (
                f"{who} has never pressed Start on the Telegram bot (or the id is wrong): ask {who} to open a "
                f"chat with the bot in Telegram and press Start, or {set_again}."
            )
        if target.platform == "telegram":
            return (
                f"the bot is not in that Telegram group, or the chat id is wrong: add the bot to the group, "
                f"or {set_again}."
            )
        return f"{platform} does not know that address: {set_again}."
    if problem == "blocked":
        return f"{who} has blocked the {platform} bot: ask {who} to open the bot and press Restart (or unblock it)."
    if problem == "not_in_channel":
        if personal:
            return f"the bot cannot write to {who} on {platform}: ask {who} to open a chat with the bot."
        if target.platform == "slack":
            return "invite the bot to the channel (type /invite @Panelbot in it)."
        return f"the bot is not a member of that {platform} chat any more: add the bot to it again."
    if problem == "no_rights":
        return f"the bot may not post in that {platform} chat: allow it to post (make it an administrator)."
    if problem == "no_account":
        return f"that {platform} account is deactivated or does not exist: {set_again}."
    if problem == "no_channel":
        return f"{platform} cannot find that channel (or the bot cannot see it): {set_again}, or invite the bot."
    if problem == "archived":
        return f"the {platform} channel is archived: unarchive it, or {set_again}."
    if problem == "credentials":
        return f"{platform} refused the bot's credentials: check them with `panelbot doctor`."
    if problem == "scope":
        return f"the {platform} app lacks a permission it needs: reinstall it with the scopes `panelbot doctor` names."
    if problem == "no_conversation":
        return (
            f"{who} has not opened a chat with the bot in Teams yet: ask {who} to add the app and send it any "
            "message."
        )
    return "`panelbot outbox list` shows the error each message got."


def words(
    s: Stuck, cal: WorkingCalendar, names: Mapping[str, str], *, again: bool = False, personal: bool = False
) -> tuple[str, str]:
    """The notice's headline and text. Never a message's text: only where, since when, how many, what to do."""
    where = target_words(s.target, names)
    headline = "Messages still not getting through" if again else "Messages not getting through"
    one = s.waiting == 1
    todo = list(dict.fromkeys(advice(p, s.target, names, personal=personal) for p in s.problems))
    first, *rest = todo
    what = first[0].upper() + first[1:]
    if rest:
        what += " Also: " + " ".join(rest)
    text = (
        f"{plural(s.waiting, 'message')} for {where} {'is' if one else 'are'} waiting since {cal.format(s.since)} "
        f"(UK time): the bot cannot deliver {'it' if one else 'them'}. {what} Once that is put right "
        f"{'it goes' if one else 'they go'} out by {'itself' if one else 'themselves'} (`panelbot outbox retry` "
        f"sends {'it' if one else 'them'} at once)."
    )
    return headline, text
