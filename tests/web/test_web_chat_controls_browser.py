"""The chat's controls in a real headless Chromium: stop, retry, a new conversation, the length limit, failures.

A failing model is a real OpenAI-compatible client (pydantic-ai's) aimed at a loopback port where nothing listens
yet; the fake server (tests/host/openai_fake.py) is started there when the test wants the retry to work.
"""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path

import httpx
import pytest
from openai import AsyncOpenAI
from openai_fake import FakeOpenAI
from playwright.async_api import Browser, Page, expect
from pydantic_ai import models
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider
from salient_host.engine.conversation import ConversationEngine
from salient_host.web import create_web_app
from salient_host.web.admin_view import AdminView
from support import free_port, serve_asgi
from web_engine import web_engine
from web_support import ADMIN_TOKEN, make_settings, screenshot_path

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def send(page: Page, text: str) -> None:
    await page.get_by_label("Your message").fill(text)
    await page.get_by_label("Your message").press("Enter")


async def test_a_long_paste_is_kept_whole_counted_and_refused_with_the_reason(
    page: Page, base_url: str, engine: ConversationEngine
) -> None:
    await page.goto(f"{base_url}/chat/demo/sales")
    box = page.get_by_label("Your message")
    counter = page.locator("#counter")
    await box.fill("a" * 3000)
    await expect(counter).to_be_hidden()  # far from the limit: no counter in the way
    await box.fill("a" * 3500)
    await expect(counter).to_have_text("3,500 / 4,000 characters")

    await box.fill("x" * 4500)  # what a paste does
    assert len(await box.input_value()) == 4500  # not cut at 4,000
    await expect(counter).to_have_text("4,500 / 4,000 characters: 500 too many")
    await expect(box).to_have_attribute("aria-invalid", "true")
    await box.press("Enter")
    await expect(page.get_by_role("alert")).to_have_text(
        "The message is too long: 4,500 characters; the limit is 4,000. Shorten it or split it into several messages."
    )
    log = page.get_by_role("log", name="Conversation")
    await expect(log.get_by_label("You")).to_have_count(0)  # refused: nothing sent
    assert len(await box.input_value()) == 4500  # and nothing lost
    await page.screenshot(path=screenshot_path("chat-too-long"))

    await box.fill("y" * 4000)  # exactly the limit goes through
    await expect(box).not_to_have_attribute("aria-invalid", "true")
    await box.press("Enter")
    await expect(log.get_by_label("You")).to_have_text("y" * 4000)
    await expect(log.get_by_label("Assistant").last).to_contain_text("30 days")


async def test_stop_ends_the_turn_on_the_server_and_retry_sends_the_message_again(
    page: Page, base_url: str, engine: ConversationEngine
) -> None:
    await page.goto(f"{base_url}/chat/demo/sales")
    await send(page, "take it slow")
    stop = page.get_by_role("button", name="Stop")
    await expect(stop).to_be_visible()
    await expect(page.get_by_role("button", name="Send")).to_be_hidden()
    await page.screenshot(path=screenshot_path("chat-running"))
    await stop.click()

    answer = page.get_by_role("log", name="Conversation").get_by_label("Assistant").last
    await expect(answer).to_contain_text("Stopped.")
    # The turn really ended on the server, long before the model's 30 s: no task is left running.
    await asyncio.wait_for(engine.wait_idle(), 5)
    await expect(page.get_by_role("button", name="Send")).to_be_visible()
    retry = answer.get_by_role("button", name="Retry")
    await expect(retry).to_be_visible()

    # The session goes on at once (no turn holds it): the next message is answered.
    await send(page, "Can I return a walker?")
    await expect(page.get_by_role("log", name="Conversation").get_by_label("Assistant").last).to_contain_text("30 days")
    async with httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as admin:
        sessions = (await admin.get("/api/admin/sessions")).json()["items"]
        detail = (await admin.get(f"/api/admin/sessions/{sessions[0]['session']['id']}")).json()
    assert [m["role"] for m in detail["messages"]] == ["user", "user", "assistant"]


async def test_new_conversation_starts_afresh_and_keeps_the_old_one(page: Page, base_url: str) -> None:
    await page.goto(f"{base_url}/chat/demo/sales")
    await send(page, "Can I return a walker?")
    log = page.get_by_role("log", name="Conversation")
    await expect(log.get_by_label("Assistant").last).to_contain_text("30 days")

    await page.get_by_role("button", name="New conversation").click()
    await expect(log.get_by_label("You")).to_have_count(0)
    await expect(log.get_by_label("Assistant")).to_have_count(1)  # the greeting only
    await send(page, "show me code")
    await expect(log.get_by_label("Assistant").last.locator("pre code")).to_have_text("print('battery ok')\n")

    await page.reload()  # the new conversation is this browser's now
    await expect(log.get_by_label("You")).to_have_text("show me code")
    async with httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as admin:
        sessions = (await admin.get("/api/admin/sessions")).json()["items"]
        texts = []
        for item in sessions[:2]:
            detail = (await admin.get(f"/api/admin/sessions/{item['session']['id']}")).json()
            texts.append([m["text"] for m in detail["messages"] if m["role"] == "user"])
    assert sorted(texts) == [["Can I return a walker?"], ["show me code"]]  # the old one is kept, apart


async def test_a_model_that_cannot_be_reached_gets_a_kind_message_a_retry_and_a_log_line(
    page: Page,
    mcp_servers: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(models, "ALLOW_MODEL_REQUESTS", True)  # a real client, but only to loopback
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}/v1"
    caplog.set_level(logging.WARNING)
    async with (
        AsyncOpenAI(base_url=endpoint, api_key="test-key") as client,  # its own, closed here (not a shared one)
        web_engine(
            tmp_path, mcp_servers, model=OpenAIChatModel("fake-gpt", provider=OpenAIProvider(openai_client=client))
        ) as engine,
    ):
        app = create_web_app(engine, settings=make_settings(), admin=AdminView(engine.store))
        async with serve_asgi(app) as url:
            await page.goto(f"{url}/chat/demo/sales")
            await send(page, "Hello there")
            answer = page.get_by_role("log", name="Conversation").get_by_label("Assistant").last
            await expect(answer.get_by_role("alert")).to_have_text(
                "Sorry, the assistant could not answer just now. Please try again in a moment.", timeout=20_000
            )
            await expect(page.get_by_text("Connection error")).to_have_count(0)  # the cause is the operator's
            await page.screenshot(path=screenshot_path("chat-model-failed"))
            logged = [r.getMessage() for r in caplog.records if r.name == "salient_host.engine.turn"]
            assert any("'sales'" in line and endpoint in line and "Connection error" in line for line in logged), logged

            fake = FakeOpenAI()
            async with serve_asgi(fake.app(), port=port):
                await answer.get_by_role("button", name="Retry").click()
                log = page.get_by_role("log", name="Conversation")
                await expect(log.get_by_label("Assistant").last).to_contain_text("I have no product search tool.")
                await expect(log.get_by_label("You")).to_have_count(1)  # the message is sent again, shown once
                await expect(log.get_by_role("button", name="Retry")).to_have_count(0)
            assert fake.requests and fake.requests[-1].body["messages"][-1]["content"] == "Hello there"


def luminance(rgb: str) -> float:
    """Relative luminance (0 black .. 1 white) of a computed `rgb(r, g, b)` colour."""
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+", rgb)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_the_chat_follows_the_systems_colour_scheme(browser: Browser, base_url: str, scheme: str) -> None:
    context = await browser.new_context(viewport={"width": 1100, "height": 800}, color_scheme=scheme)
    try:
        page = await context.new_page()
        await page.goto(f"{base_url}/chat/demo/sales")
        await send(page, "Can I return a walker?")
        answer = page.get_by_role("log", name="Conversation").get_by_label("Assistant").last
        await expect(answer).to_contain_text("30 days")
        colours = await page.evaluate(
            """() => {
                const css = (selector, property) => getComputedStyle(document.querySelector(selector))[property];
                return {
                    page: css(".chat", "backgroundColor"), text: css("body", "color"),
                    bubble: css(".msg.assistant:last-child .bubble", "backgroundColor"),
                    bubbleText: css(".msg.assistant:last-child .content p", "color"),
                    composer: css(".composer", "backgroundColor"), input: css("#input", "backgroundColor"),
                    inputText: css("#input", "color"), link: css(".content a", "color"),
                    tool: css(".tool", "backgroundColor"),
                };
            }"""
        )
        backgrounds = [colours[k] for k in ("page", "bubble", "composer", "input", "tool")]
        texts = [colours[k] for k in ("text", "bubbleText", "inputText")]
        if scheme == "dark":
            assert all(luminance(c) < 0.25 for c in backgrounds), colours
            assert all(luminance(c) > 0.75 for c in texts), colours
        else:
            assert all(luminance(c) > 0.85 for c in backgrounds), colours
            assert all(luminance(c) < 0.2 for c in texts), colours
        # Links stay readable on the bubble: a clear contrast either way.
        assert abs(luminance(colours["link"]) - luminance(colours["bubble"])) > 0.3, colours
        await page.screenshot(path=screenshot_path(f"chat-{scheme}"), full_page=True)
    finally:
        await context.close()


async def test_a_tool_line_opens_to_its_arguments_and_result_live_and_after_a_reload(page: Page, base_url: str) -> None:
    await page.goto(f"{base_url}/chat/demo/sales")
    await send(page, "Can I return a walker?")
    answer = page.get_by_role("log", name="Conversation").get_by_label("Assistant").last
    await expect(answer).to_contain_text("30 days")
    for attempt in ("live", "reloaded"):
        if attempt == "reloaded":
            await page.reload()
            answer = page.get_by_role("log", name="Conversation").get_by_label("Assistant").last
        tool = answer.get_by_label("Tools used").get_by_role("listitem").first
        detail = tool.locator(".tool-detail")
        await expect(detail).to_be_hidden()
        await tool.get_by_text("library · search").click()
        await expect(detail).to_be_visible()
        await expect(tool.locator(".tool-args")).to_have_text('{\n  "text": "Can I return a walker?"\n}')
        await expect(tool.locator(".tool-result")).to_have_text("search: Can I return a walker?")
    await page.screenshot(path=screenshot_path("chat-tool-detail"))

    await send(page, "show me a long result")
    answer = page.get_by_role("log", name="Conversation").get_by_label("Assistant").last
    await expect(answer).to_contain_text("30 days")
    await answer.get_by_text("library · search").click()
    result = answer.locator(".tool-result")
    await expect(result).to_contain_text("more characters not shown)")
    shown = await result.inner_text()
    assert len(shown) < 2100 and shown.startswith("search: walker walker"), shown[:80]


async def test_tool_details_show_markup_as_text(page: Page, base_url: str) -> None:
    await page.goto(f"{base_url}/chat/demo/sales")
    await send(page, "what does the xss document say?")
    answer = page.get_by_role("log", name="Conversation").get_by_label("Assistant").last
    await expect(answer).to_contain_text("and that is all.")
    await answer.get_by_text("library · search").click()
    await expect(answer.locator(".tool-args")).to_contain_text("<img src=x onerror=")
    await expect(answer.locator(".tool-result")).to_contain_text("<script>window.__xss='argument'</script>")
    assert await page.evaluate("() => window.__xss") is None
    await expect(page.locator(".tool-detail img, .tool-detail script")).to_have_count(0)
