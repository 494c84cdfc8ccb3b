"""What functions/gunicorn_head.py is for: a worker killed between two writes.

gunicorn runs with the production settings (functions/gunicorn.conf.py, so the patch is
installed by its real ``on_starting`` hook) plus a test-only ``post_fork`` hook that
stalls a worker, which the test SIGKILLs right then; ``GUNICORN_HOLD_HEAD=0`` is the
unpatched server.

* Directly against gunicorn, stalled after the first write on the client connection:
  with the patch that write was the whole response; without it, the head only, and the
  client is left with a truncated reply.
* Through nginx with two upstreams, stalled after gunicorn wrote the head and before it
  wrote the body: with the patch nothing had left the worker, so nginx retries the GET
  on the other upstream and the client gets its 200; without it nginx has forwarded the
  head, cannot retry, and the client's reply is cut short.

The served app is a stand-in answering like functions/wsgi.py does (one body chunk with
a Content-Length), so no DynamoDB is needed.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from e2e_support import ROOT, free_ports, wait_until
from local.stack.children import find_executable
from local.stack.nginx import NginxSite

pytestmark = pytest.mark.e2e

PRODUCTION_CONF = ROOT / "functions" / "gunicorn.conf.py"
BODY = b'{"status":"ok"}'
# Long enough for the test to kill the worker first; bounds the wait if it does not.
STALL_SECONDS = 3.0

APP = f'''
def application(environ, start_response):
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", "{len(BODY)}")]
    )
    return [{BODY!r}]
'''

# Test-only settings: the production ones, a stand-in app, and a worker that stalls (once
# for all servers sharing STALL_MARKER, whose pid it writes there) at STALL_AT:
#   socket  after the first sendall on a client connection, whatever it carried;
#   head    after gunicorn has written a response's head, before it writes the body
#           (on the wire with GUNICORN_HOLD_HEAD=0, held back by the patch otherwise).
STALL_CONF = f"""
import os, runpy, socket, sys, time, weakref

globals().update(
    (k, v) for k, v in runpy.run_path({str(PRODUCTION_CONF)!r}).items() if not k.startswith("__")
)
wsgi_app = "stall_app:application"
pythonpath = pythonpath + "," + os.path.dirname(os.path.abspath(__file__))


def _stall(what):
    try:
        fd = os.open(os.environ["STALL_MARKER"], os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return
    os.write(fd, b"%d\\n" % os.getpid())
    os.close(fd)
    print(f"stalling after {{what}}", file=sys.stderr, flush=True)
    time.sleep({STALL_SECONDS})


def post_fork(server, worker):
    if os.environ["STALL_AT"] == "head":
        from gunicorn.http.wsgi import Response

        send_headers = Response.send_headers  # the patched one, when installed

        def stalling_send_headers(self):
            first = not self.headers_sent
            send_headers(self)
            if first:
                _stall("gunicorn's head write")

        Response.send_headers = stalling_send_headers
        return

    clients = weakref.WeakSet()
    handle = worker.handle
    real_sendall = socket.socket.sendall

    def marking_handle(listener, client, addr):
        clients.add(client)
        return handle(listener, client, addr)

    def sendall(sock, data, *args):
        real_sendall(sock, data, *args)
        if sock in clients:
            clients.discard(sock)
            _stall(f"a first write of {{len(data)}} bytes")

    worker.handle = marking_handle
    socket.socket.sendall = sendall
"""


@dataclass
class Reply:
    """What a client received before the connection closed."""

    raw: bytes

    @property
    def head(self) -> bytes:
        return self.raw.partition(b"\r\n\r\n")[0]

    @property
    def body(self) -> bytes:
        return self.raw.partition(b"\r\n\r\n")[2]

    @property
    def status_line(self) -> bytes:
        return self.raw.split(b"\r\n", 1)[0]

    @property
    def content_length(self) -> int | None:
        for line in self.head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                return int(value)
        return None


class Servers:
    """gunicorn instances (and nginx) started by one test; all stopped at its end."""

    def __init__(self, tmp_path: Path) -> None:
        self.dir = tmp_path
        self.marker = tmp_path / "stalled.pid"
        self.masters: list[subprocess.Popen[bytes]] = []
        self.nginx: subprocess.Popen[bytes] | None = None
        (tmp_path / "stall_app.py").write_text(APP)
        self.conf = tmp_path / "stall.conf.py"
        self.conf.write_text(STALL_CONF)

    def gunicorn(self, *ports: int, hold_head: bool, stall_at: str = "socket") -> None:
        """One gunicorn master with one worker on each of ``ports``, all started at once."""
        argv = [sys.executable, "-m", "gunicorn", "--config", str(self.conf)]
        for port in ports:
            env = {k: v for k, v in os.environ.items() if not k.startswith("GUNICORN_")}
            env |= {
                "HOST": "127.0.0.1",
                "PORT": str(port),
                "WEB_CONCURRENCY": "1",
                "STALL_MARKER": str(self.marker),
                "GUNICORN_HOLD_HEAD": "1" if hold_head else "0",
                "STALL_AT": stall_at,
            }
            with (self.dir / f"gunicorn-{port}.log").open("wb") as log:
                self.masters.append(
                    subprocess.Popen(
                        argv,
                        cwd=self.dir,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        for port in ports:
            assert wait_until(functools.partial(_listening, port), 15), self.logs()

    def start_nginx(self, port: int, upstreams: tuple[int, ...]) -> None:
        nginx = find_executable("nginx")
        site = NginxSite(port, upstreams, self.dir, self.dir / "nginx")
        site.write()
        checked = site.check(nginx)
        assert checked.returncode == 0, checked.stderr
        self.nginx = subprocess.Popen(
            site.argv(nginx),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        assert wait_until(lambda: _listening(port), 15), self.logs()

    def kill_stalled_worker(self) -> int:
        """SIGKILL the worker stalling between its writes (one of ours); its pid."""
        assert wait_until(
            lambda: self.marker.exists() and self.marker.read_text().endswith("\n"),
            15,
            interval=0.02,
        ), self.logs()
        pid = int(self.marker.read_text())
        parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        assert parent in {master.pid for master in self.masters}
        os.kill(pid, signal.SIGKILL)
        return pid

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.dir.glob("*.log")))

    def stop(self) -> None:
        # Quick shutdown (SIGINT for gunicorn, SIGTERM for nginx), then SIGKILL to the
        # process groups these were started in, should one hang.
        running = [(m, signal.SIGINT) for m in self.masters]
        if self.nginx is not None:
            running.append((self.nginx, signal.SIGTERM))
        for process, sig in running:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(sig)
        for process, _ in running:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
        return True
    return False


def _get_while_a_worker_dies(servers: Servers, port: int) -> Reply:
    """GET /v1/health on ``port``; SIGKILL the worker once it stalls; all that arrived."""
    with socket.create_connection(("127.0.0.1", port), 5) as client:
        client.sendall(b"GET /v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        servers.kill_stalled_worker()
        received = b""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            client.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                chunk = client.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not chunk:
                break
            received += chunk
    return Reply(received)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    started = Servers(tmp_path)
    try:
        yield started
    finally:
        started.stop()


def test_with_the_patch_a_killed_worker_has_sent_the_whole_response(
    servers: Servers,
) -> None:
    [port] = free_ports(1)
    servers.gunicorn(port, hold_head=True)
    reply = _get_while_a_worker_dies(servers, port)
    assert reply.status_line == b"HTTP/1.1 200 OK", servers.logs()
    assert reply.content_length == len(BODY)
    assert reply.body == BODY


def test_without_it_the_client_is_left_with_a_head_and_no_body(servers: Servers) -> None:
    [port] = free_ports(1)
    servers.gunicorn(port, hold_head=False)
    reply = _get_while_a_worker_dies(servers, port)
    assert reply.status_line == b"HTTP/1.1 200 OK", servers.logs()
    assert reply.content_length == len(BODY)
    assert reply.body == b""  # truncated: the body never left the killed worker


def _upstreams_tried(servers: Servers) -> list[str]:
    """nginx's access log: the upstream(s) tried for the one request."""
    [line] = (servers.dir / "nginx-access.log").read_text().splitlines()
    return str(json.loads(line)["upstream"]).split(", ")


def _through_nginx(servers: Servers, *, hold_head: bool) -> tuple[Reply, list[str]]:
    """A GET through nginx to two upstreams, one worker killed between head and body."""
    nginx_port, first, second = free_ports(3)
    servers.gunicorn(first, second, hold_head=hold_head, stall_at="head")
    servers.start_nginx(nginx_port, (first, second))
    reply = _get_while_a_worker_dies(servers, nginx_port)
    assert wait_until(lambda: (servers.dir / "nginx-access.log").stat().st_size > 0, 5)
    return reply, _upstreams_tried(servers)


def test_through_nginx_with_the_patch_the_request_is_retried(servers: Servers) -> None:
    reply, tried = _through_nginx(servers, hold_head=True)
    # Nothing had left the killed worker: nginx asked the other upstream.
    assert reply.status_line == b"HTTP/1.1 200 OK", servers.logs()
    assert reply.body == BODY
    assert len(tried) == 2, tried


def test_through_nginx_without_it_the_reply_is_truncated(servers: Servers) -> None:
    reply, tried = _through_nginx(servers, hold_head=False)
    # nginx had forwarded the head, so it could not retry on the healthy second upstream.
    assert reply.status_line == b"HTTP/1.1 200 OK", servers.logs()
    assert reply.content_length == len(BODY)
    assert len(reply.body) < len(BODY)
    assert len(tried) == 1, tried
