"""The pages a signed email link opens, on the bot's own web server: `/email/return/TOKEN` (mark an information
request's return as made) and `/email/vote/TOKEN` (vote on a referral, or recuse).

Mail security gateways (Defender Safe Links, Mimecast, Proofpoint) open every link in a message before the
person does, and some run the page's scripts. So:

* `GET` and `HEAD` only show a page; they never change anything.
* Only a `POST` of the page's own form acts. The form carries a key (`Links.page_key`: an HMAC, with the link
  secret, of the link's token, the time the page was shown and a nonce drawn for it), so a form this bot did
  not serve for this very link, or served more than `PAGE_LIFETIME` ago, changes nothing.
* The pages have no JavaScript at all (nothing submits the form by itself) and load nothing from elsewhere:
  the styles are inline and allowed by their hash in the `Content-Security-Policy`.
* A link names the address it was sent to only by an opaque key (`bot.email.links`): the page finds which
  of the agency's or member's current addresses it was made for (`Panel.return_link`, `Panel.ballot_link`),
  and an address since taken off matches none, so the link is refused.
* What a press does is decided by the command every platform runs (`mark_returned`, `vote`, `recuse`), given
  where the press came from (`Origin.email_link` with the address found, the ballot's id): the shared layer
  checks the address may still act. The confirmation is rendered only after that command has committed.

The token is never logged: log lines name the route's pattern (`/email/return/{token}`), and the access log
writes `/email/return/TOKEN` (`bot.server.RedactedAccessLogger`).

`add_page_routes(app, panel, links)` mounts the routes. Until the email platform (`bot/email/platform.py`)
mounts them from its `add_routes`, `bot.app.serve` calls it for every bot.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from bot.email.links import LinkExpired, LinkRefused, Links, StalePage
from bot.http_guard import read_body, refuse, text_of, utf8_charset
from bot.server import database_ok
from bot.service import Actor, Panel
from flows.errors import InvalidInput, NotAllowed, NotFound, PanelError, WrongState
from flows.returns import Origin
from flows.views import card_lines

log = logging.getLogger(__name__)

ROUTE = "Email page"
PAGE_MAX_BODY = 32 * 1024  # the vote form: a reason of REASON_MAX characters (up to 4 bytes each), and little else
REASON_MAX = 4000  # as the chat platforms' reason box
TEMPLATES = Path(__file__).parent / "templates" / "pages"
CSS = (TEMPLATES / "page.css").read_text(encoding="utf-8")
CSS_HASH = "sha256-" + base64.b64encode(hashlib.sha256(CSS.encode("utf-8")).digest()).decode("ascii")
HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'none'; style-src '{CSS_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
STATUS = {NotAllowed: 403, NotFound: 404, WrongState: 409, InvalidInput: 400}
DOWN = "The panel's database is not reachable just now. Please try again in a few minutes; nothing was changed."
UNREADABLE = "This page could not read what was sent. Please open the link in your email again; nothing was changed."

_BOLD = re.compile(r"\*\*(.+?)\*\*")


def bold(text: str) -> Markup:
    """A line of the shared wording, escaped, with its **bold** as <strong> (typed text cannot make any:
    `flows.views.literal`)."""
    return Markup(_BOLD.sub(r"<strong>\1</strong>", str(escape(text))))


_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined)
_env.filters["bold"] = bold


@dataclass(frozen=True)
class PageForm:
    issued: int
    nonce: str
    key: str


def render(panel: Panel, template: str, *, status: int = 200, **values: Any) -> web.Response:
    values.setdefault("note", None)
    values.setdefault("note_kind", "")
    html = _env.get_template(template).render(css=Markup(CSS), partnership=panel.preset.name, **values)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8", headers=HEADERS)


def sentence(panel: Panel, title: str, text: str, *, status: int, kind: str = "refused") -> web.Response:
    return render(panel, "message.html", status=status, title=title, note=text, note_kind=kind)


class Pages:
    """The two pages of one panel, signed and checked with one bot's `Links`."""

    def __init__(self, panel: Panel, links: Links) -> None:
        self.panel = panel
        self.links = links

    # What every request goes through ------------------------------------------------------------------
    def claim(self, action: str, request: web.Request) -> Any:
        """What the link is for; LinkRefused otherwise (`refused` turns it into a page)."""
        return self.links.read(action, request.match_info["token"], self.panel.now())

    def refused(self, exc: LinkRefused, action: str) -> web.Response:
        if isinstance(exc, StalePage):
            log.info("%s: refused a %s form that is not the page's own, or too old", ROUTE, action)
            return sentence(self.panel, "Nothing was changed", str(exc), status=403)
        expired = isinstance(exc, LinkExpired)
        log.info("%s: refused a %s link (%s)", ROUTE, action, "expired" if expired else "not genuine")
        return sentence(self.panel, "This link cannot be used", str(exc), status=410 if expired else 404)

    def failed(self, exc: PanelError, title: str) -> web.Response:
        status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
        return sentence(self.panel, title, str(exc), status=status)

    def new_form(self, action: str, request: web.Request) -> PageForm:
        return PageForm(*self.links.new_page_key(action, request.match_info["token"], self.panel.now()))

    async def posted(self, action: str, request: web.Request) -> dict[str, str]:
        """The page's form, read within the size and time limits and checked against its key: LinkRefused for
        a key that is not one this bot made for this link (or too old), a 4xx for a body that is not a form."""
        body = await read_body(request, PAGE_MAX_BODY, ROUTE)
        if request.content_type != "application/x-www-form-urlencoded":
            raise refuse(web.HTTPUnsupportedMediaType, "Send the page's form as it is.",
                         "%s: refused a %s body with 415", ROUTE, request.content_type[:60])
        utf8_charset(request, ROUTE)
        try:
            fields = parse_qsl(text_of(body, ROUTE), keep_blank_values=True, max_num_fields=12)
        except ValueError:
            raise refuse(web.HTTPBadRequest, UNREADABLE, "%s: refused a form with too many fields", ROUTE) from None
        form: dict[str, str] = {}
        for name, value in fields:
            form.setdefault(name, value)  # the first of a repeated field, as the page sends each once
        self.links.check_page_key(action, request.match_info["token"], form.get("issued", ""),
                                  form.get("nonce", ""), form.get("key", ""), self.panel.now())
        return form

    # Mark a return as made ----------------------------------------------------------------------------
    async def show_return(self, request: web.Request) -> web.Response:
        try:
            claim = self.claim("return", request)
        except LinkRefused as exc:
            return self.refused(exc, "return")
        if not await database_ok(self.panel):
            return sentence(self.panel, "Please try again shortly", DOWN, status=503)
        try:
            view = await self.panel.return_link(request_id=claim.target_id, sent_to=claim.sent_to)
        except PanelError as exc:
            return self.failed(exc, "This link cannot be used")
        return self.return_page(request, view, view.address)

    def return_page(self, request: web.Request, view: Any, address: str, note: str | None = None,
                    kind: str = "") -> web.Response:
        fmt = self.panel.fmt
        if view.returned_at is not None and note is None:
            note, kind = (f"{view.agency_label}'s return for {view.reference} was already recorded on "
                          f"{fmt(view.returned_at)} by {view.returned_by}. Nothing more is needed."), "done"
        return render(
            self.panel, "return.html", title=f"Information request {view.reference}", v=view, address=address,
            due=fmt(view.due_at), returned=fmt(view.returned_at) if view.returned_at else "",
            form=None if view.returned_at is not None else self.new_form("return", request), note=note,
            note_kind=kind,
        )

    async def mark_return(self, request: web.Request) -> web.Response:
        try:
            claim = self.claim("return", request)
            await self.posted("return", request)
        except LinkRefused as exc:
            return self.refused(exc, "return")
        if not await database_ok(self.panel):
            return sentence(self.panel, "Please try again shortly", DOWN, status=503)
        try:
            view = await self.panel.return_link(request_id=claim.target_id, sent_to=claim.sent_to)
            said = await self.panel.mark_returned(
                actor=Actor.guest("email", view.address), reference=view.reference, agency=view.agency,
                origin=Origin.email_link(claim.target_id, view.address),
            )
            view = await self.panel.return_link(request_id=claim.target_id, sent_to=claim.sent_to)
        except PanelError as exc:
            log.info("%s: a return was refused (%s)", ROUTE, type(exc).__name__)
            return self.failed(exc, "Nothing was changed")
        log.info("%s: the return for request %d was pressed", ROUTE, claim.target_id)
        return self.return_page(request, view, view.address, said, "done")

    # Vote -----------------------------------------------------------------------------------------------
    async def show_vote(self, request: web.Request) -> web.Response:
        try:
            claim = self.claim("vote", request)
        except LinkRefused as exc:
            return self.refused(exc, "vote")
        if not await database_ok(self.panel):
            return sentence(self.panel, "Please try again shortly", DOWN, status=503)
        try:
            view = await self.panel.ballot_link(ballot_id=claim.target_id, sent_to=claim.sent_to)
        except PanelError as exc:
            return self.failed(exc, "This link cannot be used")
        return self.vote_page(request, view)

    def vote_page(self, request: web.Request, view: Any, *, note: str | None = None, kind: str = "",
                  error: str | None = None, chosen: str = "", reason: str = "", status: int = 200) -> web.Response:
        mine = None
        if view.recused:
            mine = f"You have recused yourself from {view.reference}, so you cannot vote on it."
        elif view.my_outcome:
            mine = f"Your vote is {view.my_outcome}" + (f" ({view.my_reason})." if view.my_reason else ".")
        if note is None and view.closed:
            note, kind = view.closed, "refused"
        form = self.new_form("vote", request) if view.open and not view.recused else None
        return render(
            self.panel, "vote.html", status=status, title=f"Vote on {view.reference}", v=view,
            card=card_lines(view.card, self.panel.cal), mine=mine, form=form, error=error, chosen=chosen,
            reason=reason, reason_max=REASON_MAX, deadline=self.panel.fmt(view.deadline_at), note=note,
            note_kind=kind,
        )

    async def cast_vote(self, request: web.Request) -> web.Response:
        try:
            claim = self.claim("vote", request)
            form = await self.posted("vote", request)
        except LinkRefused as exc:
            return self.refused(exc, "vote")
        if not await database_ok(self.panel):
            return sentence(self.panel, "Please try again shortly", DOWN, status=503)
        intent, outcome, reason = form.get("intent", "vote"), form.get("outcome", ""), form.get("reason", "")
        try:
            view = await self.panel.ballot_link(ballot_id=claim.target_id, sent_to=claim.sent_to)
        except PanelError as exc:
            return self.failed(exc, "Your vote was not recorded")
        if len(reason) > REASON_MAX:
            return self.vote_page(request, view, error=f"The reason is longer than {REASON_MAX:,} characters. "
                                  "Please shorten it.", chosen=outcome, reason=reason, status=400)
        actor = Actor.of_account("email", view.address)  # looked up in the command's own transaction
        try:
            if intent == "recuse":
                receipt = await self.panel.recuse(actor=actor, reference=view.reference, reason=reason,
                                                  ballot_id=claim.target_id)
            else:
                if outcome not in {o.id for o in view.outcomes}:
                    return self.vote_page(request, view, error="Please choose an outcome. Your vote was not recorded.",
                                          reason=reason, status=400)
                press = hashlib.sha256("\x00".join((form["nonce"], outcome, reason)).encode()).hexdigest()[:40]
                receipt = await self.panel.vote(
                    actor=actor, reference=view.reference, outcome=outcome, reason=reason,
                    delivery_key=f"email:{press}",  # the same form sent twice is one vote
                    ballot_id=claim.target_id,
                )
        except InvalidInput as exc:  # a reason the procedure asks for, or one that names someone: shown on the form
            return self.vote_page(request, view, error=str(exc), chosen=outcome, reason=reason, status=400)
        except PanelError as exc:
            log.info("%s: a vote was refused (%s)", ROUTE, type(exc).__name__)
            return self.failed(exc, "Your vote was not recorded")
        log.info("%s: a %s on ballot %d was pressed", ROUTE, "recusal" if intent == "recuse" else "vote",
                 claim.target_id)
        try:
            view = await self.panel.ballot_link(ballot_id=claim.target_id, sent_to=claim.sent_to)
        except PanelError:
            return sentence(self.panel, f"Vote on {view.reference}", receipt.message, status=200, kind="done")
        return self.vote_page(request, view, note=receipt.message, kind="done" if receipt.changed else "")



def add_page_routes(app: web.Application, panel: Panel, links: Links) -> None:
    """GET (and HEAD) show, POST acts, on `/email/return/{token}` and `/email/vote/{token}`."""
    pages = Pages(panel, links)
    app.router.add_get("/email/return/{token}", pages.show_return)
    app.router.add_post("/email/return/{token}", pages.mark_return)
    app.router.add_get("/email/vote/{token}", pages.show_vote)
    app.router.add_post("/email/vote/{token}", pages.cast_vote)
