"""The outbox sender on fakes: at least once, retries with back-off, bounded runs, and
the account e-mails' text (plain and HTML, product name, expiry, no tracking)."""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta

from pydantic import SecretStr

from fakes import fake_deps, register
from taskcore.config import Settings
from taskcore.services import credentials, mail


def _queue(deps, count: int, prefix: str = "user") -> list[str]:
    emails = [f"{prefix}{i}@example.com" for i in range(count)]
    for email in emails:
        register(deps, email=email)
    return emails


def test_the_mail_service_down_keeps_the_message_queued_until_it_answers(deps, clock) -> None:
    _queue(deps, 3)
    deps.mailer.down = True
    report = mail.run_sender(deps)
    # One attempt, then the run stops: the others keep their place and their attempts.
    assert (report.delivered, report.retried, report.mail_unavailable) == (0, 1, True)
    assert deps.mailer.attempts == 1
    queued = deps.outbox.queued()
    assert len(queued) == 3 and sorted(m.attempts for m in queued) == [0, 0, 1]
    deps.mailer.down = False
    mail.run_sender(deps)  # the two untried ones are due; the failed one waits a minute
    assert len(deps.mailer.sent) == 2 and len(deps.outbox.queued()) == 1
    clock.advance(minutes=1)
    assert mail.run_sender(deps).delivered == 1
    assert deps.outbox.queued() == [] and len({x.recipient for x in deps.mailer.sent}) == 3


def test_retries_back_off_up_to_an_hour_and_never_give_up_while_the_token_lives(clock) -> None:
    settings = Settings(
        TASKAPP_STAGE="test",
        BCRYPT_COST=4,
        JWT_SECRET=SecretStr("x" * 40),
        VERIFICATION_TOKEN_TTL_SECONDS=48 * 3600,
    )
    deps = fake_deps(clock, settings=settings)
    _queue(deps, 1)
    deps.mailer.down = True
    waits = []
    for _ in range(9):
        mail.run_sender(deps)
        (message,) = deps.outbox.queued()
        due = message.claim.split("#")[0]
        waits.append(due)
        clock.now = max(clock.now, _instant(due))
    gaps = [_instant(b) - _instant(a) for a, b in itertools.pairwise(waits)]
    minutes = [round(gap.total_seconds() / 60) for gap in gaps]
    assert minutes == [2, 4, 8, 16, 32, 60, 60, 60]
    assert deps.outbox.queued()[0].attempts == 9 and deps.outbox.given_up() == {}
    deps.mailer.down = False
    assert mail.run_sender(deps).delivered == 1


def _instant(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def test_a_message_whose_token_expired_is_given_up_not_sent(deps, clock) -> None:
    _queue(deps, 1)
    clock.advance(hours=48)
    report = mail.run_sender(deps)
    assert report.given_up == 1 and deps.mailer.attempts == 0
    assert list(deps.outbox.given_up().values()) == ["expired before delivery"]


def test_a_message_refused_for_good_is_given_up_and_the_run_goes_on(deps) -> None:
    bad, good = _queue(deps, 2)
    deps.mailer.refused.add(bad)
    report = mail.run_sender(deps)
    assert (report.delivered, report.given_up, report.mail_unavailable) == (1, 1, False)
    assert [x.recipient for x in deps.mailer.sent] == [good]


def test_a_round_tries_a_bounded_number_of_messages(deps) -> None:
    _queue(deps, 30)
    assert mail.run_sender(deps, limit=10, rounds=1).delivered == 10
    assert len(deps.outbox.queued()) == 20
    # At most one query per shard in a round.
    assert deps.outbox.queries <= deps.outbox.shard_count()
    mail.run_sender(deps)
    assert deps.outbox.queued() == []


def test_a_backlog_gets_more_rounds_within_the_runs_time(deps) -> None:
    """A burst of sign-ups must not hold a reset mail behind it past its 30 minutes: a
    run goes on in rounds while they come back full, until its time is up."""
    _queue(deps, 35)
    assert mail.run_sender(deps, limit=10).delivered == 35
    assert deps.outbox.queries <= mail.MAX_ROUNDS * deps.outbox.shard_count()  # bounded
    _queue(deps, 35, prefix="later")
    ticks = iter([0.0, 5.0, 50.0])  # the second round ends past the budget
    report = mail.run_sender(deps, limit=10, timer=lambda: next(ticks))
    assert report.delivered == 20 and len(deps.outbox.queued()) == 15


def test_a_message_claimed_by_another_run_is_skipped(deps, clock) -> None:
    _queue(deps, 1)
    (message,) = deps.outbox.queued()
    assert deps.outbox.claim(message, clock() + mail.LEASE) is not None  # another run
    assert deps.outbox.claim(message, clock() + mail.LEASE) is None  # the stale copy
    report = mail.run_sender(deps)
    assert (report.delivered, deps.mailer.attempts) == (0, 0)
    clock.advance(minutes=5)  # that run died: its lease ends, the message is due again
    assert mail.run_sender(deps).delivered == 1


def test_the_letters_say_product_expiry_and_carry_no_tracking(clock) -> None:
    settings = Settings(
        TASKAPP_STAGE="test",
        BCRYPT_COST=4,
        JWT_SECRET=SecretStr("x" * 40),
        PRODUCT_NAME="Acme <Tasks>",
        PUBLIC_BASE_URL="https://tasks.example.com/",
    )
    deps = fake_deps(clock, settings=settings)
    register(deps, email="ann@example.com", name="Ann & Co")
    credentials.request_password_reset(deps, {"email": "ann@example.com"})
    mail.run_sender(deps)
    verify, reset = sorted(deps.mailer.sent, key=lambda x: "Reset" in x.subject)
    assert verify.subject == "Confirm your e-mail address for Acme <Tasks>"
    assert reset.subject == "Reset your Acme <Tasks> password"
    token = re.search(r"code in the app:\n(\S+)", reset.text).group(1)
    for letter, page, lifetime in (
        (verify, "verify-email", "2 days"),
        (reset, "reset-password", "30 minutes"),
    ):
        assert "Acme <Tasks>" in letter.text and "Acme &lt;Tasks&gt;" in letter.html
        assert "Ann &amp; Co" in letter.html and "<Tasks>" not in letter.html
        assert lifetime in letter.text and lifetime in letter.html
        # The one link is the product's own page, the token in the fragment.
        links = re.findall(r"""(?:href|src)=["']([^"']+)""", letter.html)
        assert len(links) == 1 and links[0].startswith(f"https://tasks.example.com/{page}#token=")
        assert "<img" not in letter.html and "http" not in letter.html.replace(links[0], "")
    assert f"https://tasks.example.com/reset-password#token={token}" in reset.text
    expiry = (clock() + timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M")
    assert f"{expiry} UTC" in reset.text


def test_without_a_base_url_the_letter_carries_the_code_alone(deps) -> None:
    register(deps, email="bo@example.com")
    mail.run_sender(deps)
    (letter,) = deps.mailer.sent
    assert "http" not in letter.text and "href" not in letter.html
    assert re.search(r"code in the app:\n\S+\.\S+", letter.text)
