"""Brute force on the credential endpoints is limited per account and per client address
(OWASP API2 broken authentication, API4 unrestricted resource consumption)."""

from __future__ import annotations

from security_support import WsgiApiClient, problem
from support import ApiClient

PASSWORD = "correct horse"


def _login(api: ApiClient, email: str, password: str) -> int:
    return api.request("POST", "/v1/auth/login", {"email": email, "password": password}).status


def _from(address: str) -> ApiClient:
    from app import app
    from wsgi import create_application

    return WsgiApiClient(create_application(app), remote_addr=address)


def _assert_limited(reply, max_window: int) -> None:
    body = problem(reply, 429)
    assert "Too many" in body["detail"]
    assert 1 <= int(reply.header("Retry-After")) <= max_window


def test_ten_failed_logins_lock_the_account_for_known_and_unknown_addresses_alike(api) -> None:
    known = api.register()["user"]["email"]
    unknown = "nobody-here@example.com"
    for email in (known, unknown):
        statuses = [_login(api, email, "wrong password") for _ in range(10)]
        assert statuses == [401] * 10
        # Now even the right password is refused, before it is checked.
        locked = api.request("POST", "/v1/auth/login", {"email": email, "password": PASSWORD})
        _assert_limited(locked, max_window=15 * 60)
    # Other accounts, from the same address, are not affected.
    other = api.register()["user"]["email"]
    assert _login(api, other, PASSWORD) == 200


def test_a_successful_login_starts_the_failure_count_over(api) -> None:
    email = api.register()["user"]["email"]
    assert [_login(api, email, "typo typo") for _ in range(9)] == [401] * 9
    assert _login(api, email, PASSWORD) == 200
    assert [_login(api, email, "typo typo") for _ in range(9)] == [401] * 9
    assert _login(api, email, PASSWORD) == 200


def test_login_attempts_per_client_address(deps) -> None:
    attacker, bystander = _from("203.0.113.7"), _from("198.51.100.2")
    # Credential stuffing: one guess each for many accounts, from one address.
    statuses = [_login(attacker, f"victim-{n}@example.com", "guess") for n in range(31)]
    assert statuses == [401] * 30 + [429]
    _assert_limited(
        attacker.request("POST", "/v1/auth/login", {"email": "x@example.com", "password": "y"}), 60
    )
    assert _login(bystander, "victim-1@example.com", "guess") == 401


def test_a_spoofed_forwarded_for_does_not_escape_the_client_limit(deps) -> None:
    # nginx appends the peer it saw; whatever the client put before it is not trusted.
    behind_proxy = _from("10.0.0.2")  # nginx
    statuses = [
        behind_proxy.request(
            "POST",
            "/v1/auth/login",
            {"email": f"v{n}@example.com", "password": "guess"},
            headers={"X-Forwarded-For": f"192.0.2.{n}, 203.0.113.9"},
        ).status
        for n in range(31)
    ]
    assert statuses == [401] * 30 + [429]


def test_registrations_per_client_address(deps) -> None:
    spammer, someone = _from("203.0.113.50"), _from("198.51.100.50")
    for _ in range(10):
        spammer.register()
    reply = spammer.request(
        "POST", "/v1/auth/register", {"email": "eleventh@example.com", "password": PASSWORD}
    )
    _assert_limited(reply, max_window=3600)
    someone.register()  # another address is served


def test_limits_are_configurable(api, deps) -> None:
    deps.settings = deps.settings.model_copy(update={"login_max_failures_per_account": 2})
    email = api.register()["user"]["email"]
    assert [_login(api, email, "wrong password") for _ in range(3)] == [401, 401, 429]


def test_limits_hold_in_each_worker_when_redis_is_down(api_without_redis) -> None:
    api, built = api_without_redis
    assert not built.cache.available()
    email = api.register()["user"]["email"]
    assert [_login(api, email, "wrong password") for _ in range(10)] == [401] * 10
    _assert_limited(
        api.request("POST", "/v1/auth/login", {"email": email, "password": PASSWORD}), 15 * 60
    )


def test_failing_on_purpose_from_elsewhere_cannot_lock_the_owner_out(deps) -> None:
    owner_device, attacker = _from("198.51.100.77"), _from("203.0.113.77")
    email = owner_device.register()["user"]["email"]
    statuses = [_login(attacker, email, "wrong password") for _ in range(11)]
    assert statuses == [401] * 10 + [429]  # the attacker's address is stopped...
    assert _login(owner_device, email, PASSWORD) == 200  # ...the owner's is not


def test_a_login_rehashes_the_password_at_the_configured_cost(api, deps) -> None:
    from taskcore.auth import PasswordHasher

    session = api.register()
    user_id, email = session["user"]["id"], session["user"]["email"]
    assert deps.users.get(user_id).password_hash.startswith("$2b$04$")
    deps.hasher = PasswordHasher(5)  # the operator raised BCRYPT_COST
    assert _login(api, email, PASSWORD) == 200
    assert deps.users.get(user_id).password_hash.startswith("$2b$05$")
    assert _login(api, email, PASSWORD) == 200  # and the new hash verifies
