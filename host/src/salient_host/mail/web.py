"""The unsubscribe endpoint: `GET` shows a confirmation page, `POST` opts the address out (RFC 8058 one-click).

A `GET` never changes anything, because mail scanners and link previewers fetch every link in a message; the
page's button, and a mail client's one-click request (`POST` with `List-Unsubscribe=One-Click`), do. Both
answer from the signed token alone, so they work without a session or a login, and a forged, altered or expired
token gets a 400 page and changes nothing. Opting out twice is fine.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from salient_host.mail.compose import render_template
from salient_host.mail.errors import BadUnsubscribeToken, MailConfigError
from salient_host.mail.mailer import Mailer
from salient_host.mail.tokens import Subscriber

HEADERS = {
    # The token is in the URL: keep it out of caches, other sites' Referer headers and search engines.
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'",
}


def unsubscribe_routes(mailer: Mailer, *, path: str = "/unsubscribe") -> list[Route]:
    """Routes serving `{path}/{token}`; the mailer's `unsubscribe_url` must be where `path` ends up publicly."""
    brand = mailer.settings.brand

    def page(status: int, state: str, title: str, **context: object) -> HTMLResponse:
        html = render_template("unsubscribe.html", state=state, title=title, brand=brand, **context)
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def subscriber(token: str) -> Subscriber | HTMLResponse:
        try:
            return mailer.read_unsubscribe_token(token)
        except BadUnsubscribeToken as exc:
            return page(400, "error", "This link does not work", reason=exc.reason)
        except MailConfigError:
            return page(503, "error", "Unsubscribing is unavailable", reason="this site cannot check links right now")

    async def unsubscribe(request: Request) -> HTMLResponse:
        found = subscriber(request.path_params["token"])
        if isinstance(found, HTMLResponse):
            return found
        if request.method in ("GET", "HEAD"):
            if await mailer.is_opted_out(found.account, found.address):
                return page(200, "done", "You are unsubscribed", address=found.address, already=True)
            return page(200, "confirm", "Unsubscribe?", address=found.address)
        new = await mailer.opt_out(found.account, found.address, source=await _source(request))
        return page(200, "done", "You are unsubscribed", address=found.address, already=not new)

    return [Route(f"{path.rstrip('/')}/{{token}}", unsubscribe, methods=["GET", "POST"], name="mail_unsubscribe")]


async def _source(request: Request) -> str:
    """`one_click` for a mail client's RFC 8058 request, `confirm_page` for our button, else `link`."""
    try:
        async with request.form(max_files=0, max_fields=10) as form:
            if form.get("List-Unsubscribe") == "One-Click":
                return "one_click"
            return "confirm_page" if form.get("confirm") else "link"
    except (HTTPException, ValueError, KeyError, AssertionError):
        return "link"  # an unreadable body does not make the token any less valid
