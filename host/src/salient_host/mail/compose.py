"""Messages as they leave: a plain-text and an HTML part, attachments, and the unsubscribe link in body and headers.

The summary arrives as Markdown written by a model, so it is treated as untrusted: markdown-it renders it with raw
HTML turned off, and nh3 keeps only harmless tags and http(s)/mailto links (no images, which would be tracking
pixels). Templates are autoescaped. Every message is serialised 7-bit clean (quoted-printable or base64 bodies,
RFC 2047 headers), so any SMTP server takes it as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import cache
from typing import Literal

import nh3
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup

from salient_host.mail.addresses import Recipient

# SMTP line endings, and no 8-bit bodies: some relays still lack 8BITMIME.
POLICY = policy.SMTP.clone(cte_type="7bit")
# What a summary may contain once rendered. No <img> (remote images track readers), no raw HTML from the model.
SUMMARY_TAGS = {
    "a", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol",
    "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
SUMMARY_ATTRIBUTES = {"a": {"href", "title"}, "td": {"align"}, "th": {"align"}}
ICS_METHOD = re.compile(r"^METHOD:([A-Za-z-]+)\s*$", re.MULTILINE)

Audience = Literal["visitor", "rep"]


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: str | bytes
    content_type: str = "application/octet-stream"
    params: dict[str, str] = field(default_factory=dict)


def ics_attachment(ics: str, filename: str = "meeting.ics") -> Attachment:
    """An iCalendar invite as `text/calendar`, its `method` parameter taken from the file (REQUEST by default)."""
    match = ICS_METHOD.search(ics)
    method = match.group(1).upper() if match else "REQUEST"
    return Attachment(filename, ics, "text/calendar", {"method": method})


@cache
def _templates() -> Environment:
    return Environment(
        loader=PackageLoader("salient_host.mail", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


@cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])


def markdown_to_html(text: str) -> str:
    """Markdown from a model as HTML safe to put in an e-mail."""
    html = _markdown().render(text)
    return nh3.clean(
        html,
        tags=SUMMARY_TAGS,
        attributes=SUMMARY_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def render_template(name: str, **context: object) -> str:
    return _templates().get_template(name).render(**context)


def render_summary(
    audience: Audience,
    *,
    brand: str,
    subject: str,
    visitor: Recipient | None,
    rep: Recipient | None,
    session_id: str | None,
    summary_markdown: str,
    has_invite: bool,
    unsubscribe_url: str,
) -> tuple[str, str]:
    """The plain-text and HTML bodies of a conversation summary for the visitor or for the rep."""
    context = {
        "audience": audience,
        "brand": brand,
        "subject": subject,
        "visitor": visitor,
        "rep": rep,
        "session_id": session_id,
        "has_invite": has_invite,
        "unsubscribe_url": unsubscribe_url,
    }
    summary = summary_markdown.strip()
    text = render_template("summary.txt", summary=summary, **context)
    # nh3's output is sanitised HTML; Markup stops the template from escaping it a second time.
    html = render_template("summary.html", summary_html=Markup(markdown_to_html(summary)), **context)
    return text, html


def clean_subject(subject: str) -> str:
    """One line: a line break in a subject would start a new header."""
    return " ".join(subject.split())[:250]


def compose(
    *,
    sender: Recipient,
    to: Recipient,
    subject: str,
    text: str,
    html: str,
    now: datetime,
    unsubscribe_url: str,
    reply_to: Recipient | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> EmailMessage:
    """A complete message: text and HTML alternatives, attachments, and RFC 8058 one-click unsubscribe headers."""
    message = EmailMessage(policy=POLICY)
    message["From"] = sender.header()
    message["To"] = to.header()
    if reply_to is not None:
        message["Reply-To"] = reply_to.header()
    message["Subject"] = clean_subject(subject)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=sender.email.rpartition("@")[2])
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # RFC 3834: automatic messages, so out-of-office responders do not answer them.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    for item in attachments:
        maintype, _, subtype = item.content_type.partition("/")
        if isinstance(item.content, str):
            message.add_attachment(
                item.content, subtype=subtype, filename=item.filename, params=item.params, cte="quoted-printable"
            )
        else:
            message.add_attachment(
                item.content, maintype=maintype, subtype=subtype, filename=item.filename, params=item.params
            )
    return message
