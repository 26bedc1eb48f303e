"""Model output as safe HTML: Markdown rendered without raw HTML, then sanitised with an allow-list.

Model output and the documents it quotes are untrusted. Two layers keep script out of the page: markdown-it renders
with `html` off (raw tags become text) and validates link schemes, then nh3 (ammonia) keeps only the tags and
attributes below. Links must be absolute http(s) URLs; they open in a new tab with `rel="noopener noreferrer"`.
The browser renders streamed text the same way (markdown-it + DOMPurify, static/chat.js) and swaps in this HTML when
the turn finishes, so what a reload shows is what the stream showed.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "code": {"class"}, "th": {"align"}, "td": {"align"}}
SAFE_SCHEMES = ("http://", "https://")


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "a" and attr == "href":
        return value if value.lower().startswith(SAFE_SCHEMES) else None
    if tag == "code" and attr == "class":
        # Only fenced-code language markers, e.g. `language-python`.
        return value if value.startswith("language-") and value[9:].replace("-", "").isalnum() else None
    return value


def sanitize(html: str) -> str:
    """Keep only the allowed tags and attributes; drop script and style with their content."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"a": {"target": "_blank"}},
    )


def render_markdown(text: str) -> str:
    """Markdown from a model (or a person) as HTML that is safe to put into the page."""
    return sanitize(_markdown().render(text))
