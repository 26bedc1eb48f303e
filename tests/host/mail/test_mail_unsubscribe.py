"""The unsubscribe endpoint, mounted as the web app will mount it, driven by the link in a real received message."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from mail_support import SUMMARY, Clock, SmtpSink, mailer_for, migrated, smtp_settings
from salient_core.db import Database
from salient_host.mail import Mailer, unsubscribe_routes
from salient_host.mail.models import OptOut
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.routing import Mount
from support import serve_asgi

BASE = "http://testserver"


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def mailer(sqlite_url: str, sink: SmtpSink, clock: Clock) -> AsyncIterator[Mailer]:
    settings = smtp_settings(sink.port, unsubscribe_url=f"{BASE}/mail/unsubscribe")
    async with migrated(sqlite_url) as db, mailer_for(db, settings, clock) as mailer:
        yield mailer


def web_app(mailer: Mailer) -> Starlette:
    # How the host's web app mounts it: under /mail, so links point at {public URL}/mail/unsubscribe/{token}.
    return Starlette(routes=[Mount("/mail", routes=unsubscribe_routes(mailer))])


@pytest.fixture
async def client(mailer: Mailer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web_app(mailer)), base_url=BASE) as client:
        yield client


async def link_from_a_real_message(mailer: Mailer, sink: SmtpSink) -> str:
    """Send a summary, then take the visitor's unsubscribe link from the header of the message received."""
    await mailer.queue_summary(
        "demo", "s-1", visitor="zoe@example.org", rep="rita@acme.example", subject="Summary", summary_markdown=SUMMARY
    )
    await mailer.deliver_due()
    [received] = sink.to("zoe@example.org")
    return received.message["List-Unsubscribe"].strip("<>")


async def opt_outs(db: Database) -> list[tuple[str, str, str]]:
    async with db.session() as session:
        rows = (await session.scalars(select(OptOut).order_by(OptOut.id))).all()
    return [(r.account_id, r.address, r.source) for r in rows]


async def test_get_only_asks_for_confirmation(mailer: Mailer, sink: SmtpSink, client: httpx.AsyncClient) -> None:
    link = await link_from_a_real_message(mailer, sink)
    page = await client.get(link)
    assert page.status_code == 200
    assert "Stop e-mails from Acme to <strong>zoe@example.org</strong>?" in page.text
    assert '<form method="post"' in page.text and "<button" in page.text
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    assert "form-action 'self'" in page.headers["content-security-policy"]
    assert (await client.head(link)).status_code == 200
    assert await opt_outs(mailer.db) == []  # a link scanner fetching the link changes nothing


async def test_one_click_post_opts_out_once_and_later_mail_is_suppressed(
    mailer: Mailer, sink: SmtpSink, client: httpx.AsyncClient
) -> None:
    link = await link_from_a_real_message(mailer, sink)
    # What a mail client sends for RFC 8058 one-click.
    done = await client.post(link, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "<strong>zoe@example.org</strong> will not receive any more e-mails from Acme" in done.text
    assert "already" not in done.text
    again = await client.post(link, data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200 and "This address had already unsubscribed." in again.text
    assert await opt_outs(mailer.db) == [("demo", "zoe@example.org", "one_click")]
    assert "You are unsubscribed" in (await client.get(link)).text

    visitor, rep = await mailer.queue_summary(
        "demo", "s-2", visitor="Zoe@Example.org", rep="rita@acme.example", subject="Again", summary_markdown="x"
    )
    assert (visitor.status, rep.status) == ("suppressed", "queued")
    sink.received.clear()
    assert (await mailer.deliver_due()).sent == [rep.id]
    assert [r.recipients for r in sink.received] == [["rita@acme.example"]]


async def test_the_confirmation_button_records_its_source(
    mailer: Mailer, sink: SmtpSink, client: httpx.AsyncClient
) -> None:
    link = await link_from_a_real_message(mailer, sink)
    assert (await client.post(link, data={"confirm": "yes"})).status_code == 200
    assert await opt_outs(mailer.db) == [("demo", "zoe@example.org", "confirm_page")]


async def test_an_unreadable_body_still_honours_a_valid_token(
    mailer: Mailer, sink: SmtpSink, client: httpx.AsyncClient
) -> None:
    link = await link_from_a_real_message(mailer, sink)
    response = await client.post(link, content=b"\x00garbage", headers={"content-type": "multipart/form-data"})
    assert response.status_code == 200
    assert await opt_outs(mailer.db) == [("demo", "zoe@example.org", "link")]


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_forged_and_tampered_tokens_get_400_and_change_nothing(
    mailer: Mailer, sink: SmtpSink, client: httpx.AsyncClient, method: str
) -> None:
    link = await link_from_a_real_message(mailer, sink)
    base, token = link.rsplit("/", 1)
    payload, stamp, signature = token.split(".")
    # Someone rewrites the address in a genuine token, keeping its signature.
    other = base64.urlsafe_b64encode(json.dumps({"a": "demo", "e": "rita@acme.example"}).encode()).rstrip(b"=")
    forged = [f"{other.decode()}.{stamp}.{signature}", f"{payload}.{stamp}.{signature[:-3]}abc", "not-a-token"]
    for bad in forged:
        response = await client.request(method, f"{base}/{bad}", data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 400
        assert "This link does not work" in response.text
        assert "This unsubscribe link is not valid, so nothing was changed." in response.text
    assert await opt_outs(mailer.db) == []
    statuses = {d.recipient: d.status for d in await mailer.deliveries("demo")}
    assert statuses == {"zoe@example.org": "sent", "rita@acme.example": "sent"}


async def test_an_expired_link_gets_400_and_changes_nothing(
    mailer: Mailer, sink: SmtpSink, client: httpx.AsyncClient, clock: Clock
) -> None:
    link = await link_from_a_real_message(mailer, sink)
    clock.advance(days=366)
    response = await client.post(link, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 400
    assert "This unsubscribe link has expired, so nothing was changed." in response.text
    assert await opt_outs(mailer.db) == []


async def test_one_click_over_real_http_with_multipart(mailer: Mailer, sink: SmtpSink) -> None:
    link = await link_from_a_real_message(mailer, sink)
    path = link.removeprefix(BASE)
    async with serve_asgi(web_app(mailer)) as url, httpx.AsyncClient() as client:
        # Some mail providers send the one-click body as multipart/form-data.
        response = await client.post(f"{url}{path}", files={"List-Unsubscribe": (None, "One-Click")})
    assert response.status_code == 200
    assert await mailer.is_opted_out("demo", "zoe@example.org")
    assert await opt_outs(mailer.db) == [("demo", "zoe@example.org", "one_click")]
