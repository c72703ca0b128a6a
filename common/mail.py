"""Mail backends of our own."""

from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend


class ConsoleEmailBackend(DjangoConsoleBackend):
    """Development: each email printed as a person reads it — the headers that
    matter, then the plain-text part decoded. Django's console backend prints
    the raw MIME message, whose quoted-printable encoding breaks long links
    at ``=`` line ends; these links open when copied from the console."""

    def write_message(self, message):
        headers = message.extra_headers
        lines = [
            f"From: {message.from_email}",
            f"To: {', '.join(message.to)}",
            f"Subject: {message.subject}",
        ]
        if "List-Unsubscribe" in headers:
            lines.append(f"List-Unsubscribe: {headers['List-Unsubscribe']}")
        lines += ["", message.body.rstrip(), "-" * 79, ""]
        self.stream.write("\n".join(lines))
