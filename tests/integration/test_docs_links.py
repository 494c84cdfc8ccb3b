"""The documentation pages link only relative URLs, so they work wherever the API is
mounted: at the host's root (nginx, the containers) or under API Gateway's stage path."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

from support import ApiClient

STAGE = "https://api.example/api"  # API Gateway's default endpoint: the stage is a path


@pytest.mark.parametrize("page", ["/v1/docs", "/v1/problems/invalid_credentials"])
def test_every_link_of_a_page_resolves_under_a_stage_path(api: ApiClient, page: str) -> None:
    html = api.request("GET", page).body.decode()
    links = re.findall(r'(?:href|src)="([^"#]+)', html) + re.findall(r'url: "([^"]+)"', html)
    links = [link for link in links if not link.startswith("data:")]
    assert links, html[:500]
    for link in links:
        resolved = urlsplit(urljoin(STAGE + page, link))
        assert resolved.path.startswith("/api/v1/"), (page, link, resolved.path)
        served = api.request("GET", resolved.path.removeprefix("/api"))
        assert served.status == 200, (page, link, served.status)
