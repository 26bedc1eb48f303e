"""What the web app refuses: malformed and oversized bodies, forged CSRF, other accounts' cookies, floods, admins
without the token. Each refusal says what was wrong, and nothing is stored."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from chat_client import message_id, open_chat, start_session
from redis.asyncio import Redis
from redis.exceptions import RedisError
from salient_host.web import create_web_app
from salient_host.web.limits import RateStoreUnreachable
from support import serve_asgi
from web_support import ADMIN_TOKEN, make_settings

pytestmark = pytest.mark.asyncio(loop_scope="module")
# Fixed windows: a day-long one cannot roll over between the requests of one test.
DAY = 86400
REDIS_URL = os.environ.get("SALIENT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def history(client: httpx.AsyncClient, session_id: str) -> list[dict[str, object]]:
    response = await client.get(f"/api/sessions/{session_id}/messages")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ("{not json", "application/json", "JSON decode error"),
        ('{"client_message_id": "abcdefgh12"}', "application/json", "text: Field required"),
        ('{"text": "hi", "client_message_id": "no"}', "application/json", "client_message_id: String should match"),
        ('{"text": "hi", "client_message_id": "abcdefgh12", "x": 1}', "application/json", "x: Extra inputs"),
        ('{"text": 5, "client_message_id": "abcdefgh12"}', "application/json", "text: Input should be a valid string"),
        ('{"text": "   ", "client_message_id": "abcdefgh12"}', "application/json", "The message is empty."),
    ],
)
async def test_malformed_body_is_a_422_that_says_what_is_wrong_and_stores_nothing(
    base_url: str, body: str, content_type: str, expected: str
) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        csrf = await open_chat(client)
        session = await start_session(client, csrf)
        response = await client.post(
            f"/api/sessions/{session['id']}/messages",
            content=body,
            headers={"Content-Type": content_type, "X-CSRF-Token": csrf},
        )
        assert response.status_code == 422, response.text
        assert expected in response.json()["message"]
        assert await history(client, session["id"]) == []


async def test_oversized_message_and_body_are_refused(base_url: str, web_settings) -> None:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(base_url=base_url) as client:
        csrf = await open_chat(client)
        session = await start_session(client, csrf)
        url = f"/api/sessions/{session['id']}/messages"
        too_long = "a" * (web_settings.max_message_chars + 1)
        long_reply = await client.post(
            url, json={"text": too_long, "client_message_id": message_id()}, headers={"X-CSRF-Token": csrf}
        )
        huge = "a" * (web_settings.max_body_bytes + 10)
        huge_reply = await client.post(
            url, json={"text": huge, "client_message_id": message_id()}, headers={"X-CSRF-Token": csrf}
        )
        assert await history(client, session["id"]) == []
    assert long_reply.status_code == 422
    assert long_reply.json() == {
        "error": "message_too_long",
        "message": f"The message has {len(too_long)} characters; the limit is {web_settings.max_message_chars}. "
        "Shorten it or split it into several messages.",
    }
    assert huge_reply.status_code == 413
    assert "larger than" in huge_reply.json()["message"]


@pytest.mark.parametrize("token", [None, "", "forged-token", "0" * 64])
async def test_forged_or_missing_csrf_token_is_refused(base_url: str, token: str | None) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        csrf = await open_chat(client)
        session = await start_session(client, csrf)
        headers = {} if token is None else {"X-CSRF-Token": token}
        response = await client.post(
            f"/api/sessions/{session['id']}/messages",
            json={"text": "hello", "client_message_id": message_id()},
            headers=headers,
        )
        assert response.status_code == 403
        assert response.json()["error"] == "csrf_failed"
        assert "Reload the page" in response.json()["message"]
        assert await history(client, session["id"]) == []
        new_session = await client.post("/api/sessions", json={"agent": "sales"}, headers=headers)
        assert new_session.status_code == 403


async def test_csrf_token_of_another_browser_is_refused(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as mallory, httpx.AsyncClient(base_url=base_url) as alice:
        mallory_csrf = await open_chat(mallory)
        alice_csrf = await open_chat(alice)
        session = await start_session(alice, alice_csrf)
        response = await alice.post(
            f"/api/sessions/{session['id']}/messages",
            json={"text": "hello", "client_message_id": message_id()},
            headers={"X-CSRF-Token": mallory_csrf},
        )
        assert response.status_code == 403
        assert await history(alice, session["id"]) == []


async def test_session_cookie_of_another_account_opens_nothing(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as acme, httpx.AsyncClient(base_url=base_url) as demo:
        acme_csrf = await open_chat(acme, "acme", "sales")
        acme_session = await start_session(acme, acme_csrf, account="acme")
        secret = "My account number is 12345"
        sent = await acme.post(
            f"/api/sessions/{acme_session['id']}/messages",
            json={"text": secret, "client_message_id": message_id()},
            headers={"X-CSRF-Token": acme_csrf},
        )
        assert sent.status_code == 200
        demo_csrf = await open_chat(demo)
        demo_session = await start_session(demo, demo_csrf)
        acme_cookie = acme.cookies["salient_s_acme_sales"]

        attempts = []
        async with httpx.AsyncClient(base_url=base_url) as thief:
            # The acme cookie, sent as is and renamed to the demo account's cookie, against both sessions.
            for name in ("salient_s_acme_sales", "salient_s_demo_sales"):
                thief.cookies.clear()
                thief.cookies.set(name, acme_cookie)
                attempts.append(await thief.get(f"/api/sessions/{demo_session['id']}/messages"))
                attempts.append(await thief.get(f"/api/sessions/{demo_session['id']}"))
            # The demo visitor's own cookie against the acme session, as a cookie and as a bearer token.
            attempts.append(await demo.get(f"/api/sessions/{acme_session['id']}/messages"))
            attempts.append(await demo.get(f"/api/sessions/{acme_session['id']}"))
            demo_token = demo.cookies["salient_s_demo_sales"]
            attempts.append(await thief.get(f"/api/sessions/{acme_session['id']}/messages",
                                            headers={"Authorization": f"Bearer {demo_token}"}))  # fmt: skip
            # A tampered token.
            attempts.append(await thief.get(f"/api/sessions/{acme_session['id']}/messages",
                                            headers={"Authorization": f"Bearer {acme_cookie[:-2]}xx"}))  # fmt: skip
            # The demo page with the acme cookie renamed shows a fresh chat, not acme's.
            thief.cookies.clear()
            thief.cookies.set("salient_s_demo_sales", acme_cookie)
            page = await thief.get("/chat/demo/sales")

    for response in attempts:
        assert response.status_code == 404, response.text
        assert response.json()["error"] == "no_session"
        assert secret not in response.text and acme_session["id"] not in response.text
    assert page.status_code == 200 and secret not in page.text and '"sessionId": null' in page.text


async def test_flooding_one_session_gets_a_429_with_retry_after(conversations, admin_data) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(rate_per_session=2, rate_per_ip=100, rate_window_s=DAY)
    app = create_web_app(conversations, settings=settings, admin=admin_data)
    async with serve_asgi(app) as url, httpx.AsyncClient(base_url=url) as client:
        csrf = await open_chat(client)
        session = await start_session(client, csrf)
        replies = [
            await client.post(
                f"/api/sessions/{session['id']}/messages",
                json={"text": f"question {i}", "client_message_id": message_id()},
                headers={"X-CSRF-Token": csrf},
            )
            for i in range(3)
        ]
        stored = await history(client, session["id"])
    assert [r.status_code for r in replies] == [200, 200, 429]
    limited = replies[-1]
    assert 1 <= int(limited.headers["Retry-After"]) <= settings.rate_window_s
    assert limited.json()["error"] == "rate_limited"
    assert limited.json()["message"].startswith("Too many messages in this chat. Please wait ")
    assert [m["text"] for m in stored if m["role"] == "user"] == ["question 0", "question 1"]


async def test_flooding_from_one_address_gets_a_429(conversations, admin_data) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(rate_per_ip=2, rate_window_s=DAY)
    app = create_web_app(conversations, settings=settings, admin=admin_data)
    async with serve_asgi(app) as url, httpx.AsyncClient(base_url=url) as client:
        codes = []
        for _ in range(2):
            codes.append((await client.post("/api/sessions", json={"agent": "sales"})).status_code)
            client.cookies.clear()  # an API client without cookies: no CSRF token needed
        limited = await client.post("/api/sessions", json={"agent": "sales"})
    assert codes == [201, 201]
    assert limited.status_code == 429
    assert "Retry-After" in limited.headers
    assert "Too many new chats from your address" in limited.json()["message"]


async def redis_or_skip() -> None:
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        reason = f"Redis not reachable at {REDIS_URL} ({type(exc).__name__}: {exc})"
        if os.environ.get("SALIENT_TEST_REQUIRE_REDIS") == "1":
            pytest.fail(f"{reason}; SALIENT_TEST_REQUIRE_REDIS=1 demands the Redis tests run")
        pytest.skip(reason)
    finally:
        await client.aclose()


@pytest_asyncio.fixture(loop_scope="module")
async def redis_prefix() -> AsyncIterator[str]:
    await redis_or_skip()
    prefix = f"salient-test:{uuid.uuid4().hex}:"
    yield prefix
    client = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def test_rate_limits_in_redis_are_shared_by_two_host_replicas(conversations, redis_prefix: str) -> None:  # type: ignore[no-untyped-def]
    # Two replicas behind one load balancer: one store of conversations, one Redis, two app processes.
    shared = conversations
    settings = make_settings(
        redis_url=REDIS_URL, redis_prefix=redis_prefix, rate_per_session=3, rate_per_ip=100, rate_window_s=DAY
    )
    async with (
        serve_asgi(create_web_app(shared, settings=settings)) as first,
        serve_asgi(create_web_app(shared, settings=settings)) as second,
    ):
        async with httpx.AsyncClient(base_url=first) as client:
            session = (await client.post("/api/sessions", json={"agent": "sales"})).json()
        auth = {"Authorization": f"Bearer {session['token']}"}
        codes = []
        for i in range(4):
            async with httpx.AsyncClient(base_url=first if i % 2 == 0 else second) as client:
                response = await client.post(
                    f"/api/sessions/{session['id']}/messages",
                    json={"text": f"question {i}", "client_message_id": message_id()},
                    headers=auth,
                )
                codes.append(response.status_code)
    assert codes == [200, 200, 200, 429]
    assert "Retry-After" in response.headers


async def test_a_configured_redis_that_does_not_answer_stops_the_start_naming_the_setting(conversations) -> None:  # type: ignore[no-untyped-def]
    # Port 1 on loopback: nothing listens there, so the connection is refused at once.
    settings = make_settings(redis_url="redis://user:hunter2@127.0.0.1:1/0")
    app = create_web_app(conversations, settings=settings)
    with pytest.raises(RateStoreUnreachable) as refused:
        async with app.router.lifespan_context(app):
            pass
    message = str(refused.value)
    assert message.startswith("SALIENT_WEB_REDIS_URL is redis://user:***@127.0.0.1:1/0 but Redis does not answer")
    assert "hunter2" not in message


async def test_admin_needs_the_token(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        missing = await client.get("/api/admin/sessions")
        wrong = await client.get("/api/admin/sessions", headers={"Authorization": "Bearer not-the-token"})
        prefix = await client.get("/api/admin/usage", headers={"Authorization": f"Bearer {ADMIN_TOKEN[:-1]}"})
        page = await client.get("/admin", follow_redirects=False)
        good = await client.get("/api/admin/status", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    for refused in (missing, wrong, prefix):
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"] == "Bearer"
        assert refused.json()["error"] == "admin_token"
    assert page.status_code == 303 and page.headers["location"] == "/admin/login"
    assert good.status_code == 200
    assert [(s["name"], s["transport"]) for s in good.json()] == [("library", "http"), ("crm", "http")]


async def test_admin_is_off_without_a_configured_token(conversations) -> None:  # type: ignore[no-untyped-def]
    app = create_web_app(conversations, settings=make_settings(admin_token=None))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
        response = await client.get("/api/admin/sessions", headers={"Authorization": "Bearer anything"})
    assert response.status_code == 404
    assert "SALIENT_WEB_ADMIN_TOKEN" in response.json()["message"]


async def test_admin_sign_in_shows_sessions_usage_status_and_a_transcript(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as visitor:
        csrf = await open_chat(visitor)
        origin = {"page": "https://brightwell.example/walkers?utm_source=ads", "utm_source": "ads"}
        started = await visitor.post(
            "/api/sessions", json={"agent": "sales", "origin": origin}, headers={"X-CSRF-Token": csrf}
        )
        session = started.json()
        await visitor.post(
            f"/api/sessions/{session['id']}/messages",
            json={"text": "Can I return a walker?", "client_message_id": message_id()},
            headers={"X-CSRF-Token": csrf},
        )
    async with httpx.AsyncClient(base_url=base_url) as operator:
        form = await operator.get("/admin/login")
        token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
        bad = await operator.post("/admin/login", data={"token": "wrong", "csrf_token": token})
        forged = await operator.post("/admin/login", data={"token": ADMIN_TOKEN, "csrf_token": "forged"})
        signed_in = await operator.post("/admin/login", data={"token": ADMIN_TOKEN, "csrf_token": token})
        overview = await operator.get("/admin")
        detail = await operator.get(f"/admin/sessions/{session['id']}")
    assert bad.status_code == 401 and "That token is not right." in bad.text
    assert forged.status_code == 403
    assert signed_in.status_code == 303
    admin_cookie = signed_in.headers["set-cookie"]
    assert "HttpOnly" in admin_cookie and "Path=/admin" in admin_cookie
    assert overview.status_code == 200
    for shown in (session["id"], "Usage and cost", "Can I return a walker?"):
        assert shown in overview.text
    # Both servers answered the turn: their supervisors saw them up.
    assert overview.text.count('class="state state-up">up<') == 2, overview.text
    assert detail.status_code == 200
    for shown in ("library · search", "Returns and exchanges policy", "walkers?utm_source=ads"):
        assert shown in detail.text
    assert re.search(r"<td>\d+\.\d ms</td>", detail.text), detail.text
