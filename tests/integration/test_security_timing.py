"""Login does not reveal which e-mail addresses have accounts, by its answer or its timing
(OWASP API2: account enumeration)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from statistics import median

import pytest

from security_support import problem, serving
from support import ApiClient, FakeClock
from taskcore.cache import Cache
from taskcore.config import Settings

ROUNDS = 7


@pytest.fixture
def api_with_real_bcrypt(aws: Settings, clock: FakeClock, cache: Cache) -> Iterator[ApiClient]:
    """The app with a production-like bcrypt cost (the other tests use 4 for speed)."""
    with serving(aws.model_copy(update={"bcrypt_cost": 10}), clock, cache) as (api, _):
        yield api


def _timed_login(api: ApiClient, email: str) -> tuple[float, dict[str, object]]:
    started = time.perf_counter()
    reply = api.request("POST", "/v1/auth/login", {"email": email, "password": "wrong guess"})
    elapsed = time.perf_counter() - started
    return elapsed, problem(reply, 401)


def test_unknown_email_and_wrong_password_answer_alike_in_similar_time(
    api_with_real_bcrypt: ApiClient,
) -> None:
    api = api_with_real_bcrypt
    email = api.register()["user"]["email"]
    _timed_login(api, email)  # warm both paths up (the dummy hash is made on first use)
    _timed_login(api, "warm-up@example.com")

    wrong: list[float] = []
    unknown: list[float] = []
    details: set[object] = set()
    for n in range(ROUNDS):  # interleaved, so drifts in machine load hit both alike
        for address, sink in ((email, wrong), (f"ghost-{n}@example.com", unknown)):
            elapsed, body = _timed_login(api, address)
            sink.append(elapsed)
            details.add(body["detail"])

    assert len(details) == 1  # the same words for both
    ratio = median(unknown) / median(wrong)
    print(
        f"login median: wrong password {median(wrong) * 1000:.1f} ms, "
        f"unknown e-mail {median(unknown) * 1000:.1f} ms, ratio {ratio:.2f}"
    )
    assert median(wrong) > 0.01  # bcrypt at cost 10 really ran
    assert 0.5 <= ratio <= 2.0
