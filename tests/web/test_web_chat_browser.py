"""The chat page in a real headless Chromium: streaming, citations, tools, safety, history, keyboard, approvals."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, Route, expect
from salient_host.engine.events import Conversations
from salient_host.web import AdminData, WebSettings, create_web_app
from salient_host.web.assets import VENDOR_FILES
from support import serve_asgi
from web_support import ADMIN_TOKEN, make_settings, screenshot_path

pytestmark = pytest.mark.asyncio(loop_scope="module")
# The script archives the newest active contact of the demo CRM, whichever that is by then.
ARCHIVED = re.compile(r"Done: the contact \d+ is archived\.")


async def send(page: Page, text: str) -> None:
    await page.get_by_label("Your message").fill(text)
    await page.get_by_label("Your message").press("Enter")


async def test_answer_streams_in_with_a_safe_citation_link_and_visible_tool_activity(
    page: Page, base_url: str, web_settings: WebSettings
) -> None:
    await page.goto(f"{base_url}/chat/demo/sales")
    if all((web_settings.vendor_dir / path).is_file() for path in VENDOR_FILES.values()):
        # `make sync` installed the npm packages: streamed Markdown is rendered by markdown-it and DOMPurify.
        assert await page.evaluate("() => [typeof window.markdownit, typeof window.DOMPurify]") == [
            "function",
            "function",
        ]
    await expect(page.get_by_role("heading", name="Chat with sales")).to_be_visible()

    await send(page, "Can I return a walker?")

    log = page.get_by_role("log", name="Conversation")
    await expect(log.get_by_label("You").last).to_have_text("Can I return a walker?")
    answer = log.get_by_label("Assistant").last
    await expect(answer).to_contain_text("unused items can be returned within 30 days")
    link = answer.get_by_role("link", name="Returns and exchanges policy")
    await expect(link).to_have_attribute("href", "https://brightwell.example/help/returns-policy")
    await expect(link).to_have_attribute("rel", "noopener noreferrer")
    await expect(link).to_have_attribute("target", "_blank")
    await expect(answer.get_by_label("Tools used")).to_contain_text("library · search")
    await expect(answer.get_by_label("Tools used")).to_contain_text(re.compile(r"done in \d+\.\d\d s"))
    await expect(page.get_by_role("button", name="Send")).to_be_enabled()
    await page.screenshot(path=screenshot_path("chat"), full_page=True)

    await page.reload()
    log = page.get_by_role("log", name="Conversation")
    await expect(log.get_by_label("You")).to_have_count(1)
    await expect(log.get_by_label("You")).to_have_text("Can I return a walker?")
    restored = log.get_by_label("Assistant").last
    await expect(restored.get_by_role("link", name="Returns and exchanges policy")).to_have_attribute(
        "href", "https://brightwell.example/help/returns-policy"
    )
    await expect(restored.get_by_label("Tools used")).to_contain_text("library · search")


async def assert_no_injection(page: Page) -> None:
    """Nothing from the model's text ran or became markup: no flag set, no script/img/iframe, only http(s) links."""
    assert await page.evaluate("() => window.__xss") is None
    log = page.get_by_role("log", name="Conversation")
    for tag in ("script", "img", "iframe"):
        await expect(log.locator(tag)).to_have_count(0)
    hrefs = await log.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert all(h is None or h.startswith(("http://", "https://")) for h in hrefs), hrefs


async def test_script_in_the_answer_is_shown_as_text_and_never_runs(page: Page, base_url: str) -> None:
    await page.goto(f"{base_url}/chat/demo/sales")
    await send(page, "what does the xss document say?")
    answer = page.get_by_role("log", name="Conversation").get_by_label("Assistant").last
    await expect(answer).to_contain_text("and that is all.")
    await expect(answer).to_contain_text("<script>window.__xss = 'script'</script>")
    await expect(answer.get_by_role("link", name="click me")).to_have_count(0)
    await assert_no_injection(page)

    await page.reload()
    await expect(page.get_by_role("log", name="Conversation").get_by_label("Assistant").last).to_contain_text(
        "and that is all."
    )
    await assert_no_injection(page)


async def test_enter_sends_and_shift_enter_adds_a_line(page: Page, base_url: str) -> None:
    await page.goto(f"{base_url}/chat/demo/sales")
    box = page.get_by_label("Your message")
    await box.fill("line one")
    await box.press("Shift+Enter")
    await box.press_sequentially("line two")
    assert await box.input_value() == "line one\nline two"
    log = page.get_by_role("log", name="Conversation")
    await expect(log.get_by_label("You")).to_have_count(0)

    await box.press("Enter")
    await expect(log.get_by_label("You")).to_have_text("line one\nline two")
    await expect(box).to_have_value("")
    await expect(log.get_by_label("Assistant").last).to_contain_text("30 days")


async def test_code_blocks_have_a_copy_button(page: Page, base_url: str) -> None:
    await page.goto(f"{base_url}/chat/demo/sales")
    await send(page, "show me code")
    answer = page.get_by_role("log", name="Conversation").get_by_label("Assistant").last
    await expect(answer.locator("pre code")).to_have_text("print('battery ok')\n")
    button = answer.get_by_role("button", name="Copy code to clipboard")
    await button.click()
    await expect(button).to_have_text("Copied")


async def test_destructive_call_waits_for_approval_and_runs_when_approved(page: Page, base_url: str) -> None:
    await page.goto(f"{base_url}/chat/demo/sales")
    await send(page, "Please archive Jane Doe")
    card = page.get_by_role("group", name="Approval needed for archive_record")
    await expect(card).to_contain_text("archive_record")
    await expect(card).to_contain_text("can change or delete data")
    await expect(card).to_contain_text('"object_type": "contact"')  # the arguments, as the person must see them
    await expect(page.get_by_text("Waiting for your decision.")).to_be_visible()
    await page.screenshot(path=screenshot_path("chat-approval"), full_page=True)

    await card.get_by_role("button", name="Approve").click()
    answer = page.get_by_role("log", name="Conversation").get_by_label("Assistant").last
    await expect(answer).to_contain_text(ARCHIVED)
    await expect(card).to_contain_text("Approved")
    await expect(page.get_by_text("Waiting for your decision.")).to_have_count(0)  # decided: no longer waiting
    await expect(answer.get_by_label("Tools used")).to_contain_text("crm · archive_record")
    await assert_no_injection(page)

    await page.reload()
    await expect(page.get_by_role("group", name="Approval needed for archive_record")).to_have_count(0)
    await expect(page.get_by_role("log", name="Conversation")).to_contain_text(ARCHIVED)


async def test_pending_approval_survives_a_reload_and_can_be_denied(page: Page, base_url: str) -> None:
    await page.goto(f"{base_url}/chat/demo/sales")
    # A name carrying markup, which the model passes on as the record's id: the card must show it as text.
    await send(page, 'delete the contact <img src=x onerror="window.__xss=1">')
    await expect(page.get_by_role("group", name="Approval needed for archive_record")).to_be_visible()
    await expect(page.get_by_role("button", name="Send")).to_be_enabled()

    await page.reload()
    card = page.get_by_role("group", name="Approval needed for archive_record")
    await expect(card).to_contain_text("<img src=x onerror=")  # arguments are shown as text
    await assert_no_injection(page)
    await card.get_by_role("button", name="Deny").click()
    answer = page.get_by_role("log", name="Conversation").get_by_label("Assistant").last
    await expect(answer).to_contain_text('OK, I left the contact <img src=x onerror="window.__xss=1"> as it is.')
    await expect(answer.get_by_text("crm · archive_record")).to_have_count(0)  # denied: never ran
    await assert_no_injection(page)


async def test_without_the_npm_libraries_answers_still_render_safely(
    page: Page, conversations: Conversations, admin_data: AdminData, tmp_path: Path
) -> None:
    settings = make_settings(vendor_dir=tmp_path)  # no node_modules: plain text while streaming, server HTML after
    async with serve_asgi(create_web_app(conversations, settings=settings, admin=admin_data)) as url:
        await page.goto(f"{url}/chat/demo/sales")
        assert await page.evaluate("() => typeof window.DOMPurify") == "undefined"
        await send(page, "Can I return a walker?")
        answer = page.get_by_role("log", name="Conversation").get_by_label("Assistant").last
        await expect(answer.get_by_role("link", name="Returns and exchanges policy")).to_have_attribute(
            "rel", "noopener noreferrer"
        )
        await send(page, "and the xss one?")
        await expect(page.get_by_role("log", name="Conversation").get_by_label("Assistant").last).to_contain_text(
            "and that is all."
        )
        await assert_no_injection(page)


async def test_mobile_width_layout(browser: Browser, base_url: str) -> None:
    context = await browser.new_context(viewport={"width": 375, "height": 700}, is_mobile=True, has_touch=True)
    try:
        page = await context.new_page()
        await page.goto(f"{base_url}/chat/demo/sales")
        await send(page, "Can I return a walker?")
        await expect(page.get_by_role("log", name="Conversation").get_by_label("Assistant").last).to_contain_text(
            "30 days"
        )
        assert await page.evaluate("() => document.documentElement.scrollWidth") <= 375
        await expect(page.get_by_role("button", name="Send")).to_be_in_viewport()
        await expect(page.get_by_label("Your message")).to_be_in_viewport()
        await page.screenshot(path=screenshot_path("chat-mobile"))
    finally:
        await context.close()


async def test_a_dropped_stream_is_retried_without_a_second_message_or_cost(page: Page, base_url: str) -> None:
    dropped: list[str] = []

    async def drop_first_stream(route: Route) -> None:
        if dropped:
            await route.continue_()
            return
        await route.fetch()  # the server got the message and ran the turn...
        dropped.append(route.request.post_data or "")
        await route.abort("connectionreset")  # ...but the answer never reached the page

    await page.route("**/api/sessions/*/messages", drop_first_stream)
    await page.goto(f"{base_url}/chat/demo/sales")
    await send(page, "Can I return a walker?")
    log = page.get_by_role("log", name="Conversation")
    await expect(log.get_by_label("Assistant").last).to_contain_text("original packaging.")
    assert len(dropped) == 1

    await page.unroute("**/api/sessions/*/messages")
    await page.reload()
    await expect(log.get_by_label("You")).to_have_count(1)
    await expect(log.get_by_label("Assistant")).to_have_count(2)  # the greeting and one answer
    async with httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as admin:
        usage = (await admin.get("/api/admin/usage")).json()
    # One turn, paid once: its two model requests (the tool call, then the answer), not four.
    assert [(u["agent"], u["requests"]) for u in usage] == [("sales", 2)]
