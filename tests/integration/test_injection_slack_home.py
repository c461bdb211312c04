"""Slack's App Home shows text people typed (a member's name, set by the BM) as the text it is: it can
neither notify anyone nor format. The same check as tests/unit/test_injection.py, on a view read from a
panel on the test database."""

from __future__ import annotations

from test_injection import assert_slack_safe, slack_texts


async def test_slack_home_escapes_what_it_shows(make_panel) -> None:  # type: ignore[no-untyped-def]
    """App Home shows the member's own name (set by the BM, from anywhere) in mrkdwn."""
    from bot.service import Actor
    from bot.slack.home import home_view

    panel = await make_panel("salford")
    actor = Actor(member_id=1, name="<!channel> @here", role="chair")
    view = await home_view(panel, actor, "U0123")
    for text in slack_texts(view["blocks"]):
        assert_slack_safe(text, "")
    assert any("You are &lt;!channel&gt; @\u2060here, Chair" in t for t in slack_texts(view["blocks"]))

