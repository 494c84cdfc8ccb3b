"""``python -m infra.package`` on the real app: a template cfn-lint accepts, a deployment
package without the core, and a layer that holds everything the core imports."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped, unused-ignore]
from cfnlint.api import lint_file  # type: ignore[import-untyped, unused-ignore]

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from infra import build_layer, package, policy_check  # noqa: E402

STAGES = ("dev", "prod")


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each stage packaged once; the layer without third-party wheels (see the layer test)."""
    out = tmp_path_factory.mktemp("dist")
    return {stage: package.package(stage, out, layer_dependencies=False) for stage in STAGES}


def load(stage_dir: Path) -> dict[str, Any]:
    template: dict[str, Any] = yaml.safe_load((stage_dir / "sam.yaml").read_text())
    return template


@pytest.mark.parametrize("stage", STAGES)
def test_cfn_lint_accepts_the_packaged_template(packaged: dict[str, Path], stage: str) -> None:
    matches = lint_file(packaged[stage] / "sam.yaml")
    assert [str(m) for m in matches] == []


# Each function's own role (config.json's placeholders), and whether it runs in the VPC.
FUNCTION_ROLES = {
    "APIHandler": ("ApiRole", True),
    "OutboxSender": ("OutboxSenderRole", False),  # SES has no VPC endpoint
    "DueDateJob": ("DueDateJobRole", False),  # SQS has none in the VPC either
    "DueDateWorker": ("DueDateWorkerRole", True),
}


@pytest.mark.parametrize("stage", STAGES)
def test_every_function_runs_as_its_own_checked_role(packaged: dict[str, Path], stage: str) -> None:
    template = load(packaged[stage])
    resources = template["Resources"]
    roles = {n for n, r in resources.items() if r["Type"] == "AWS::IAM::Role"}
    functions = {n: r for n, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}
    assert functions.keys() == FUNCTION_ROLES.keys()
    assert roles == {role for role, _ in FUNCTION_ROLES.values()}
    for name, function in functions.items():
        properties = function["Properties"]
        role, in_vpc = FUNCTION_ROLES[name]
        assert properties["Role"] == {"Fn::GetAtt": [role, "Arn"]}, name
        # Globals supply these; a function-level value would replace or extend them.
        assert not properties.keys() & {"Layers", "Policies", "LoggingConfig"}
        # Every function in the VPC but those that need nothing in it (the outbox sender,
        # the job's coordinator), which are given no Redis to wait on.
        if in_vpc:
            assert properties["VpcConfig"] == package.VPC_CONFIG
        else:
            assert "VpcConfig" not in properties
            assert properties["Environment"]["Variables"]["REDIS_URL"] == ""
            assert properties["Environment"]["Variables"]["REDIS_AUTH_SECRET"] == ""
        # A function in the VPC needs the ENI actions on its role (Lambda checks them).
        actions = {action for action, _ in policy_check.role_grants(template, role)}
        assert (actions >= policy_check.ENI_ACTIONS) == in_vpc, name
    assert policy_check.violations(template) == []


@pytest.mark.parametrize("stage", STAGES)
def test_the_internet_facing_api_can_neither_mail_nor_use_the_queues(
    packaged: dict[str, Path], stage: str
) -> None:
    template = load(packaged[stage])
    held = {action for action, _ in policy_check.role_grants(template, "ApiRole")}
    assert held
    assert not [a for a in held if a.startswith(("ses:", "sqs:"))]
    # The outbox: only the Put of the account transactions.
    outbox = {g for g in policy_check.role_grants(template, "ApiRole") if "Outbox" in g[1]}
    assert outbox == {("dynamodb:PutItem", "OutboxTable")}


@pytest.mark.parametrize("stage", STAGES)
def test_every_function_is_traced_and_observed(packaged: dict[str, Path], stage: str) -> None:
    functions = [
        r["Properties"]
        for r in load(packaged[stage])["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function"
    ]
    # The API, the due-date job's coordinator and its worker, the outbox sender.
    assert len(functions) == 4
    for properties in functions:
        assert properties["Tracing"] == "Active"  # config.json's "xray": true
        assert properties["Environment"]["Variables"]["TASKAPP_OBSERVABILITY"] == "all"
        # Globals supply these; a function-level value would replace them.
        assert "POWERTOOLS_SERVICE_NAME" not in properties["Environment"]["Variables"]


@pytest.mark.parametrize("stage", STAGES)
def test_failed_scheduled_runs_go_to_the_dead_letter_queue(
    packaged: dict[str, Path], stage: str
) -> None:
    """The scheduled functions, and only they (the others are invoked synchronously), have
    the dead-letter queue as on-failure destination, and their roles may send to it:
    Lambda refuses the configuration otherwise."""
    template = load(packaged[stage])
    configured = {
        name: r["Properties"]["Role"]["Fn::GetAtt"][0]
        for name, r in template["Resources"].items()
        if r["Type"] == "AWS::Serverless::Function" and "EventInvokeConfig" in r["Properties"]
    }
    assert configured == {"DueDateJob": "DueDateJobRole", "OutboxSender": "OutboxSenderRole"}
    for name, role in configured.items():
        properties = template["Resources"][name]["Properties"]
        assert properties["EventInvokeConfig"] == package.EVENT_INVOKE_CONFIG
        assert {e["Type"] for e in properties["Events"].values()} == {"Schedule"}
        assert ("sqs:SendMessage", "JobDeadLetterQueue") in policy_check.role_grants(template, role)


@pytest.mark.parametrize("stage", STAGES)
def test_the_worker_polls_the_templates_queue(packaged: dict[str, Path], stage: str) -> None:
    resources = load(packaged[stage])["Resources"]
    events = [
        (name, event)
        for name, r in resources.items()
        if r["Type"] == "AWS::Serverless::Function"
        for event in (r["Properties"].get("Events") or {}).values()
        if event["Type"] == "SQS"
    ]
    assert [(name, event["Properties"]["Queue"]) for name, event in events] == [
        ("DueDateWorker", {"Fn::GetAtt": ["DueDateWorkQueue", "Arn"]})
    ]
    (name, event) = events[0]
    assert event["Properties"]["BatchSize"] == 1  # one group of shards per invocation
    worker = resources[name]["Properties"]
    queue = resources["DueDateWorkQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * worker["Timeout"]
    assert worker["ReservedConcurrentExecutions"] >= 2


@pytest.mark.parametrize("stage", STAGES)
def test_parameters_are_pinned_to_the_stage(packaged: dict[str, Path], stage: str) -> None:
    parameters = load(packaged[stage])["Parameters"]
    assert parameters["Stage"]["AllowedValues"] == [stage]
    assert parameters["TablePrefix"]["AllowedValues"] == [f"taskapp-{stage}-"]


@pytest.mark.parametrize("stage", STAGES)
def test_preflights_and_unknown_methods_reach_the_app(
    packaged: dict[str, Path], stage: str
) -> None:
    """CORS for a list of origins needs the preflight answered by the app (a MOCK
    integration states one origin), and a method a path lacks must be the app's 405."""
    api = load(packaged[stage])["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    assert api["paths"]
    for path, methods in api["paths"].items():
        assert {"options", "get", "post", "put", "patch", "delete", "head"} <= methods.keys(), path
        for method, operation in methods.items():
            assert operation["x-amazon-apigateway-integration"]["type"] == "aws_proxy", (
                path,
                method,
            )
    responses = api["x-amazon-apigateway-gateway-responses"]
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] == "404"


def test_the_deployment_package_holds_the_handlers_not_the_core(
    packaged: dict[str, Path],
) -> None:
    with zipfile.ZipFile(packaged["dev"] / "deployment.zip") as archive:
        names = archive.namelist()
    assert "app.py" in names
    assert any(name.startswith("chalicelib/handlers/") for name in names)
    assert not [name for name in names if name.startswith("taskcore/")]


def test_the_artifacts_the_template_names_are_beside_it(packaged: dict[str, Path]) -> None:
    template = load(packaged["dev"])
    uris = {
        r["Properties"].get("CodeUri") or r["Properties"].get("ContentUri")
        for r in template["Resources"].values()
        if r["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion")
    }
    assert uris == {"./deployment.zip", "./layer.zip"}
    with zipfile.ZipFile(packaged["dev"] / "layer.zip") as archive:
        assert "python/taskcore/__init__.py" in archive.namelist()


# What the python3.11 Lambda runtime brings besides the standard library.
LAMBDA_RUNTIME_MODULES = (
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "dateutil",
    "six",
    "urllib3",
)

# Imports every taskcore module in an interpreter without site-packages (-S), with only the
# unpacked layer and the runtime's own modules on sys.path, as on Lambda: a dependency missing
# from the layer is an ImportError here, an optional one is skipped as it would be there. Then
# what the handlers import from the layer themselves: Powertools and, for its tracer, the
# X-Ray SDK (functions/chalicelib/powertools.py).
IMPORT_EVERYTHING = textwrap.dedent(
    """
    import importlib, pkgutil, sys
    layer, runtime = sys.argv[1:3]
    sys.path[:0] = [layer, runtime]
    import taskcore
    assert taskcore.__file__.startswith(layer), taskcore.__file__
    for module in pkgutil.walk_packages(taskcore.__path__, "taskcore."):
        importlib.import_module(module.name)
    from aws_lambda_powertools import Logger, Metrics, Tracer
    import aws_xray_sdk.core, aws_xray_sdk.ext.botocore.patch
    assert aws_xray_sdk.core.__file__.startswith(layer), aws_xray_sdk.core.__file__
    """
)


def lambda_runtime_modules(directory: Path) -> Path:
    """A directory with (links to) the modules the Lambda runtime provides."""
    directory.mkdir()
    for name in LAMBDA_RUNTIME_MODULES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, name
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (directory / source.name).symlink_to(source)
    return directory


def test_the_full_layer_holds_everything_the_core_imports(tmp_path: Path) -> None:
    layer = build_layer.build_layer(tmp_path / "layer.zip")
    with zipfile.ZipFile(layer) as archive:
        archive.extractall(tmp_path / "opt")
    runtime = lambda_runtime_modules(tmp_path / "runtime")
    command = [sys.executable, "-S", "-E", "-c", IMPORT_EVERYTHING]
    result = subprocess.run(
        [*command, str(tmp_path / "opt" / "python"), str(runtime)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
