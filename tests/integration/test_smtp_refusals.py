"""How the SMTP mailer reads a server's refusals, against a scripted SMTP server on a real
socket: only a refusal of this recipient or this message drops the message; a server
refusing this sender or all service keeps every message queued."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator

import pytest

from taskcore.domain.email import Letter
from taskcore.mail.smtp import SmtpMailer
from taskcore.services.ports import MailRejected, MailUnavailable

LETTER = Letter("ann@example.com", "Verify your address", "text", "<p>html</p>")


def _server(replies: dict[str, str]) -> socketserver.TCPServer:
    """Answers each SMTP command with ``replies`` (by verb) or a plain success."""

    class Session(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            self.wfile.write((replies.get("GREETING", "220 ready") + "\r\n").encode())
            if not replies.get("GREETING", "220").startswith("2"):
                return
            in_data = False
            for raw in self.rfile:
                line = raw.decode(errors="replace").rstrip("\r\n")
                if in_data:
                    if line == ".":
                        in_data = False
                        self.wfile.write((replies.get("DATA-END", "250 queued") + "\r\n").encode())
                    continue
                verb = line.split(" ", 1)[0].split(":", 1)[0].upper()
                if verb == "DATA" and "DATA" not in replies:
                    in_data = True
                    self.wfile.write(b"354 go on\r\n")
                    continue
                if verb == "EHLO":
                    self.wfile.write(b"250 mail.test\r\n")
                    continue
                if verb == "QUIT":
                    self.wfile.write(b"221 bye\r\n")
                    return
                self.wfile.write((replies.get(verb, "250 ok") + "\r\n").encode())

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Session)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def send() -> Iterator[object]:
    servers: list[socketserver.TCPServer] = []

    def send_with(replies: dict[str, str]) -> None:
        server = _server(replies)
        servers.append(server)
        mailer = SmtpMailer(
            "127.0.0.1",
            server.server_address[1],
            sender_address="noreply@example.com",
            sender_name="Tasks",
            timeout_seconds=5,
        )
        mailer.send(LETTER)

    yield send_with
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "replies",
    [
        {"GREETING": "554 no service for you"},
        {"MAIL": "553 sender address not allowed"},
        {"MAIL": "550 relaying denied"},
        {"RCPT": "451 try again later"},
    ],
    ids=["554 greeting", "553 sender", "550 relay", "451 recipient"],
)
def test_the_servers_fault_keeps_the_message(send, replies) -> None:
    with pytest.raises(MailUnavailable):
        send(replies)


@pytest.mark.parametrize(
    "replies",
    [{"RCPT": "550 no such user"}, {"DATA-END": "554 message refused as spam"}],
    ids=["550 recipient", "554 content"],
)
def test_a_refusal_of_this_message_drops_it(send, replies) -> None:
    with pytest.raises(MailRejected):
        send(replies)


def test_a_server_that_accepts_takes_the_message(send) -> None:
    send({})
