"""A real SMTP server for the tests (aiosmtpd on a free local port) and what it received."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class Inbox:
    """The messages received, parsed, with their envelope sender; the first message to each
    address in `refuse` is refused (451: try again later)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.senders: list[str] = []
        self.refuse: set[str] = set()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)  # type: ignore[attr-defined]
        if message["To"] in self.refuse:
            self.refuse.discard(message["To"])
            return "451 4.3.0 Try again later"
        self.messages.append(message)
        self.senders.append(envelope.mail_from)  # type: ignore[attr-defined]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    async def received(self) -> bool:
        return bool(self.messages)


@contextmanager
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    """An SMTP server on 127.0.0.1 until the block ends: its port and its inbox."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()
