"""Bad input at scale: schemathesis generates valid and invalid requests for every
operation in ``/v1/openapi.json`` and runs them in process, through the container's WSGI
adapter, against moto and Redis (OWASP API4, API8).

Every reply must have a documented status, headers and body, no reply may be a 5xx,
requests that break the schema must be refused with a 4xx, and authentication must not
be skippable.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from app import app
from security_support import WsgiApiClient
from taskcore.services.deps import Deps
from wsgi import create_application

MAX_EXAMPLES = 25
# The service checks meaning the schema cannot state (calendar dates, IANA zone names,
# e-mail syntax), so schema-valid input may rightly be 422: acceptance of positive data
# is not checked. Everything else is.
EXCLUDED = [schemathesis.checks.positive_data_acceptance]

# The served document, loaded at collection time (schemathesis parametrizes then). Serving
# it needs no dependencies; each test's own dependencies are in place when requests run.
APPLICATION = create_application(app)
schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", APPLICATION)


@pytest.fixture
def bearer(deps: Deps) -> dict[str, str]:
    """A user who owns a task; limits raised so that fuzzing is not rate limited."""
    deps.settings = deps.settings.model_copy(
        update={
            "register_max_per_client": 10**6,
            "login_max_attempts_per_client": 10**6,
            "login_max_failures_per_account": 10**6,
        }
    )
    api = WsgiApiClient(APPLICATION)
    token = api.token()
    api.create(token, title="fuzz target", tags=["fuzz"])
    return {"Authorization": f"Bearer {token}"}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,  # nothing written to the checkout; a failure prints its reproduction
    # The same examples on every run: CI must not pass or fail by the draw.
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_every_operation_survives_generated_input(case: Any, bearer: dict[str, str]) -> None:
    # A real token replaces the generated one; the ignored-auth check still sends the
    # request without it and with a wrong one, and expects 401.
    case.call_and_validate(headers=bearer, excluded_checks=EXCLUDED)
