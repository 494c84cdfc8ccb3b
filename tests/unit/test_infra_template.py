"""infra/resources.yaml, functions/.chalice/config.json and the packaging rules, without I/O
beyond reading those files."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from chalice.package import YAMLTemplateSerializer

from taskcore.config import Settings
from taskcore.storage.models import LOGICAL_NAMES
from taskcore.storage.tables import TTL_ATTRIBUTES

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from infra import build_layer, package  # noqa: E402

Template = dict[str, Any]
STAGES = ("dev", "prod")
PLACEHOLDER = "arn:aws:iam::000000000000:role/replaced-by-infra-package/ApiRole"
# The role config.json gives each function (the API's is the top-level iam_role_arn).
FUNCTION_ROLES = {
    "api_handler": "ApiRole",
    "outbox_sender": "OutboxSenderRole",
    "due_date_job": "DueDateJobRole",
    "due_date_worker": "DueDateWorkerRole",
}


@pytest.fixture
def template() -> Template:
    text = (ROOT / "infra" / "resources.yaml").read_text()
    loaded: Template = YAMLTemplateSerializer().load_template(text)
    return loaded


@pytest.fixture
def config() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((ROOT / "functions/.chalice/config.json").read_text())
    return loaded


def of_type(template: Template, kind: str) -> dict[str, dict[str, Any]]:
    return {n: r for n, r in template["Resources"].items() if r["Type"] == kind}


# --- tables -------------------------------------------------------------------------------------


def test_one_table_per_model_named_by_the_prefix(template: Template) -> None:
    names = {
        r["Properties"]["TableName"]["Fn::Sub"]
        for r in of_type(template, "AWS::DynamoDB::Table").values()
    }
    assert names == {f"${{TablePrefix}}{base}" for base in LOGICAL_NAMES.values()}


def test_tables_are_on_demand_encrypted_recoverable_and_retained(template: Template) -> None:
    for name, table in of_type(template, "AWS::DynamoDB::Table").items():
        properties = table["Properties"]
        assert properties["BillingMode"] == "PAY_PER_REQUEST", name
        assert properties["SSESpecification"] == {"SSEEnabled": True}, name
        assert properties["PointInTimeRecoverySpecification"] == {
            "PointInTimeRecoveryEnabled": True
        }, name
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain", name


def test_ttl_is_on_the_attributes_the_core_expires(template: Template) -> None:
    ttl = {
        table["Properties"]["TableName"]["Fn::Sub"].removeprefix("${TablePrefix}"): table[
            "Properties"
        ].get("TimeToLiveSpecification")
        for table in of_type(template, "AWS::DynamoDB::Table").values()
    }
    assert {base: spec["AttributeName"] for base, spec in ttl.items() if spec} == TTL_ATTRIBUTES
    assert all(spec["Enabled"] for spec in ttl.values() if spec)


# --- network, cache, functions ------------------------------------------------------------------


def test_redis_is_encrypted_and_reachable_only_from_the_functions(template: Template) -> None:
    redis = template["Resources"]["RedisReplicationGroup"]["Properties"]
    assert redis["TransitEncryptionEnabled"] is True
    assert redis["AtRestEncryptionEnabled"] is True
    lambda_sg = {"Fn::GetAtt": ["LambdaSecurityGroup", "GroupId"]}
    redis_sg = {"Fn::GetAtt": ["RedisSecurityGroup", "GroupId"]}
    ingress = [
        r["Properties"]
        for r in of_type(template, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == redis_sg
    ]
    assert ingress == [
        {
            "GroupId": redis_sg,
            "Description": "Redis from the functions only",
            "IpProtocol": "tcp",
            "FromPort": 6379,
            "ToPort": 6379,
            "SourceSecurityGroupId": lambda_sg,
        }
    ]
    assert "SecurityGroupIngress" not in template["Resources"]["RedisSecurityGroup"]["Properties"]


def test_no_route_to_the_internet(template: Template) -> None:
    kinds = {r["Type"] for r in template["Resources"].values()}
    assert not kinds & {"AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::Route"}
    endpoint = template["Resources"]["DynamoDbEndpoint"]["Properties"]
    assert endpoint["VpcEndpointType"] == "Gateway"
    assert endpoint["RouteTableIds"] == [{"Ref": "PrivateRouteTable"}]


def test_every_function_gets_layer_vpc_redis_and_logs(template: Template) -> None:
    function = template["Globals"]["Function"]
    assert function["Layers"] == [{"Ref": "CoreLayer"}]
    # The VPC is given per function by infra/package.py (all but the outbox sender): its
    # subnets and security group are the template's.
    assert "VpcConfig" not in function
    resources = template["Resources"]
    for subnet in package.VPC_CONFIG["SubnetIds"]:
        assert resources[subnet["Ref"]]["Type"] == "AWS::EC2::Subnet"
    (group,) = package.VPC_CONFIG["SecurityGroupIds"]
    assert group == {"Fn::GetAtt": ["LambdaSecurityGroup", "GroupId"]}
    assert function["Environment"]["Variables"]["REDIS_URL"]["Fn::Sub"].startswith("rediss://")
    assert function["LoggingConfig"] == {"LogGroup": {"Ref": "FunctionLogGroup"}}


def test_redis_requires_an_auth_token_from_a_generated_secret(template: Template) -> None:
    redis = template["Resources"]["RedisReplicationGroup"]["Properties"]
    # ElastiCache accepts AUTH only with in-transit encryption.
    assert redis["TransitEncryptionEnabled"] is True
    assert redis["AuthToken"] == {"Fn::Sub": "{{resolve:secretsmanager:${RedisAuthToken}}}"}
    secret = template["Resources"]["RedisAuthToken"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    generated = secret["Properties"]["GenerateSecretString"]
    assert generated["PasswordLength"] >= 32 and generated["ExcludePunctuation"] is True
    assert "SecretString" not in secret["Properties"]  # generated, never written down
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["REDIS_AUTH_SECRET"] == {"Ref": "RedisAuthToken"}
    assert "@" not in variables["REDIS_URL"]["Fn::Sub"]  # the token stays out of the URL
    # The functions reach Secrets Manager without a route to the internet.
    endpoint = template["Resources"]["SecretsManagerEndpoint"]["Properties"]
    assert endpoint["ServiceName"] == {"Fn::Sub": "com.amazonaws.${AWS::Region}.secretsmanager"}
    assert endpoint["VpcEndpointType"] == "Interface" and endpoint["PrivateDnsEnabled"] is True


def test_failed_job_runs_go_to_a_dead_letter_queue(template: Template) -> None:
    # Per function (infra/package.py gives it to the scheduled ones), not in Globals: the
    # API's role may not send to the queue, and Lambda checks that it may.
    assert "EventInvokeConfig" not in template["Globals"]["Function"]
    config = package.EVENT_INVOKE_CONFIG
    assert config["DestinationConfig"]["OnFailure"] == {
        "Type": "SQS",
        "Destination": {"Fn::GetAtt": ["JobDeadLetterQueue", "Arn"]},
    }
    assert config["MaximumRetryAttempts"] <= 2
    queue = template["Resources"]["JobDeadLetterQueue"]
    assert queue["Type"] == "AWS::SQS::Queue"
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600


@pytest.mark.parametrize("stage", STAGES)
def test_the_api_stage_is_throttled_and_traced(template: Template, stage: str) -> None:
    api = template["Globals"]["Api"]
    assert api["TracingEnabled"] is True
    (everything,) = api["MethodSettings"]
    assert (everything["ResourcePath"], everything["HttpMethod"]) == ("/*", "*")
    settings = template["Mappings"]["StageSettings"][stage]
    rate = everything["ThrottlingRateLimit"]["Fn::FindInMap"]
    burst = everything["ThrottlingBurstLimit"]["Fn::FindInMap"]
    assert settings[rate[2]] > 0 and settings[burst[2]] > 0


def alarms(template: Template) -> dict[str, dict[str, Any]]:
    return {n: r["Properties"] for n, r in of_type(template, "AWS::CloudWatch::Alarm").items()}


def alarm_metrics(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """The metrics an alarm reads: its own, or those of its metric-math queries."""
    if "MetricName" in alarm:
        keys = ("Namespace", "MetricName", "Dimensions")
        return [{k: alarm[k] for k in keys}]
    return [q["MetricStat"]["Metric"] for q in alarm["Metrics"] if "MetricStat" in q]


def dimension(metric: dict[str, Any], name: str) -> Any:
    (value,) = [d["Value"] for d in metric["Dimensions"] if d["Name"] == name]
    return value


def test_every_alarm_notifies_the_topic_both_ways(template: Template) -> None:
    found = alarms(template)
    assert set(found) == {
        "ApiServerErrorRateAlarm",
        "ApiUnavailableRateAlarm",
        "JobLagAlarm",
        "DynamoDbWriteThrottleAlarm",
        "DynamoDbReadThrottleAlarm",
        "JobDeadLetterAlarm",
        "JobWorkDeadLetterAlarm",
    }
    for name, alarm in found.items():
        assert alarm["AlarmActions"] == alarm["OKActions"] == [{"Ref": "AlarmTopic"}], name


def test_the_alarms_read_the_metrics_the_app_and_aws_publish(
    template: Template, config: dict[str, Any]
) -> None:
    found = alarms(template)
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    namespace = variables["POWERTOOLS_METRICS_NAMESPACE"]
    assert variables["POWERTOOLS_SERVICE_NAME"] == {"Ref": "AWS::StackName"}
    # The app's EMF metrics: its namespace, its service dimension, the names it emits.
    app_metrics = [
        m for a in found.values() for m in alarm_metrics(a) if m["Namespace"] == namespace
    ]
    assert {m["MetricName"] for m in app_metrics} == {"Requests", "Errors", "JobLagSeconds"}
    assert all(dimension(m, "service") == {"Ref": "AWS::StackName"} for m in app_metrics)
    (unavailable,) = [m for m in app_metrics if m["MetricName"] == "Errors"]
    assert dimension(unavailable, "code") == "dependency_unavailable"
    assert found["JobLagAlarm"]["TreatMissingData"] == "breaching"  # a job that stopped
    # API Gateway's metrics of this stack's API, on the stage config.json deploys.
    assert template["Globals"]["Api"]["Name"] == {"Ref": "AWS::StackName"}
    for metric in alarm_metrics(found["ApiServerErrorRateAlarm"]):
        assert dimension(metric, "ApiName") == {"Ref": "AWS::StackName"}
        for stage in STAGES:
            assert dimension(metric, "Stage") == config["stages"][stage]["api_gateway_stage"]
    # Every table, and the due-time index, for both kinds of throttling.
    tables = {n for n in of_type(template, "AWS::DynamoDB::Table")}
    for name in ("DynamoDbWriteThrottleAlarm", "DynamoDbReadThrottleAlarm"):
        metrics = alarm_metrics(found[name])
        assert {dimension(m, "TableName")["Ref"] for m in metrics} == tables
        assert [
            dimension(m, "GlobalSecondaryIndexName") for m in metrics if len(m["Dimensions"]) == 2
        ] == ["by_notify_bucket"]
    (depth,) = alarm_metrics(found["JobDeadLetterAlarm"])
    assert dimension(depth, "QueueName") == {"Fn::GetAtt": ["JobDeadLetterQueue", "QueueName"]}
    (depth,) = alarm_metrics(found["JobWorkDeadLetterAlarm"])
    assert dimension(depth, "QueueName") == {
        "Fn::GetAtt": ["DueDateWorkDeadLetterQueue", "QueueName"]
    }


@pytest.mark.parametrize("stage", STAGES)
def test_the_job_fans_out_through_a_queue_with_a_dead_letter_queue(
    template: Template, config: dict[str, Any], stage: str
) -> None:
    from chalicelib.handlers.due_date_worker import WORK_QUEUE

    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["DUE_JOB_QUEUE_URL"] == {"Ref": "DueDateWorkQueue"}
    queue = template["Resources"]["DueDateWorkQueue"]["Properties"]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["DueDateWorkDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }
    # Lambda refuses a queue whose messages come back before the function may end, and
    # advises six times its timeout.
    worker = config["stages"][stage]["lambda_functions"]["due_date_worker"]
    assert queue["VisibilityTimeout"] >= 6 * worker["lambda_timeout"]
    # A message outlives its five receives, so that a failing group reaches the DLQ.
    assert queue["MessageRetentionPeriod"] > 5 * queue["VisibilityTimeout"]
    dead = template["Resources"]["DueDateWorkDeadLetterQueue"]["Properties"]
    assert queue["SqsManagedSseEnabled"] is dead["SqsManagedSseEnabled"] is True
    assert dead["MessageRetentionPeriod"] == 14 * 24 * 3600
    # The handler's queue is the template's (infra/package.py points the event source).
    assert package.QUEUES == {WORK_QUEUE: "DueDateWorkQueue"}
    # At the peak every group of shards has its worker at once (bench/scale sizes them).
    env = {**package.stage_environment(config, stage), "TASKAPP_STAGE": "test"}
    settings = Settings(**env)  # the stage's values (the test stage needs no secrets)
    groups = -(-settings.due_index_shards // settings.due_job_shards_per_worker)
    assert worker["reserved_concurrency"] >= groups


# --- config.json --------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_configures_the_core(config: dict[str, Any], stage: str) -> None:
    env = package.stage_environment(config, stage)
    assert "CORS_ALLOWED_ORIGINS" in env  # the app's and its gateway responses' list
    assert env["TASKAPP_STAGE"] == stage
    assert env["TABLE_PREFIX"] == f"taskapp-{stage}-"
    assert env["JWT_SECRET_PARAMETER"] == f"/taskapp/{stage}/jwt-secret"
    assert env["LOG_LEVEL"]
    assert "JWT_SECRET" not in env  # the secret never sits in the Lambda configuration
    assert env["MAIL_TRANSPORT"] == "ses"
    assert env["MAIL_FROM_ADDRESS"].endswith(env["SES_IDENTITY"])
    assert env["TASKAPP_OBSERVABILITY"] == "all"  # Powertools' logs, metrics and traces
    assert config["stages"][stage]["xray"] is True  # Lambda's active tracing


def test_the_roles_and_layer_come_from_the_template(
    config: dict[str, Any], template: Template
) -> None:
    from infra import policy_check

    assert package.load_config(ROOT / "functions")["iam_role_arn"] == PLACEHOLDER
    # One role per function, named by its placeholder, for every stage (no stage, and no
    # stage's function, sets a role of its own, which would win over these).
    placeholders = {"api_handler": config["iam_role_arn"]}
    for name, settings in config["lambda_functions"].items():
        placeholders[name] = settings["iam_role_arn"]
    assert placeholders == {
        name: package.ROLE_PLACEHOLDER + role for name, role in FUNCTION_ROLES.items()
    }
    for stage in config["stages"].values():
        assert "iam_role_arn" not in stage and "manage_iam_role" not in stage
        for settings in stage.get("lambda_functions", {}).values():
            assert not settings.keys() & {"iam_role_arn", "manage_iam_role"}
    roles = of_type(template, "AWS::IAM::Role")
    assert set(roles) == set(FUNCTION_ROLES.values()) == set(policy_check.ROLE_GRANTS)
    assert config["automatic_layer"] is False
    requirements = ROOT / "functions" / "requirements.txt"
    lines = requirements.read_text().splitlines() if requirements.exists() else []
    assert not [line for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize(
    "variable",
    [
        "REDIS_URL",
        "REDIS_AUTH_SECRET",
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
        "DUE_JOB_QUEUE_URL",
    ],
)
def test_a_template_variable_in_config_is_refused(config: dict[str, Any], variable: str) -> None:
    config["stages"]["dev"]["environment_variables"][variable] = "set in config.json"
    with pytest.raises(package.PackagingError, match=variable):
        package.stage_environment(config, "dev")


# --- finalising the packaged template ----------------------------------------------------------


def chalice_like(template: Template) -> Template:
    template["Resources"]["APIHandler"] = {
        "Type": "AWS::Serverless::Function",
        "Properties": {"Role": PLACEHOLDER, "Runtime": "python3.11"},
    }
    template["Resources"]["RestAPI"] = {
        "Type": "AWS::Serverless::Api",
        "Properties": {"DefinitionBody": {"swagger": "2.0", "paths": {}}},
    }
    return template


def test_finalise_gives_every_function_the_role_and_pins_the_stage(template: Template) -> None:
    env = {
        "TASKAPP_STAGE": "prod",
        "TABLE_PREFIX": "p-",
        "JWT_SECRET_PARAMETER": "/x",
        "SES_IDENTITY": "mail.example.org",
        "MAIL_FROM_ADDRESS": "tasks@mail.example.org",
    }
    finalised = chalice_like(template)
    finalised["Resources"]["APIHandler"]["Properties"]["Handler"] = "app.app"
    job = scheduled(finalised, "DueDateJob", "due_date_job", "DueDateJobRole")
    package.finalise(finalised, env=env)
    api = finalised["Resources"]["APIHandler"]["Properties"]
    assert api["Role"] == {"Fn::GetAtt": ["ApiRole", "Arn"]}
    assert api["VpcConfig"] == package.VPC_CONFIG
    assert "EventInvokeConfig" not in api  # invoked synchronously only
    # A scheduled function: its own role, outside the VPC (the coordinator only talks to
    # SSM and SQS), its failed runs to the dead-letter queue.
    assert job["Role"] == {"Fn::GetAtt": ["DueDateJobRole", "Arn"]}
    assert "VpcConfig" not in job
    assert job["Environment"]["Variables"] == package.WITHOUT_REDIS
    assert job["EventInvokeConfig"] == package.EVENT_INVOKE_CONFIG
    parameters = finalised["Parameters"]
    assert parameters["Stage"]["AllowedValues"] == [parameters["Stage"]["Default"]] == ["prod"]
    assert parameters["TablePrefix"]["AllowedValues"] == ["p-"]
    assert parameters["JwtSecretParameterName"]["Default"] == "/x"
    # The SES permission names exactly the stage's sender identity and address.
    assert parameters["MailSenderIdentity"]["AllowedValues"] == ["mail.example.org"]
    assert parameters["MailSenderAddress"]["AllowedValues"] == ["tasks@mail.example.org"]


@pytest.mark.parametrize(
    ("origins", "allow_origin"),
    [
        ("", None),
        ("https://app.example", "'https://app.example'"),
        # API Gateway cannot compare the request's Origin with a list: no CORS headers
        # (the app's own replies carry them), rather than an echo of any origin.
        ("https://a.example, https://b.example", None),
    ],
)
def test_gateway_responses_are_problem_documents_with_the_stages_cors(
    template: Template, origins: str, allow_origin: str | None
) -> None:
    from chalicelib.problem_docs import PROBLEMS, problem_document

    env = {
        "TASKAPP_STAGE": "dev",
        "TABLE_PREFIX": "d-",
        "JWT_SECRET_PARAMETER": "/x",
        "SES_IDENTITY": "example.com",
        "MAIL_FROM_ADDRESS": "no-reply@example.com",
    }
    finalised = chalice_like(template)
    package.finalise(finalised, env={**env, "CORS_ALLOWED_ORIGINS": origins})
    body = finalised["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    responses = body["x-amazon-apigateway-gateway-responses"]
    # An unknown path (API Gateway's "Missing Authentication Token") is our 404.
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] == "404"
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "THROTTLED", "INTEGRATION_TIMEOUT"} <= responses.keys()
    for kind, response in responses.items():
        status = int(response["statusCode"])
        (text,) = response["responseTemplates"].values()
        doc = json.loads(text)
        assert doc == problem_document(
            status, doc["detail"], "$context.requestId", code=doc["code"]
        )
        assert status in PROBLEMS[doc["code"]].statuses, kind
        headers = response["responseParameters"]
        assert headers["gatewayresponse.header.Content-Type"] == "'application/problem+json'"
        assert headers.get("gatewayresponse.header.Access-Control-Allow-Origin") == allow_origin
        assert ("gatewayresponse.header.Vary" in headers) == (allow_origin is not None)
        cors = [h for h in headers if h.startswith("gatewayresponse.header.Access-Control-")]
        assert bool(cors) == (allow_origin is not None)
        if status in (429, 503, 504):
            assert headers["gatewayresponse.header.Retry-After"] == "'1'"


@pytest.mark.parametrize(
    "origins",
    [
        "",
        "https://app.example",
        "https://a.example,https://b.example",
        "http://localhost:3000,http://localhost:5173",  # dev's list (config.json)
        "https://a.example, https://b.example, https://c.example",
    ],
)
def test_no_gateway_response_echoes_a_request_header(origins: str) -> None:
    """Only listed origins get CORS headers (DESIGN.md): a gateway response cannot check
    the caller's ``Origin`` against the list, so it must never copy it (or any request
    value) into a header; every header is a fixed value."""
    from infra import gateway_responses

    responses = gateway_responses.gateway_responses(origins)
    listed = {o.strip() for o in origins.split(",") if o.strip()}
    for kind, response in responses.items():
        for header, value in response["responseParameters"].items():
            assert "method.request" not in value, (kind, header, value)
            assert value.startswith("'") and value.endswith("'"), (kind, header, value)
        allow = response["responseParameters"].get(
            "gatewayresponse.header.Access-Control-Allow-Origin"
        )
        if len(listed) == 1:
            (only,) = listed
            assert allow == f"'{only}'"  # browsers hold any other origin to a mismatch
        else:
            assert allow is None, (kind, allow)


def scheduled(template: Template, name: str, function: str, role: str) -> dict[str, Any]:
    """A function as Chalice packages a ``@schedule`` handler, with its role's placeholder."""
    properties: dict[str, Any] = {
        "Role": package.ROLE_PLACEHOLDER + role,
        "Runtime": "python3.11",
        "Handler": f"chalicelib.handlers.{function}.{function}",
        "Events": {
            f"{name}Event": {"Type": "Schedule", "Properties": {"Schedule": "rate(1 minute)"}}
        },
    }
    template["Resources"][name] = {"Type": "AWS::Serverless::Function", "Properties": properties}
    return properties


def sqs_worker(template: Template, queue_name: str) -> dict[str, Any]:
    """A function as Chalice packages an ``@on_sqs_message(queue=queue_name)`` handler."""
    arn = f"arn:${{AWS::Partition}}:sqs:${{AWS::Region}}:${{AWS::AccountId}}:{queue_name}"
    event = {"Type": "SQS", "Properties": {"Queue": {"Fn::Sub": arn}, "BatchSize": 1}}
    worker = {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "Role": package.ROLE_PLACEHOLDER + "DueDateWorkerRole",
            "Runtime": "python3.11",
            "Events": {"DueDateWorkerSqsEventSource": event},
        },
    }
    template["Resources"]["DueDateWorker"] = worker
    return event


def test_finalise_points_the_worker_at_the_templates_queue(template: Template) -> None:
    env = {
        "TASKAPP_STAGE": "dev",
        "TABLE_PREFIX": "d-",
        "JWT_SECRET_PARAMETER": "/x",
        "SES_IDENTITY": "example.com",
        "MAIL_FROM_ADDRESS": "no-reply@example.com",
    }
    finalised = chalice_like(template)
    event = sqs_worker(finalised, "due-date-work")
    package.finalise(finalised, env=env)
    assert event["Properties"]["Queue"] == {"Fn::GetAtt": ["DueDateWorkQueue", "Arn"]}
    worker = finalised["Resources"]["DueDateWorker"]["Properties"]
    assert worker["Role"] == {"Fn::GetAtt": ["DueDateWorkerRole", "Arn"]}
    assert "EventInvokeConfig" not in worker  # SQS invokes it synchronously
    # A queue the template does not declare would be another stack's, or nobody's.
    other = chalice_like(load_template())
    sqs_worker(other, "someone-elses-queue")
    with pytest.raises(package.PackagingError, match="someone-elses-queue"):
        package.finalise(other, env=env)


def load_template() -> Template:
    text = (ROOT / "infra" / "resources.yaml").read_text()
    loaded: Template = YAMLTemplateSerializer().load_template(text)
    return loaded


@pytest.mark.parametrize(
    "role",
    [
        "arn:aws:iam::1:role/admin",
        {"Fn::GetAtt": ["SomeRole", "Arn"]},
        package.ROLE_PLACEHOLDER + "AdminRole",  # no such role in the template
        package.ROLE_PLACEHOLDER + "UsersTable",  # not a role
        package.ROLE_PLACEHOLDER.rstrip("/"),  # the old single placeholder
    ],
)
def test_finalise_refuses_a_function_with_another_role(template: Template, role: Any) -> None:
    finalised = chalice_like(template)
    finalised["Resources"]["APIHandler"]["Properties"]["Role"] = role
    with pytest.raises(package.PackagingError, match="APIHandler"):
        package.finalise(finalised, env={})


def zip_of(tmp_path: Path, *names: str) -> Path:
    path = tmp_path / "deployment.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name in names:
            archive.writestr(name, "")
    return path


def test_the_deployment_package_may_hold_only_the_handlers(tmp_path: Path) -> None:
    handlers = ("app.py", "chalice/app.py", "chalicelib/handlers/health.py")
    assert package.deployment_package_problems(zip_of(tmp_path, *handlers)) == []
    duplicated = zip_of(tmp_path, *handlers, "taskcore/config.py", "pydantic/main.py")
    assert len(package.deployment_package_problems(duplicated)) == 2


# --- layer contents -----------------------------------------------------------------------------


def test_layer_requirements_are_the_installed_runtime_closure() -> None:
    pins = dict(line.split("==") for line in build_layer.runtime_requirements())
    assert {"pynamodb", "pydantic", "pydantic-core", "bcrypt", "pyjwt", "redis"} <= pins.keys()
    # Provided by the Lambda runtime, packed by Chalice, or only for development.
    assert not pins.keys() & {"boto3", "botocore", "chalice", "pytest", "moto", "gunicorn"}


def test_layer_zip_is_reproducible(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "python" / "pkg").mkdir(parents=True)
    (source / "python" / "pkg" / "b.py").write_text("B = 1\n")
    (source / "python" / "pkg" / "a.py").write_text("A = 1\n")
    first, second = tmp_path / "1.zip", tmp_path / "2.zip"
    build_layer.write_reproducible_zip(source, first)
    (source / "python" / "pkg" / "a.py").touch()  # a newer mtime changes nothing
    build_layer.write_reproducible_zip(source, second)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(io.BytesIO(first.read_bytes())) as archive:
        assert archive.namelist() == ["python/pkg/a.py", "python/pkg/b.py"]


def test_settings_for_functions_the_app_lacks_are_reported(template: Template) -> None:
    functions: dict[str, Any] = {"due_date_job": {}, "api_handler": {}}
    config = {"stages": {"dev": {"lambda_functions": functions}}}
    packaged = chalice_like(template)
    packaged["Resources"]["APIHandler"]["Properties"]["Handler"] = "app.app"
    assert package.unmatched_function_settings(packaged, config, "dev") == ["due_date_job"]
    packaged["Resources"]["DueDateJob"] = {
        "Type": "AWS::Serverless::Function",
        "Properties": {"Handler": "app.due_date_job"},
    }
    assert package.unmatched_function_settings(packaged, config, "dev") == []
    # A blueprint's function: its handler string names its module.
    functions["due_date_worker"] = {}
    packaged["Resources"]["DueDateWorker"] = {
        "Type": "AWS::Serverless::Function",
        "Properties": {"Handler": "chalicelib.handlers.due_date_worker.due_date_worker"},
    }
    assert package.unmatched_function_settings(packaged, config, "dev") == []
