"""Composing summaries, signing unsubscribe tokens and checking mail settings; no server involved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from mail_support import ICS, SECRET, SUMMARY, Clock
from pydantic import ValidationError
from salient_core.db import Database
from salient_host.mail import (
    BadUnsubscribeToken,
    InvalidAddress,
    MailConfigError,
    MailDisabled,
    Mailer,
    MailgunSettings,
    MailSettings,
    Recipient,
    mail_problems,
)
from salient_host.mail.compose import compose, ics_attachment, markdown_to_html, render_summary
from salient_host.mail.mailgun import MailgunTransport
from salient_host.mail.tokens import UnsubscribeTokens

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SENDER = Recipient("sales@acme.example", "Acme Sales")
VISITOR = Recipient("zoe@example.org", "Zoë Visitor")
REP = Recipient("rita@acme.example", "Rita Rep")
LINK = "https://chat.acme.example/mail/unsubscribe/TOKEN"


def composed(*, ics: str | None = ICS, subject: str = "Your conversation with Acme") -> EmailMessage:
    text, html = render_summary(
        "visitor",
        brand="Acme",
        subject=subject,
        visitor=VISITOR,
        rep=REP,
        session_id="s-1",
        summary_markdown=SUMMARY,
        has_invite=ics is not None,
        unsubscribe_url=LINK,
    )
    attachments = (ics_attachment(ics),) if ics else ()
    return compose(
        sender=SENDER,
        to=VISITOR,
        subject=subject,
        text=text,
        html=html,
        now=NOW,
        unsubscribe_url=LINK,
        reply_to=REP,
        attachments=attachments,
    )


def summary_message(*, ics: str | None = ICS, subject: str = "Your conversation with Acme") -> EmailMessage:
    """What a receiver gets: the serialised bytes, parsed again."""
    parsed = BytesParser(policy=policy.default).parsebytes(composed(ics=ics, subject=subject).as_bytes())
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_a_summary_has_text_html_invite_and_unsubscribe_headers() -> None:
    message = summary_message()
    assert message["From"] == "Acme Sales <sales@acme.example>"
    assert message["To"] == "Zoë Visitor <zoe@example.org>"
    assert message["Reply-To"] == "Rita Rep <rita@acme.example>"
    assert message["Date"] == "Mon, 02 Mar 2026 09:00:00 +0000"
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith("@acme.example>")
    assert message["List-Unsubscribe"] == f"<{LINK}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/mixed"

    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert "Hello Zoë Visitor" in text.get_content() and "**Glucose Meter Pro**" in text.get_content()
    assert f"Stop these e-mails: {LINK}" in text.get_content()
    assert "<strong>Glucose Meter Pro</strong>" in html.get_content()
    assert f'<a href="{LINK}"' in html.get_content()

    [invite] = list(message.iter_attachments())
    assert invite.get_content_type() == "text/calendar"
    assert invite.get_param("method") == "REQUEST"
    assert invite.get_filename() == "meeting.ics"
    assert invite.get_content().replace("\r\n", "\n") == ICS.replace("\r\n", "\n")


def test_the_message_is_7bit_clean_for_any_smtp_server() -> None:
    raw = composed().as_bytes()
    assert raw.isascii()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998


def test_without_an_invite_there_is_no_attachment_and_no_invite_sentence() -> None:
    message = summary_message(ics=None)
    assert list(message.iter_attachments()) == []
    text = message.get_body(preferencelist=("plain",))
    assert text is not None and "meeting.ics" not in text.get_content()


def test_a_cancellation_keeps_its_method() -> None:
    assert ics_attachment(ICS.replace("METHOD:REQUEST", "METHOD:CANCEL")).params == {"method": "CANCEL"}
    assert ics_attachment("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n").params == {"method": "REQUEST"}


def test_markdown_from_the_model_is_sanitised() -> None:
    html = markdown_to_html(
        "Hi <script>alert(1)</script> <b onclick='x()'>bold</b>\n\n"
        "[ok](https://acme.example/a) [bad](javascript:alert(1)) ![pixel](https://track.example/p.gif)\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |"
    )
    assert "<script" not in html and "<b onclick" not in html
    assert "&lt;script&gt;" in html  # shown as text, not run
    assert '<a href="https://acme.example/a" rel="noopener noreferrer">ok</a>' in html
    assert 'href="javascript' not in html
    assert "<img" not in html and "track.example" not in html
    assert "<table>" in html and "<td>1</td>" in html


def test_a_line_break_in_the_subject_cannot_add_a_header() -> None:
    message = summary_message(subject="Summary\r\nBcc: everyone@example.org")
    assert message["Subject"] == "Summary Bcc: everyone@example.org"
    assert message["Bcc"] is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ada@example.com", Recipient("ada@example.com")),
        ("Ada Lovelace <ada@example.com>", Recipient("ada@example.com", "Ada Lovelace")),
        ('"Lovelace, Ada" <ada@example.com>', Recipient("ada@example.com", "Lovelace, Ada")),
        (Recipient(" ada@example.com ", "  Ada \n "), Recipient("ada@example.com", "Ada")),
    ],
)
def test_recipients_parse(value: Any, expected: Recipient) -> None:
    assert Recipient.parse(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "expected exactly one address"),
        ("not an address", "expected one address like name@example.com"),
        ("a@example.com, b@example.com", "expected exactly one address"),
        ("Eve <eve@example.com>\r\nBcc: all@example.com", "line break or control character"),
        ("eve@localhost", "expected one address like name@example.com"),
    ],
)
def test_bad_addresses_are_refused_with_the_reason(value: str, reason: str) -> None:
    with pytest.raises(InvalidAddress, match=reason):
        Recipient.parse(value)


def test_an_address_is_normalised_for_opt_outs() -> None:
    assert Recipient.parse("Zoë <Zoe@Example.ORG>").key == "zoe@example.org"


# -- tokens -------------------------------------------------------------------------------------------------


def test_a_token_carries_account_and_normalised_address() -> None:
    tokens = UnsubscribeTokens(SECRET, max_age=timedelta(days=365))
    subscriber = tokens.read(tokens.make("demo", "Zoe@Example.org"))
    assert (subscriber.account, subscriber.address) == ("demo", "zoe@example.org")


def test_forged_tampered_and_foreign_tokens_are_refused() -> None:
    tokens = UnsubscribeTokens(SECRET, max_age=timedelta(days=365))
    token = tokens.make("demo", "zoe@example.org")
    other = UnsubscribeTokens("another-secret-" + "y" * 40, max_age=timedelta(days=365))
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for bad in (tampered, other.make("demo", "zoe@example.org"), "garbage", ""):
        with pytest.raises(BadUnsubscribeToken, match="this unsubscribe link is not valid"):
            tokens.read(bad)


def test_a_token_expires() -> None:
    clock = Clock()
    tokens = UnsubscribeTokens(SECRET, max_age=timedelta(days=30), clock=clock)
    token = tokens.make("demo", "zoe@example.org")
    clock.advance(days=29)
    assert tokens.read(token).address == "zoe@example.org"
    clock.advance(days=2)
    with pytest.raises(BadUnsubscribeToken, match="expired"):
        tokens.read(token)


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(MailConfigError, match="at least 32 characters"):
        UnsubscribeTokens("short", max_age=timedelta(days=1))


# -- settings -----------------------------------------------------------------------------------------------


def settings(**overrides: Any) -> MailSettings:
    return MailSettings(**{"from_address": "Acme <sales@acme.example>", **overrides})


def test_a_missing_secret_is_a_clear_error_when_sending_is_enabled(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    with pytest.raises(MailConfigError) as caught:
        Mailer.from_settings(settings(), db, env={})
    text = str(caught.value)
    assert "SALIENT_MAIL_SECRET is not set" in text and "secrets.token_urlsafe" in text

    with pytest.raises(MailConfigError, match="shorter than 32 characters"):
        Mailer.from_settings(settings(), db, env={"SALIENT_MAIL_SECRET": "abc"})


async def test_with_mail_disabled_no_secret_is_needed_and_nothing_can_be_queued(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    mailer = Mailer.from_settings(settings(enabled=False), db, env={})
    assert mailer.transport is None
    with pytest.raises(MailDisabled, match="mail is disabled"):
        await mailer.queue_summary(
            "demo", "s-1", visitor=VISITOR, rep=None, subject="s", summary_markdown="x", unsubscribe_base_url=LINK
        )
    assert (await mailer.deliver_due()).total == 0
    await db.close()


def test_problems_name_file_key_and_fix() -> None:
    mailgun = settings(transport="mailgun", mailgun=MailgunSettings(domain="mg.acme.example"))
    problems = mail_problems(mailgun, {"SALIENT_MAIL_SECRET": SECRET}, file="config/salient.yaml")
    assert [str(p) for p in problems] == [
        "config/salient.yaml: mail.mailgun.api_key_env: environment variable MAILGUN_API_KEY is not set. "
        "Fix: export MAILGUN_API_KEY=..."
    ]
    assert mail_problems(settings(), {"SALIENT_MAIL_SECRET": SECRET}, file="f") == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"transport": "mailgun"}, "the `mailgun:` section (domain, api_key_env) is missing"),
        ({"from_address": "nobody"}, "'nobody' is not a usable e-mail address"),
        ({"secret_env": "NOT-A-NAME"}, "is not an environment variable name"),
        ({"smtp": {"username": "u"}}, "set both `username` and `password_env`"),
        ({"lease_seconds": 10}, "lease_seconds (10.0) must be longer than the transport timeout (30.0)"),
        ({"unsubscribe_url": "chat.acme.example/u"}, "is not an http(s) URL"),
        ({"form_address": "x@y.example"}, "Extra inputs are not permitted"),
    ],
)
def test_bad_settings_are_refused_with_the_reason(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        settings(**overrides)
    assert message in str(caught.value)


async def test_mailgun_regions_and_ports() -> None:
    eu = MailgunTransport(MailgunSettings(domain="mg.acme.example", region="eu"), api_key="k")
    us = MailgunTransport(MailgunSettings(domain="mg.acme.example"), api_key="k")
    await eu.aclose()
    await us.aclose()
    assert eu.url == "https://api.eu.mailgun.net/v3/mg.acme.example/messages.mime"
    assert us.url == "https://api.mailgun.net/v3/mg.acme.example/messages.mime"
    assert [settings(smtp={"security": s}).smtp.effective_port for s in ("starttls", "tls", "none")] == [587, 465, 25]
