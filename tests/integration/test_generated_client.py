"""A client generated from the served document works against the server, as a client
developer would use it: openapi-python-client builds a Python package from
``/v1/openapi.json``, which then registers, logs in, creates and lists tasks and reads a
404 and a 422 problem, through the WSGI gateway the containers run (httpx's WSGI transport,
in process) on moto and Redis."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from support import ApiClient
from taskcore.services.deps import Deps

PACKAGE = "task_api_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client package, generated once from the document the app serves."""
    from app import app
    from wsgi import create_application

    spec = httpx.Client(transport=httpx.WSGITransport(app=create_application(app)))
    document = spec.get("http://api.test/v1/openapi.json").json()
    root = tmp_path_factory.mktemp("client")
    (root / "openapi.json").write_text(json.dumps(document))
    tools = str(Path(sys.executable).parent)  # the generator runs ruff on its output
    command = shutil.which("openapi-python-client", path=tools)
    assert command, "openapi-python-client is a dev dependency (make venv)"
    done = subprocess.run(
        [command, "generate", "--path", str(root / "openapi.json"), "--meta", "none",
         "--output-path", str(root / PACKAGE)],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PATH": tools + os.pathsep + os.environ.get("PATH", "")},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    # Everything the document describes made it into the client, without warnings.
    assert "Warning" not in done.stdout, done.stdout
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


def transport() -> dict[str, Any]:
    from app import app
    from wsgi import create_application

    return {"transport": httpx.WSGITransport(app=create_application(app))}


def test_a_generated_client_registers_creates_lists_and_reads_problems(
    generated: ModuleType, api: ApiClient, deps: Deps
) -> None:
    models = module("models")
    client = generated.Client(base_url="http://api.test", httpx_args=transport())
    email = f"gen-{uuid.uuid4().hex[:10]}@example.com"
    body = models.RegisterRequest(email=email, password="correct horse", name="Gen")
    registered = module("api.accounts.register_account").sync_detailed(client=client, body=body)
    assert registered.status_code == 201
    assert registered.parsed.user.email == email

    login = models.LoginRequest(email=email, password="correct horse")
    session = module("api.accounts.log_in").sync(client=client, body=login)
    assert isinstance(session, models.Session) and session.token_type == "Bearer"

    authed = generated.AuthenticatedClient(
        base_url="http://api.test", token=session.access_token, httpx_args=transport()
    )
    create = models.TaskCreate(
        title="Buy milk",
        due_at="2026-03-29",
        tags=["errands", "Café"],
        priority=models.TaskCreatePriority.HIGH,
    )
    task = module("api.tasks.create_task").sync(client=authed, body=create)
    assert isinstance(task, models.TaskOut)
    assert (task.title, task.all_day, task.tags) == ("Buy milk", True, ["errands", "café"])
    assert task.created_at.tzinfo is not None  # a date-time, parsed as one

    page = module("api.tasks.list_tasks").sync(
        client=authed,
        tag=["errands", "café"],
        completed=False,
        sort=models.ListTasksSort.DUE_AT,
    )
    assert [t.id for t in page.items] == [task.id]
    assert module("api.tasks.list_tasks").sync(client=authed, completed=True).items == []

    missing = module("api.tasks.get_task").sync_detailed(client=authed, task_id="01NOPE")
    assert missing.status_code == 404
    problem = json.loads(missing.content)
    assert problem["code"] == "not_found" and problem["type"] == "/v1/problems/not_found"

    refused = module("api.tasks.create_task").sync_detailed(
        client=authed, body=models.TaskCreate(title="   ")
    )
    assert refused.status_code == 422
    assert isinstance(refused.parsed, models.Problem)
    assert refused.parsed.code == "validation_failed"
    assert [e.field for e in refused.parsed.errors] == ["title"]
