"""The report in Slack (issue 8): `/panel report [PERIOD]` answers privately in a few lines, then posts its two
PNG charts where the command was run (the channel, or the direct message with the app) with files_upload_v2:
files.getUploadURLExternal, the bytes to the upload URL, files.completeUploadExternal. A failed upload is
told to the person in one sentence. The outbox adapter uploads `Outgoing.files` after the message."""

from __future__ import annotations

from slack_fake import PANEL_CHANNEL, Harness
from test_slack_voting import file_referral, salford

from bot.commands import run
from bot.notify import Outgoing
from bot.service import Actor

PNG = b"\x89PNG\r\n\x1a\n"
CHARTS = ["referrals-per-month.png", "timeliness.png"]
TITLES = ["Referrals per month", "Timeliness"]


async def core_charts(h: Harness, text: str) -> tuple[tuple[str, bytes], ...]:
    """The charts the shared command makes for the business manager (what every platform is handed)."""
    bm = await h.panel.actor_for("slack", "U0BM")
    assert bm is not None
    return (await run(h.panel, bm, text)).files


async def test_the_report_answers_privately_then_posts_its_charts_in_the_channel(slack) -> None:
    h = await salford(slack)
    await file_referral(h)
    before = len(h.fake.calls)
    await h.slash("U0ADV", "report 2026/27")  # a panel member: reports are not only for the business manager
    assert "Referrals received: 1." in h.said_to("U0ADV")

    (shared,) = [m for m in h.fake.in_channel(PANEL_CHANNEL) if m.files]  # one message with both charts
    assert [f.name for f in shared.files] == CHARTS
    assert [f.title for f in shared.files] == TITLES
    for f in shared.files:
        assert f.content is not None and f.content.startswith(PNG) and len(f.content) == f.length
    assert [f.content for f in shared.files] == [data for _, data in await core_charts(h, "report 2026/27")]

    # After the text answer, the way files_upload_v2 does it: a URL per file, the bytes, one completion.
    methods = [c.method for c in h.fake.calls[before:]]
    assert methods == [
        "response_url",
        "files.getUploadURLExternal",
        "files.getUploadURLExternal",
        "upload_url",
        "upload_url",
        "files.completeUploadExternal",
    ]
    (complete,) = h.fake.called("files.completeUploadExternal")
    assert complete.args["channel_id"] == PANEL_CHANNEL


async def test_in_the_direct_message_the_charts_go_to_the_direct_message(slack) -> None:
    h = await salford(slack)
    await h.slash("U0BM", "report 2026-Q3", channel="DU0BMAPP")
    assert "Referrals received: 0." in h.said_to("U0BM")
    assert [f.name for f in h.fake.shared("DU0BMAPP")] == CHARTS
    assert h.fake.shared(PANEL_CHANNEL) == []


async def test_a_channel_the_bot_is_not_in_gets_the_figures_and_one_sentence_about_the_charts(slack) -> None:
    h = await salford(slack)
    await h.slash("U0BM", "report", channel="C0NOTIN1")
    said = h.fake.said_to("U0BM")
    assert "Referrals received: 0." in said[-2]  # the figures first
    assert said[-1] == (
        "The charts could not be posted here (Slack answered not_in_channel): invite me with /invite @Panelbot, "
        "or run the command in your direct messages with Panelbot."
    )
    assert h.fake.shared("C0NOTIN1") == []


async def test_a_failed_upload_is_told_in_one_sentence_and_the_bot_carries_on(slack) -> None:
    h = await salford(slack)
    h.fake.fail("upload_url", 500)
    await h.slash("U0BM", "report")
    assert h.said_to("U0BM") == (
        "The charts could not be posted (Slack refused the upload); the figures above are complete, so try again later."
    )
    h.fake.fail("files.completeUploadExternal", 200, error="internal_error")
    await h.slash("U0BM", "report")
    assert h.said_to("U0BM") == (
        "The charts could not be posted (Slack answered internal_error); the figures above are complete, so try "
        "again later."
    )
    assert h.fake.shared(PANEL_CHANNEL) == []
    assert not any("Something went wrong" in s for s in h.fake.said_to("U0BM"))

    await h.slash("U0BM", "report")  # Slack is fine again: the next report's charts are posted
    assert [f.name for f in h.fake.shared(PANEL_CHANNEL)] == CHARTS


async def test_no_charts_for_people_not_on_the_panel(slack) -> None:
    h = await salford(slack)
    await h.slash("U0STRANGER", "report")
    assert "You are not on this partnership's panel" in h.said_to("U0STRANGER")
    assert not h.fake.called("files.getUploadURLExternal")


async def test_the_outbox_adapter_uploads_a_messages_files_after_it_in_the_same_place(slack) -> None:
    h = await salford(slack)
    await h.panel.set_channel(actor=Actor.operator(), purpose="bm", platform_id="slack:C0DESK")
    charts = await core_charts(h, "report")
    message = Outgoing(kind="notice", purpose="bm", text="The **quarterly report** is ready.", files=charts)

    ts = await h.bot.adapter.deliver("C0DESK", message, None)
    text, shared = h.fake.in_channel("C0DESK")
    assert text.ts == ts and text.shown == "The quarterly report is ready." and text.files == []
    assert [f.name for f in shared.files] == CHARTS and [f.content for f in shared.files] == [d for _, d in charts]

    await h.bot.adapter.deliver("U0BM", message, None)  # to a person: their direct message with the app
    assert [f.title for f in h.fake.shared("DU0BM")] == TITLES

    # The message is out, so a failed upload is not retried (that would post it twice): a note says so.
    h.fake.fail("files.completeUploadExternal", 200, error="internal_error")
    await h.bot.adapter.deliver("C0DESK", message, None)
    *_, again, note = h.fake.in_channel("C0DESK")
    assert again.shown == "The quarterly report is ready."
    assert note.shown == "2 files meant for the message above could not be attached (internal_error)."
