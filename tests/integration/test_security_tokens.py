"""Forged, stale and revoked tokens are refused over HTTP with 401 (OWASP API2).

The unit tests (tests/unit/test_passwords_and_tokens.py) check the verifier; these check
that every such token, sent as a client would send it, gets a 401 problem with
``WWW-Authenticate`` and no data.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from security_support import problem
from support import ApiClient, FakeClock, Reply
from taskcore.errors import Unauthorized
from taskcore.services import accounts
from taskcore.services.deps import Deps

Forge = Callable[[dict[str, Any], str], str]


def _b64(part: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def _unsigned(claims: dict[str, Any], secret: str) -> str:
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


def _rs256_with_embedded_key(claims: dict[str, Any], secret: str) -> str:
    # The attacker signs with their own key and ships its public half in the header.
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return jwt.encode(claims, key, algorithm="RS256", headers={"jwk": jwk})


def _tampered(claims: dict[str, Any], secret: str) -> str:
    header, _, signature = jwt.encode(claims, secret, algorithm="HS256").split(".")
    return f"{header}.{_b64({**claims, 'sub': 'someone-else'})}.{signature}"


def _hs256(**changes: Any) -> Forge:
    def forge(claims: dict[str, Any], secret: str) -> str:
        merged = {k: v for k, v in {**claims, **changes}.items() if v is not None}
        return jwt.encode(merged, secret, algorithm="HS256")

    return forge


FORGERIES: dict[str, Forge] = {
    "alg-none": _unsigned,
    "wrong-key": lambda c, s: jwt.encode(c, "an-attacker-guess-" + "x" * 32, algorithm="HS256"),
    "other-hmac-alg": lambda c, s: jwt.encode(c, s, algorithm="HS512"),
    "rs256-embedded-jwk": _rs256_with_embedded_key,
    "tampered-payload": _tampered,
    "wrong-issuer": _hs256(iss="https://evil.example"),
    "wrong-audience": _hs256(aud="another-app"),
    "no-expiry": _hs256(exp=None),
    "no-family": _hs256(fid=None),
    "expiry-as-text": _hs256(exp="4102444800"),
}


def _claims(deps: Deps, token: str) -> dict[str, Any]:
    secret = deps.settings.jwt_secret.get_secret_value()
    settings = deps.settings
    claims: dict[str, Any] = jwt.decode(
        token,
        secret,
        algorithms=["HS256"],
        audience=settings.jwt_audience,
        issuer=settings.jwt_issuer,
        options={"verify_exp": False, "verify_nbf": False},
    )
    return claims


def _refused(api: ApiClient, token: str, path: str = "/v1/me") -> Reply:
    reply = api.request("GET", path, token=token)
    problem(reply, 401)
    assert reply.header("WWW-Authenticate").startswith("Bearer")
    return reply


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_forged_tokens_are_401(api: ApiClient, deps: Deps, name: str) -> None:
    session = api.register()
    task = api.create(session["access_token"], title="mine")
    claims = _claims(deps, session["access_token"])
    forged = FORGERIES[name](claims, deps.settings.jwt_secret.get_secret_value())
    for path in ("/v1/me", "/v1/tasks", f"/v1/tasks/{task['id']}"):
        reply = _refused(api, forged, path)
        assert "mine" not in reply.body.decode()


def test_expired_and_not_yet_valid_tokens_are_401(
    api: ApiClient, deps: Deps, clock: FakeClock
) -> None:
    token = api.token()
    secret = deps.settings.jwt_secret.get_secret_value()
    now = int(clock().timestamp())
    claims = _claims(deps, token)
    early = jwt.encode({**claims, "nbf": now + 600, "iat": now + 600}, secret, algorithm="HS256")
    assert "not valid yet" in problem(_refused(api, early), 401)["detail"]
    clock.advance(minutes=15, seconds=6)  # past expiry and its 5 s leeway
    assert "expired" in problem(_refused(api, token), 401)["detail"]


def test_a_token_outside_the_authorization_header_is_ignored(api: ApiClient) -> None:
    token = api.token()
    reply = api.request("GET", f"/v1/me?access_token={token}", headers={"Authorization": ""})
    problem(reply, 401)
    for scheme in ("Basic", "Token", "bearer"):
        status = api.request("GET", "/v1/me", headers={"Authorization": f"{scheme} {token}"}).status
        assert status == (200 if scheme == "bearer" else 401)  # the scheme is case-insensitive


def test_logout_revokes_the_access_token_and_its_refresh_token(api: ApiClient) -> None:
    session = api.register()
    token, refresh = session["access_token"], session["refresh_token"]
    assert api.request("GET", "/v1/me", token=token).status == 200  # now cached as live
    assert api.request("POST", "/v1/auth/logout", token=token).status == 204
    _refused(api, token)
    problem(api.request("POST", "/v1/auth/refresh", {"refresh_token": refresh}), 401)


def test_reusing_a_spent_refresh_token_ends_the_whole_session(api: ApiClient, clock) -> None:
    session = api.register()
    rotated = api.request("POST", "/v1/auth/refresh", {"refresh_token": session["refresh_token"]})
    assert rotated.status == 200
    clock.advance(seconds=31)  # past the grace for a client's own concurrent refreshes
    # An attacker replays the stolen, already spent token.
    problem(
        api.request("POST", "/v1/auth/refresh", {"refresh_token": session["refresh_token"]}), 401
    )
    # The legitimate client's newer tokens stop working too.
    _refused(api, rotated.json["access_token"])
    problem(
        api.request("POST", "/v1/auth/refresh", {"refresh_token": rotated.json["refresh_token"]}),
        401,
    )


def test_a_refresh_token_cannot_be_moved_to_another_account(api: ApiClient) -> None:
    ann, bob = api.register(), api.register()
    _, family, secret = ann["refresh_token"].split(".")
    grafted = f"{bob['user']['id']}.{family}.{secret}"
    problem(api.request("POST", "/v1/auth/refresh", {"refresh_token": grafted}), 401)
    # Ann's own token still works: the failed graft did not spend it.
    again = api.request("POST", "/v1/auth/refresh", {"refresh_token": ann["refresh_token"]})
    assert again.status == 200


def test_a_refresh_token_is_not_an_access_token(api: ApiClient) -> None:
    session = api.register()
    _refused(api, session["refresh_token"])
    problem(
        api.request("POST", "/v1/auth/refresh", {"refresh_token": session["access_token"]}), 401
    )


def test_racing_refreshes_with_one_token_share_one_successor(deps: Deps) -> None:
    # DESIGN v1.1: the same refresh token presented concurrently (a client resuming on
    # several threads) gets one and the same new session, never two families or a
    # logout; only one rotation is written, so the successor is still single-use.
    session = accounts.register(
        deps, {"email": f"race-{deps.new_id()}@example.com", "password": "correct horse"}
    )

    def refresh(_: int) -> dict[str, Any] | None:
        try:
            return accounts.refresh(deps, {"refresh_token": session["refresh_token"]})
        except Unauthorized:
            return None

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(refresh, range(8)))
    assert None not in results
    assert len({r["refresh_token"] for r in results if r is not None}) == 1
    successor = results[0]
    assert successor is not None
    accounts.refresh(deps, {"refresh_token": successor["refresh_token"]})
