"""local/nginx.conf (the one load-balancer template) and its native rendering, statically."""

from __future__ import annotations

import json
import re
from pathlib import Path

import local.stack as stack
import pytest
from local.stack.nginx import NginxSite

from chalicelib.problem_docs import PROBLEMS, problem_document

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = (ROOT / "local" / "nginx.conf").read_text()
# The template without comments, so assertions see directives only.
DIRECTIVES = "\n".join(line.split("#", 1)[0] for line in TEMPLATE.splitlines())


def _directive(pattern: str) -> list[str]:
    return re.findall(pattern, DIRECTIVES, re.MULTILINE)


def test_retries_only_unreachable_workers_and_a_bounded_number_of_times() -> None:
    (retry,) = _directive(r"^\s*proxy_next_upstream\s+([^;]+);")
    # Not on a timeout nor on the app's own 503 (its dependency is down for every
    # worker): either would multiply the time to the answer.
    assert retry.split() == ["error"]
    assert "non_idempotent" not in DIRECTIVES
    (tries,) = _directive(r"^\s*proxy_next_upstream_tries\s+(\d+);")
    assert 1 < int(tries) <= 5
    assert _directive(r"^\s*proxy_next_upstream_timeout\s+\d+s;")


def test_nginx_waits_longer_than_the_apps_storage_budget() -> None:
    from taskcore.storage.models import WORST_CALL_SECONDS

    (read,) = _directive(r"^\s*proxy_read_timeout\s+(\d+)s;")
    assert WORST_CALL_SECONDS < 10 < int(read) < 30


def test_upstream_keepalive_and_timeouts() -> None:
    assert _directive(r"^\s*keepalive\s+\d+;")
    assert _directive(r'^\s*proxy_set_header\s+Connection\s+"";')
    assert _directive(r"^\s*proxy_http_version\s+1\.1;")
    for name in ("proxy_connect_timeout", "proxy_send_timeout", "proxy_read_timeout"):
        assert _directive(rf"^\s*{name}\s+\d+s;"), name


def test_limits_answer_with_problem_documents() -> None:
    assert _directive(r"^\s*client_max_body_size\s+64k;")
    assert _directive(r"^\s*limit_req_status\s+429;")
    assert _directive(r"^\s*location /v1/auth/ \{\s*limit_req zone=auth")
    # Every status nginx makes itself; 494 is its "header too large", answered as 431.
    for status, answered in (
        *((s, s) for s in ("400", "405", "408", "411", "413", "414", "429", "500", "501")),
        ("494", "431"),
        ("504", "504"),
        ("502", "503"),
        ("503", "503"),
    ):
        (page,) = _directive(rf"^\s*error_page\s+[\d ]*\b{status}\b[\d ]*(?:=\d+ )?(/\S+);")
        block = re.search(rf"location = {re.escape(page)} \{{(.*?)\n\s*\}}\n", DIRECTIVES, re.S)
        assert block, page
        assert "internal;" in block.group(
            1
        ) and "default_type application/problem+json;" in block.group(1)
        (body,) = re.findall(rf"return {answered} '([^']+)';", block.group(1))
        doc = json.loads(body)
        # Exactly what the app would answer for this code and status (problem_docs).
        assert doc == problem_document(int(answered), doc["detail"], "$req_id", code=doc["code"])
        assert int(answered) in PROBLEMS[doc["code"]].statuses
        assert "nginx" not in body


def test_request_id_and_security_headers() -> None:
    assert _directive(r"^\s*proxy_set_header\s+X-Request-Id\s+\$req_id;")
    # The id the app echoed ($req_id, passed on), or gunicorn's own in an error it made.
    assert _directive(r"^\s*add_header\s+X-Request-Id\s+\$resp_req_id always;")
    assert _directive(r'^\s*"" \$req_id;')
    assert "$request_id" in DIRECTIVES  # generated when the client sent none
    for header, value in (
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
    ):
        assert _directive(rf"^\s*add_header\s+{header}\s+{value}\s+always;"), header
    assert _directive(r"^\s*add_header\s+Cache-Control\s+\$lb_cache_control\s+always;")
    assert _directive(r"^\s*server_tokens\s+off;")
    # add_header inside a location would silently drop every server-level header.
    for block in re.findall(r"location [^{]+\{([^}]*)\}", DIRECTIVES):
        assert "add_header" not in block


def test_cors_headers_follow_the_apps_list_on_nginxs_own_answers() -> None:
    # Only where the app's reply carries none (nginx's own errors), and only for an
    # origin of the same list the app reads (LB_CORS_ALLOWED_ORIGINS).
    assert '"" $lb_cors_allowed;' in DIRECTIVES
    assert ",${LB_CORS_ALLOWED_ORIGINS},|$http_origin" in DIRECTIVES
    for header, variable in (
        ("Access-Control-Allow-Origin", "lb_cors_origin"),
        ("Access-Control-Expose-Headers", "lb_cors_expose"),
        ("Vary", "lb_cors_vary"),
    ):
        assert _directive(rf"^\s*add_header\s+{header}\s+\${variable}\s+always;"), header


def test_render_refuses_origins_that_would_break_the_configuration(tmp_path: Path) -> None:
    site = NginxSite(
        port=1, worker_ports=(2,), log_dir=tmp_path, nginx_dir=tmp_path, cors_allowed_origins='a";'
    )
    with pytest.raises(stack.StackError, match="CORS_ALLOWED_ORIGINS"):
        site.render()


def test_json_access_log() -> None:
    (log_format,) = _directive(r"^\s*log_format\s+json\s+escape=json")
    assert log_format
    assert _directive(r"^\s*access_log\s+\$\{LB_ACCESS_LOG\}\s+json;")


def test_render_fills_every_placeholder_for_the_native_stack(tmp_path: Path) -> None:
    config = stack.StackConfig(port=18080, app_ports=(13001, 13002), run_dir=tmp_path)
    rendered = stack.Stack(config).render_nginx()
    assert not re.search(r"\$\{LB_[A-Z_]+\}", rendered)
    assert "listen 127.0.0.1:18080;" in rendered
    for port in (13001, 13002):
        assert f"server 127.0.0.1:{port} {stack.UPSTREAM_HEALTH};" in rendered
    assert str(tmp_path / "logs" / "nginx-access.log") in rendered


def test_render_refuses_a_missing_value() -> None:
    with pytest.raises(stack.StackError, match="LB_LISTEN"):
        stack.render_template("listen ${LB_LISTEN};", {})
    # nginx's own variables are left alone.
    assert stack.render_template("$host ${LB_X}", {"LB_X": "1"}) == "$host 1"


def test_worker_ports() -> None:
    assert stack.StackConfig(workers=3, app_base_port=3001).worker_ports == (3001, 3002, 3003)
    assert stack.StackConfig(app_ports=(5, 7)).worker_ports == (5, 7)
