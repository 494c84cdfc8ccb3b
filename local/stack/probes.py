"""Is it up yet? Port, HTTP and Redis probes on 127.0.0.1, none of them raising."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

from .config import LOCALHOST

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def port_free(port: int) -> bool:
    """Whether a server could listen on 127.0.0.1:port now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # SO_REUSEADDR as servers use it: a port in TIME_WAIT counts as free, a listener not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOCALHOST, port))
        except OSError:
            return False
    return True


def http_status(url: str, timeout: float = 1.0) -> int | None:
    """The status code ``url`` answers with, or None when nothing answers."""
    try:
        with _NO_PROXY.open(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, ValueError):
        return None


def healthy(port: int) -> bool:
    """Whether ``GET /v1/health`` on 127.0.0.1:port answers 200."""
    return http_status(f"http://{LOCALHOST}:{port}/v1/health") == 200


def redis_ping(port: int, timeout: float = 0.5) -> bool:
    """Whether a Redis answers PING on 127.0.0.1:port."""
    try:
        with socket.create_connection((LOCALHOST, port), timeout=timeout) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def smtp_ready(port: int, timeout: float = 0.5) -> bool:
    """Whether an SMTP server greets (220) on 127.0.0.1:port."""
    try:
        with socket.create_connection((LOCALHOST, port), timeout=timeout) as conn:
            return conn.recv(64).startswith(b"220")
    except OSError:
        return False
