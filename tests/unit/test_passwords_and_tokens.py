from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from taskcore.auth import AccessTokens, PasswordHasher, split_refresh_token
from taskcore.errors import Unauthorized

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
SECRET = "s" * 40


def test_passwords_longer_than_72_bytes_count_in_full() -> None:
    hasher = PasswordHasher(cost=4)
    base = "x" * 80
    stored = hasher.hash(base + "A")
    assert hasher.verify(base + "A", stored)
    assert not hasher.verify(base + "B", stored)  # differs only after byte 72


def test_unknown_account_is_checked_against_a_dummy_hash() -> None:
    hasher = PasswordHasher(cost=4)
    assert not hasher.verify("anything", None)
    assert hasher.hash("pw-123456").startswith("$2b$04$")


def _tokens(**overrides: object) -> AccessTokens:
    params = {"secret": SECRET, "issuer": "iss", "audience": "aud", "ttl_seconds": 900}
    params.update(overrides)
    return AccessTokens(**params)  # type: ignore[arg-type]


def test_round_trip() -> None:
    tokens = _tokens()
    claims = tokens.verify(tokens.issue("u1", "fam", NOW), NOW + timedelta(minutes=1))
    assert (claims.user_id, claims.family_id) == ("u1", "fam")


def _claims(token: str) -> dict[str, object]:
    return jwt.decode(token, options={"verify_signature": False})


def _unsigned(claims: dict[str, object], header: dict[str, str]) -> str:
    def enc(part: dict[str, object] | dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()

    return f"{enc(header)}.{enc(claims)}."


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda t, c: _unsigned(c, {"alg": "none", "typ": "JWT"}), id="alg-none"),
        pytest.param(lambda t, c: jwt.encode(c, "w" * 40, algorithm="HS256"), id="wrong-key"),
        pytest.param(lambda t, c: jwt.encode(c, SECRET, algorithm="HS512"), id="other-alg"),
        pytest.param(lambda t, c: jwt.encode({**c, "iss": "evil"}, SECRET), id="wrong-iss"),
        pytest.param(lambda t, c: jwt.encode({**c, "aud": "evil"}, SECRET), id="wrong-aud"),
        pytest.param(
            lambda t, c: jwt.encode({k: v for k, v in c.items() if k != "jti"}, SECRET),
            id="missing-jti",
        ),
        pytest.param(lambda t, c: t[:-4] + ("AAAA" if t[-4:] != "AAAA" else "BBBB"), id="bad-sig"),
        pytest.param(
            lambda t, c: (
                t.split(".")[0]
                + "."
                + base64.urlsafe_b64encode(json.dumps({**c, "sub": "u2"}).encode())
                .rstrip(b"=")
                .decode()
                + "."
                + t.split(".")[2]
            ),
            id="tampered-payload",
        ),
        pytest.param(lambda t, c: "not-a-token", id="garbage"),
    ],
)
def test_forged_tokens_are_refused(forge) -> None:  # type: ignore[no-untyped-def]
    tokens = _tokens()
    good = tokens.issue("u1", "fam", NOW)
    with pytest.raises(Unauthorized):
        tokens.verify(forge(good, _claims(good)), NOW)


def test_expired_and_not_yet_valid_tokens_are_refused() -> None:
    tokens = _tokens()
    token = tokens.issue("u1", "fam", NOW)
    with pytest.raises(Unauthorized, match="expired"):
        tokens.verify(token, NOW + timedelta(minutes=16))
    with pytest.raises(Unauthorized, match="not valid yet"):
        tokens.verify(token, NOW - timedelta(minutes=1))


def test_refresh_tokens_are_checked_for_shape() -> None:
    assert split_refresh_token("u.f.secret") == ("u", "f")
    for bad in ("", "u.f", "u..s", "a.b.c.d"):
        with pytest.raises(Unauthorized):
            split_refresh_token(bad)
