"""The one email builder: both parts, safe headers, and the faster SMTP policy."""

import datetime as dt
import email.policy
from types import SimpleNamespace

from common.emails import SMTP_POLICY, email_build


def person(name="Rita Rep", address="rita@example.com"):
    return SimpleNamespace(name=name, email=address, is_rep=True, tzinfo=dt.UTC)


def invite(to):
    return email_build(
        "invite", to=to, context={"person": to, "by": person("Maria"), "url": "http://x/"}
    )


def test_the_faster_policy_builds_the_same_bytes_as_the_standard_smtp_policy():
    message = invite(person(name="Zoë O'Brien-Ångström, Head of Sales EMEA & APAC"))
    message.extra_headers["Message-ID"] = "<fixed@coachloop.localhost>"
    message.extra_headers["Date"] = "Mon, 30 Nov 2026 09:00:00 +0000"

    ours = message.message(policy=email.policy.SMTP).as_bytes()
    # Bypass our override to get the standard library's own rendering.
    standard = super(type(message), message).message(policy=email.policy.SMTP).as_bytes()

    assert SMTP_POLICY is not email.policy.SMTP
    # The MIME boundaries are random: compare with them taken out.
    assert _without_boundaries(ours) == _without_boundaries(standard)


def test_a_line_break_in_a_name_cannot_add_a_header():
    message = invite(person(name="Rita\r\nBcc: victim@example.com"))

    raw = message.message(policy=email.policy.SMTP).as_bytes()
    headers = raw.split(b"\r\n\r\n", 1)[0]

    assert b"\r\nBcc:" not in headers
    assert message.to == ['"Rita Bcc: victim@example.com" <rita@example.com>']


def test_every_email_has_a_text_and_an_html_part_without_html_escapes_in_the_text():
    message = invite(person(name="Ana & Bo"))

    assert "Ana & Bo" in message.body
    assert "&amp;" not in message.body
    assert "&amp;" not in message.subject
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "Ana &amp; Bo" in html


def _without_boundaries(raw: bytes) -> bytes:
    import re

    return re.sub(rb"=+\d+==", b"BOUNDARY", raw)


def test_the_development_console_prints_links_whole_so_they_open_when_copied():
    import io

    from common.mail import ConsoleEmailBackend

    url = "http://127.0.0.1:8000/email/" + "x" * 150 + "/"
    message = email_build(
        "invite",
        to=person(),
        context={"person": person(), "by": person("Maria Manager"), "url": url},
    )
    stream = io.StringIO()
    ConsoleEmailBackend(stream=stream).send_messages([message])

    printed = stream.getvalue()
    assert url in printed.splitlines()
    assert "Subject: Maria Manager invited you to CoachLoop" in printed
    assert "=\n" not in printed
