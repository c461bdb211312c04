"""App Home: the business manager's view of the panel (open referrals, what each waits for, what is overdue),
in the shared wording of `bot.commands`. Members see the same lists; people not on the panel are told so."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block, DividerBlock, HeaderBlock, PlainTextObject
from slack_sdk.models.views import View

from bot.commands import overdue_lines, status_lines, wording
from bot.service import Actor, Panel
from bot.slack.blocks import HOME_NEW, button, capped, cut, sections

HOME_BLOCKS_MAX = 100


def not_member_line(user_id: str) -> str:
    return wording.not_member(wording.SLACK, user_id)


async def home_view(panel: Panel, actor: Actor | None, user_id: str) -> dict:
    p = panel.preset
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=cut(f"Panelbot · {p.name}", 150)))]
    if actor is None:
        blocks += sections([not_member_line(user_id)])
        return View(type="home", blocks=capped(blocks, HOME_BLOCKS_MAX)).to_dict()
    blocks += sections([f"You are {actor.name}, {p.role_label(actor.role)}. As of {panel.fmt(panel.now())} (UK time)."])
    if actor.is_bm:
        blocks.append(ActionsBlock(block_id="home", elements=[button("File a referral", HOME_NEW, "new", "primary")]))
    blocks += [DividerBlock(), HeaderBlock(text=PlainTextObject(text="Open referrals"))]
    blocks += sections(await status_lines(panel, None))
    blocks += [DividerBlock(), HeaderBlock(text=PlainTextObject(text="Overdue"))]
    blocks += sections(await overdue_lines(panel))
    blocks += sections(["Type `/panel help` in any channel for the commands."])
    return View(type="home", blocks=capped(blocks, HOME_BLOCKS_MAX)).to_dict()
