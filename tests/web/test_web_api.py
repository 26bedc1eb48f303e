"""The HTTP API over real HTTP: sessions, JSON and SSE turns, resumption, history, approvals, OpenAPI."""

from __future__ import annotations

import httpx
import pytest
from chat_client import message_id, open_chat, parse_sse, start_session
from web_support import ADMIN_TOKEN

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_openapi_document_lists_the_routes(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        document = (await client.get("/openapi.json")).json()
        docs = await client.get("/api/docs")
    paths = document["paths"]
    assert set(paths) >= {
        "/api/sessions",
        "/api/sessions/{session_id}",
        "/api/sessions/{session_id}/messages",
        "/api/sessions/{session_id}/decisions",
        "/api/admin/sessions",
        "/api/admin/usage",
        "/api/admin/status",
    }
    assert set(paths["/api/sessions/{session_id}/messages"]) == {"get", "post"}
    assert "text/event-stream" in paths["/api/sessions/{session_id}/messages"]["post"]["responses"]["200"]["content"]
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_api_client_with_a_bearer_token_gets_a_json_reply_and_history(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        started = await client.post("/api/sessions", json={"agent": "sales"})
        assert started.status_code == 201, started.text
        session = started.json()
        assert session["account"] == "demo"
        auth = {"Authorization": f"Bearer {session['token']}"}
        client.cookies.clear()  # an API client keeps the token, not cookies
        reply = await client.post(
            f"/api/sessions/{session['id']}/messages",
            json={"text": "Can I return a walker?", "client_message_id": message_id()},
            headers=auth,
        )
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["status"] == "answered"
        assert "30 days" in body["output"]
        assert '<a href="https://brightwell.example/help/returns-policy"' in body["html"]
        assert [(c["server"], c["tool"], c["ok"]) for c in body["tool_calls"]] == [("library", "search", True)]
        assert body["usage"]["input_tokens"] > 0

        history = (await client.get(f"/api/sessions/{session['id']}/messages", headers=auth)).json()
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert history[0]["text"] == "Can I return a walker?"
    assert 'rel="noopener noreferrer"' in history[1]["html"]


async def test_dropped_stream_resumes_after_last_event_id_without_a_second_message_or_cost(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        csrf = await open_chat(client)
        session = await start_session(client, csrf)
        url = f"/api/sessions/{session['id']}/messages"
        body = {"text": "Can I return a walker?", "client_message_id": message_id()}
        headers = {"X-CSRF-Token": csrf, "Accept": "text/event-stream"}

        seen: list[str] = []
        async with client.stream("POST", url, json=body, headers=headers) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            async for line in response.aiter_lines():
                if line.startswith("id:"):
                    seen.append(line.removeprefix("id:").strip())
                if len(seen) == 3:
                    break  # the connection drops here
        assert seen == ["0", "1", "2"]

        resumed = await client.post(url, json=body, headers={**headers, "Last-Event-ID": seen[-1]})
        frames = parse_sse(resumed.text)
        ids = [int(f.id) for f in frames if f.id is not None]
        assert ids == list(range(3, 3 + len(ids)))  # from the next event on, nothing twice, nothing missing
        assert frames[-1].event == "finished"
        text = "".join(f.data["text"] for f in frames if f.event == "text")
        assert text.endswith("original packaging.")

        history = (await client.get(f"/api/sessions/{session['id']}/messages")).json()
    assert [m["role"] for m in history] == ["user", "assistant"]
    async with httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as admin:
        usage = (await admin.get("/api/admin/usage")).json()
    # One turn, paid once: its two model requests (the tool call, then the answer), not four.
    assert [(u["account"], u["agent"], u["sessions"], u["requests"]) for u in usage] == [("demo", "sales", 1, 2)]


async def test_approval_over_the_api(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        session = (await client.post("/api/sessions", json={"agent": "sales"})).json()
        client.cookies.clear()
        auth = {"Authorization": f"Bearer {session['token']}"}
        url = f"/api/sessions/{session['id']}"
        held = (await client.post(f"{url}/messages", json={"text": "archive Jane", "client_message_id": message_id()},
                                  headers=auth)).json()  # fmt: skip
        assert held["status"] == "awaiting_approval"
        [call] = held["awaiting_approval"]
        assert (call["server"], call["tool"]) == ("crm", "archive_record")

        decided = await client.post(
            f"{url}/decisions",
            json={"decisions": {call["call_id"]: True}, "client_message_id": message_id()},
            headers={**auth, "Accept": "text/event-stream"},
        )
    frames = parse_sse(decided.text)
    assert [f.event for f in frames if f.event.startswith("tool")] == ["tool_started", "tool_finished"]
    assert frames[-1].event == "finished"
    assert "archived" in frames[-1].data["output"]


async def test_chat_page_sets_safe_cookies_on_loopback_http(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        page = await client.get("/chat/demo/sales")
        csrf_cookie = page.headers["set-cookie"]
        assert "HttpOnly" in csrf_cookie and "SameSite=lax" in csrf_cookie
        assert "Secure" not in csrf_cookie  # plain http on loopback: a developer's machine
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'self'" in policy
        started = await client.post(
            "/api/sessions", json={"agent": "sales"}, headers={"X-CSRF-Token": page.text.split('"csrf": "')[1][:64]}
        )
    session_cookie = started.headers["set-cookie"]
    assert session_cookie.startswith("salient_s_demo_sales=")
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie


async def test_cookies_are_secure_when_not_on_loopback(web_app) -> None:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=web_app)
    async with httpx.AsyncClient(transport=transport, base_url="https://chat.brightwell.example") as client:
        page = await client.get("/chat/demo/sales")
    assert "Secure" in page.headers["set-cookie"]


async def test_unknown_agent_or_account_is_a_clear_404(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        page = await client.get("/chat/demo/nobody", headers={"Accept": "text/html"})
        api = await client.post("/api/sessions", json={"agent": "support", "account": "acme"})
    assert page.status_code == 404 and "There is no chat with &#39;nobody&#39; here." in page.text
    assert api.status_code == 404
    assert api.json() == {"error": "no_agent", "message": "Account 'acme' offers no agent 'support' on the web."}
