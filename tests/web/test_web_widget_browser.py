"""The widget: one script tag on a plain HTML page of another server opens an isolated chat panel."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, Page, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route
from support import serve_asgi
from web_support import ADMIN_TOKEN, screenshot_path

pytestmark = pytest.mark.asyncio(loop_scope="module")

# A customer's page with broad styles of its own, which must not reach the widget.
HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme Mobility</title>
<style>
  body {{ font-family: "Comic Sans MS", cursive; color: rgb(0, 128, 0); font-size: 30px; }}
  * {{ letter-spacing: 3px !important; }}
  button {{ background: rgb(255, 0, 0) !important; width: 300px !important; border: 5px dashed black !important; }}
  iframe {{ border: 9px solid rgb(255, 0, 0) !important; }}
  div {{ display: block; padding: 20px; }}
</style></head>
<body><h1>Acme Mobility</h1><p>Plain page, nothing but one script tag.</p>
<script src="{chat}/widget.js" data-agent="sales" data-account="demo" data-color="#aa3366"
        data-greeting="Hello from the Acme widget!" data-title="Acme assistant"></script>
</body></html>"""


def host_site(chat_url: str) -> Starlette:
    async def home(request: Request) -> HTMLResponse:
        return HTMLResponse(HOST_PAGE.format(chat=chat_url))

    return Starlette(routes=[Route("/shop", home)])


async def test_widget_opens_on_a_plain_page_with_isolated_styles_and_records_where_it_was_opened(
    page: Page, base_url: str
) -> None:
    async with serve_asgi(host_site(base_url)) as site:
        await page.goto(f"{site}/shop?utm_source=newsletter&utm_campaign=spring")
        launcher = page.get_by_role("button", name="Open chat")
        await expect(launcher).to_be_visible()
        styles = await launcher.evaluate(
            "b => { const s = getComputedStyle(b); return [s.backgroundColor, s.width, s.borderTopStyle]; }"
        )
        assert styles == ["rgb(170, 51, 102)", "60px", "none"], styles

        await launcher.click()
        panel = page.get_by_role("dialog", name="Acme assistant")
        await expect(panel).to_be_visible()
        frame_border = await panel.locator("iframe").evaluate("f => getComputedStyle(f).borderTopWidth")
        assert frame_border == "0px"

        chat = page.frame_locator("iframe[title='Acme assistant']")
        await expect(chat.get_by_text("Hello from the Acme widget!")).to_be_visible()
        await chat.get_by_label("Your message").fill("Can I return a walker?")
        await chat.get_by_label("Your message").press("Enter")
        answer = chat.get_by_role("log", name="Conversation").get_by_label("Assistant").last
        await expect(answer).to_contain_text("30 days")
        await expect(answer.get_by_role("link", name="Returns and exchanges policy")).to_have_attribute(
            "rel", "noopener noreferrer"
        )
        await page.screenshot(path=screenshot_path("widget"))

        await page.get_by_role("button", name="Close chat").first.click()
        await expect(panel).to_be_hidden()

    async with httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as admin:
        sessions = (await admin.get("/api/admin/sessions")).json()["items"]
    origin = sessions[0]["session"]["origin"]
    assert origin["page"] == f"{site}/shop?utm_source=newsletter&utm_campaign=spring"
    assert origin["utm_source"] == "newsletter"
    assert origin["utm_campaign"] == "spring"


async def test_demo_company_page_carries_the_widget(page: Page, base_url: str) -> None:
    await page.goto(f"{base_url}/demo")
    await expect(page.get_by_role("heading", name="Equipment that keeps people at home, safely.")).to_be_visible()
    await page.get_by_role("button", name="Open chat").click()
    chat = page.frame_locator("iframe[title='Brightwell assistant']")
    await expect(chat.get_by_text("Hi, I'm Brightwell's assistant.")).to_be_visible()
    await page.screenshot(path=screenshot_path("widget-demo"))


async def test_widget_panel_fills_a_phone_screen(browser: Browser, base_url: str) -> None:
    context = await browser.new_context(viewport={"width": 390, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = await context.new_page()
        await page.goto(f"{base_url}/demo")
        await page.get_by_role("button", name="Open chat").click()
        chat = page.frame_locator("iframe[title='Brightwell assistant']")
        await expect(chat.get_by_label("Your message")).to_be_in_viewport()
        box = await page.get_by_role("dialog", name="Brightwell assistant").bounding_box()
        assert box is not None and box["width"] == 390
        await expect(chat.get_by_role("button", name="Send")).to_be_in_viewport()
        await expect(page.get_by_role("button", name="Close chat")).to_have_count(1)  # the launcher steps aside
        await page.screenshot(path=screenshot_path("widget-mobile"))
    finally:
        await context.close()
