"""Build what CloudFormation deploys for one stage, offline: ``python -m infra.package dev``.

Writes ``dist/<stage>/``:

* ``sam.yaml``: ``chalice package`` output merged with infra/resources.yaml, then finalised:
  every function gets the template's role that config.json's placeholder ``iam_role_arn``
  names for it (Chalice cannot reference a role of the same template; each function has a
  least-privilege role of its own), its network (:data:`OUTSIDE_VPC`) and, when EventBridge
  invokes it, its on-failure destination (:data:`EVENT_INVOKE_CONFIG`),
  every SQS event source the template's queue of that name (Chalice names a queue by a fixed
  name; the template's queue is the stack's own),
  the template parameters are pinned to the stage's functions/.chalice/config.json values, and
  the REST API gets its gateway responses (infra/gateway_responses.py: API Gateway's own errors
  as problem documents, with the CORS headers of the stage's ``CORS_ALLOWED_ORIGINS``).
* ``deployment.zip``: app.py, chalicelib/ and Chalice's runtime; no core, no dependencies.
* ``layer.zip``: taskcore and its dependencies (infra/build_layer.py).

The result is refused when its IAM policies exceed infra/policy_check.py's allow-list or the
deployment package carries anything besides the handlers. Deploy it as infra/README.md says.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped, unused-ignore]

from infra import gateway_responses, policy_check
from infra.build_layer import LAMBDA_PYTHON, build_layer

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"
MERGE_TEMPLATE = Path(__file__).resolve().parent / "resources.yaml"

# config.json's iam_role_arn of a function is this prefix and the logical id of its role in
# infra/resources.yaml (top level: the API's; under lambda_functions: the other functions').
ROLE_PLACEHOLDER = "arn:aws:iam::000000000000:role/replaced-by-infra-package/"
REST_API = "RestAPI"  # Chalice's name for the API Gateway REST API of the app
RUNTIME = "python{}.{}".format(*LAMBDA_PYTHON)
# Template parameter -> the environment variable of config.json whose value it must have.
PINNED_PARAMETERS = {
    "Stage": "TASKAPP_STAGE",
    "TablePrefix": "TABLE_PREFIX",
    "JwtSecretParameterName": "JWT_SECRET_PARAMETER",
    "MailSenderIdentity": "SES_IDENTITY",
    "MailSenderAddress": "MAIL_FROM_ADDRESS",
}
# Set by the template for every function (Globals); a per-function value would shadow it.
TEMPLATE_ENVIRONMENT = frozenset(
    {
        "REDIS_URL",
        "REDIS_AUTH_SECRET",
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
        "DUE_JOB_QUEUE_URL",
    }
)
# The queue name of an @app.on_sqs_message handler -> the template's queue it polls.
QUEUES = {"due-date-work": "DueDateWorkQueue"}
_CHALICE_QUEUE_ARN = "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:%s"
DEPLOYMENT_PACKAGE_TOP_LEVEL = frozenset({"app.py", "chalice", "chalicelib"})
# Every function runs in the template's VPC (Redis is only reachable there) except those
# that need nothing in it. The VPC has no route to the internet and endpoints for DynamoDB,
# SSM and Secrets Manager only. The outbox sender talks to DynamoDB and SES only, and SES's
# sending API has no VPC endpoint: inside the VPC it could never send. The due-date job's
# coordinator only sends to SQS (no endpoint in the VPC either; the workers, in the VPC, do
# the reading). Outside, they reach those public endpoints with their roles (and no Redis,
# which they do not use, so neither role may read its token). Keyed by the handler's
# function name.
VPC_CONFIG: dict[str, Any] = {
    "SubnetIds": [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}],
    "SecurityGroupIds": [{"Fn::GetAtt": ["LambdaSecurityGroup", "GroupId"]}],
}
OUTSIDE_VPC = frozenset({"outbox_sender", "due_date_job"})
WITHOUT_REDIS = {"REDIS_URL": "", "REDIS_AUTH_SECRET": ""}
# Asynchronous invocations, which only the scheduled functions get (EventBridge -> the
# due-date job's coordinator, the outbox sender; the API and the worker are invoked
# synchronously): one retry, then the event goes to the dead-letter queue, whose depth is
# alarmed. The next run (a minute later) catches up anyway; the queue says that runs
# failed, and with which event. Per function rather than in Globals: Lambda checks that the
# role may send to the destination, and only these functions' roles may.
EVENT_INVOKE_CONFIG: dict[str, Any] = {
    "MaximumRetryAttempts": 1,
    "MaximumEventAgeInSeconds": 300,
    "DestinationConfig": {
        "OnFailure": {"Type": "SQS", "Destination": {"Fn::GetAtt": ["JobDeadLetterQueue", "Arn"]}}
    },
}


class PackagingError(Exception):
    """The stage cannot be packaged as it is configured."""


def package(
    stage: str,
    out_root: Path,
    *,
    project_dir: Path = FUNCTIONS,
    layer_dependencies: bool = True,
) -> Path:
    """Write the stage's artifacts to ``out_root/stage`` and return that directory."""
    if sys.version_info[:2] != LAMBDA_PYTHON:
        # Chalice takes the Lambda runtime from the interpreter that packages.
        raise PackagingError(f"package with Python {RUNTIME[6:]}, the layer's runtime")
    config = load_config(project_dir)
    environment = stage_environment(config, stage)
    out = out_root / stage
    shutil.rmtree(out, ignore_errors=True)
    out_root.mkdir(parents=True, exist_ok=True)
    run_chalice_package(project_dir, stage, out)
    build_layer(out / "layer.zip", with_dependencies=layer_dependencies)

    template_path = out / "sam.yaml"
    template = yaml.safe_load(template_path.read_text())
    finalise(template, env=environment)
    problems = policy_check.violations(template) + deployment_package_problems(
        out / "deployment.zip"
    )
    if problems:
        raise PackagingError("\n".join(problems))
    for name in unmatched_function_settings(template, config, stage):
        # Not an error: the setting may be waiting for its function (e.g. the due-date job).
        print(
            f"infra.package: warning: config.json configures {name!r}, which the app lacks",
            file=sys.stderr,
        )
    template_path.write_text(yaml.safe_dump(template, sort_keys=False))
    return out


def load_config(project_dir: Path) -> dict[str, Any]:
    """functions/.chalice/config.json."""
    config: dict[str, Any] = json.loads((project_dir / ".chalice" / "config.json").read_text())
    if config.get("manage_iam_role", True) or not str(config.get("iam_role_arn", "")).startswith(
        ROLE_PLACEHOLDER
    ):
        raise PackagingError(
            "config.json must set manage_iam_role: false and a placeholder iam_role_arn "
            f"{ROLE_PLACEHOLDER}<role>: the roles are those of infra/resources.yaml"
        )
    return config


def stage_environment(config: dict[str, Any], stage: str) -> dict[str, str]:
    """The stage's environment variables, as Chalice merges them (stage over top level)."""
    if stage not in config.get("stages", {}):
        raise PackagingError(f"no stage {stage!r} in config.json")
    environment = {
        **config.get("environment_variables", {}),
        **config["stages"][stage].get("environment_variables", {}),
    }
    missing = [v for v in PINNED_PARAMETERS.values() if v not in environment]
    if missing:
        raise PackagingError(f"stage {stage!r} of config.json lacks {missing}")
    if environment["TASKAPP_STAGE"] != stage:
        raise PackagingError(f"stage {stage!r} has TASKAPP_STAGE={environment['TASKAPP_STAGE']}")
    shadowing = sorted(TEMPLATE_ENVIRONMENT & environment.keys())
    if shadowing:
        raise PackagingError(f"{shadowing} come from the template; remove them from config.json")
    return environment


def run_chalice_package(project_dir: Path, stage: str, out: Path) -> None:
    """``chalice package`` with the merge template, into ``out``."""
    command = [
        sys.executable, "-c", "import sys; from chalice.cli import main; sys.exit(main())",
        "--project-dir", str(project_dir), "package", "--stage", stage,
        "--merge-template", str(MERGE_TEMPLATE), "--template-format", "yaml", str(out),
    ]  # fmt: skip
    # Chalice wants a region even offline; it only picks the service principals' DNS suffix,
    # and every ARN in the template takes the deploy region from AWS::Region.
    env = {"AWS_DEFAULT_REGION": "us-east-1", **os.environ}
    result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0 or not (out / "sam.yaml").exists():
        raise PackagingError(f"chalice package failed:\n{result.stdout}{result.stderr}")


def finalise(template: dict[str, Any], *, env: dict[str, str]) -> None:
    """Give every function its role of the template, its network, its on-failure
    destination if EventBridge invokes it, and its queue; pin the parameters to this stage,
    and give the REST API its gateway responses."""
    resources = template["Resources"]
    for name, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        properties = resource["Properties"]
        if properties.get("Runtime") != RUNTIME:
            raise PackagingError(f"{name} runs {properties.get('Runtime')}, the layer {RUNTIME}")
        properties["Role"] = {"Fn::GetAtt": [_template_role(name, properties, resources), "Arn"]}
        _place_in_network(properties)
        _configure_async_invocations(properties)
        _point_at_template_queues(name, properties)
    parameters = template["Parameters"]
    for parameter, variable in PINNED_PARAMETERS.items():
        # AllowedValues refuses a mismatching --parameter-overrides at deploy time.
        parameters[parameter]["Default"] = env[variable]
        parameters[parameter]["AllowedValues"] = [env[variable]]
    api = template["Resources"].get(REST_API)
    if api is None or api.get("Type") != "AWS::Serverless::Api":
        raise PackagingError(f"chalice package made no {REST_API} (AWS::Serverless::Api)")
    responses = gateway_responses.gateway_responses(env.get("CORS_ALLOWED_ORIGINS", ""))
    api["Properties"]["DefinitionBody"][gateway_responses.EXTENSION] = responses


def _template_role(function: str, properties: dict[str, Any], resources: dict[str, Any]) -> str:
    """The logical id of the template's role that the function's placeholder names."""
    placeholder = properties.get("Role")
    if not isinstance(placeholder, str) or not placeholder.startswith(ROLE_PLACEHOLDER):
        raise PackagingError(f"{function} has role {placeholder!r}, not a placeholder")
    role = placeholder[len(ROLE_PLACEHOLDER) :]
    if resources.get(role, {}).get("Type") != "AWS::IAM::Role":
        raise PackagingError(f"{function}'s role {placeholder!r} is no role of the template")
    return role


def _configure_async_invocations(properties: dict[str, Any]) -> None:
    """:data:`EVENT_INVOKE_CONFIG` for a function EventBridge invokes (a Schedule event:
    asynchronous invocations); nothing for the others."""
    events = (properties.get("Events") or {}).values()
    if any(event.get("Type") == "Schedule" for event in events):
        properties["EventInvokeConfig"] = copy.deepcopy(EVENT_INVOKE_CONFIG)


def _place_in_network(properties: dict[str, Any]) -> None:
    """Put a function in the VPC (:data:`VPC_CONFIG`), unless it is one of
    :data:`OUTSIDE_VPC`: then its Redis settings (from ``Globals``) are blanked, so it
    never waits on an address it cannot reach."""
    if str(properties.get("Handler", "")).rsplit(".", 1)[-1] in OUTSIDE_VPC:
        variables = properties.setdefault("Environment", {}).setdefault("Variables", {})
        variables.update(WITHOUT_REDIS)
        return
    properties["VpcConfig"] = copy.deepcopy(VPC_CONFIG)


def _point_at_template_queues(function: str, properties: dict[str, Any]) -> None:
    """Replace the ARN Chalice builds from an SQS handler's queue name with the ARN of
    the template's queue (:data:`QUEUES`); a queue the template lacks is an error."""
    for event in (properties.get("Events") or {}).values():
        if event.get("Type") != "SQS":
            continue
        queue = event["Properties"]["Queue"]
        names = [n for n in QUEUES if queue == {"Fn::Sub": _CHALICE_QUEUE_ARN % n}]
        if not names:
            raise PackagingError(f"{function} polls {queue!r}, which is no queue of the template")
        event["Properties"]["Queue"] = {"Fn::GetAtt": [QUEUES[names[0]], "Arn"]}


def unmatched_function_settings(
    template: dict[str, Any], config: dict[str, Any], stage: str
) -> list[str]:
    """Names under ``lambda_functions`` in config.json that no function of the app has
    (Chalice ignores those silently)."""
    configured = {
        *config.get("lambda_functions", {}),
        *config["stages"][stage].get("lambda_functions", {}),
    }
    handlers = [
        r["Properties"]["Handler"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function"
    ]
    # Chalice names the REST API's function "api_handler"; the others by their function
    # (the handler string is <module>.<function>, the module dotted for a blueprint's).
    present = {"api_handler" if h == "app.app" else h.rsplit(".", 1)[1] for h in handlers}
    return sorted(configured - present)


def deployment_package_problems(path: Path) -> list[str]:
    """What the functions' zip holds besides the handlers and Chalice's runtime."""
    with zipfile.ZipFile(path) as archive:
        top_level = {name.split("/", 1)[0] for name in archive.namelist()}
    return [
        f"{path.name} must not contain {name!r}: the core and its dependencies are in the layer"
        for name in sorted(top_level - DEPLOYMENT_PACKAGE_TOP_LEVEL)
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Package one stage for CloudFormation.")
    parser.add_argument("stage", help="a stage of functions/.chalice/config.json: dev, prod")
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="default: dist/")
    args = parser.parse_args(argv)
    try:
        out = package(args.stage, args.out)
    except PackagingError as error:
        print(f"infra.package: {error}", file=sys.stderr)
        return 1
    for artifact in sorted(out.iterdir()):
        print(f"{artifact}  {artifact.stat().st_size:,} bytes")
    print(f"next: see infra/README.md, e.g. sam deploy --template-file {out / 'sam.yaml'} ...")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
