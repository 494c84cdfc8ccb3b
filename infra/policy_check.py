"""The allow-list for the functions' IAM permissions, checked on a CloudFormation template.

What the functions may do, and nothing else (issue 8, least privilege):

* DynamoDB item actions and Query on the template's own tables, Query on their indexes;
  never a wildcard action, never Scan, never another table.
* ``ssm:GetParameter`` on the JWT secret parameter, and ``kms:Decrypt`` only through SSM for
  that parameter.
* ``ses:SendEmail`` / ``ses:SendRawEmail`` as the configured SES identity only, and only
  from the configured address (``MailSenderIdentity``, ``MailSenderAddress``).
* ``secretsmanager:GetSecretValue`` on the template's Redis AUTH token secret only.
* Writing to the stack's own log group (CloudWatch EMF metrics are log lines too).
* The ENI actions Lambda needs in a VPC, and the two X-Ray actions that tracing sends
  segments with (neither takes a resource-level restriction).
* ``sqs:SendMessage`` on the template's dead-letter queue only (Lambda's on-failure
  destination for asynchronous invocations); on the due-date job's work queue, sending
  (the coordinator) and what Lambda's event source mapping needs to poll it (receive,
  delete, read its attributes), nothing else. No queue is created, purged or deleted.

Resources are compared as the exact CloudFormation expressions resources.yaml uses, so a
policy that names any other ARN, pattern or parameter is a violation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Template = dict[str, Any]

TABLE_ACTIONS = frozenset(
    f"dynamodb:{action}"
    for action in (
        "GetItem", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem",
        "BatchGetItem", "BatchWriteItem", "Query",
    )
)  # fmt: skip
INDEX_ACTIONS = frozenset({"dynamodb:Query"})
ENI_ACTIONS = frozenset(
    f"ec2:{action}"
    for action in (
        "CreateNetworkInterface", "DescribeNetworkInterfaces", "DescribeSubnets",
        "DeleteNetworkInterface", "AssignPrivateIpAddresses", "UnassignPrivateIpAddresses",
    )
)  # fmt: skip
LOG_ACTIONS = frozenset({"logs:CreateLogStream", "logs:PutLogEvents"})
XRAY_ACTIONS = frozenset({"xray:PutTraceSegments", "xray:PutTelemetryRecords"})

_ACCOUNT_ARN = "arn:${AWS::Partition}:%s:${AWS::Region}:${AWS::AccountId}:%s"
PARAMETER_ARN = {"Fn::Sub": _ACCOUNT_ARN % ("ssm", "parameter${JwtSecretParameterName}")}
ANY_KEY_ARN = {"Fn::Sub": _ACCOUNT_ARN % ("kms", "key/*")}
DECRYPT_CONDITION = {
    "StringEquals": {
        "kms:ViaService": {"Fn::Sub": "ssm.${AWS::Region}.amazonaws.com"},
        "kms:EncryptionContext:PARAMETER_ARN": PARAMETER_ARN,
    }
}
LOG_GROUP = "FunctionLogGroup"
SES_ACTIONS = frozenset({"ses:SendEmail", "ses:SendRawEmail"})
SES_IDENTITY_ARN = {"Fn::Sub": _ACCOUNT_ARN % ("ses", "identity/${MailSenderIdentity}")}
SES_CONDITION = {"StringEquals": {"ses:FromAddress": {"Ref": "MailSenderAddress"}}}
REDIS_SECRET = {"Ref": "RedisAuthToken"}
# What each queue's ARN may be granted.
QUEUE_ACTIONS = {
    "JobDeadLetterQueue": frozenset({"sqs:SendMessage"}),
    "DueDateWorkQueue": frozenset(
        {"sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
    ),
}
_STATEMENT_KEYS = frozenset({"Sid", "Effect", "Action", "Resource", "Condition"})


def violations(template: Template) -> list[str]:
    """Every way the template's IAM policies exceed the allow-list (empty when none)."""
    resources: dict[str, Any] = template.get("Resources", {})
    tables = sorted(n for n, r in resources.items() if r.get("Type") == "AWS::DynamoDB::Table")
    found: list[str] = []
    for where, statement in _statements(resources, found):
        found.extend(f"{where}: {problem}" for problem in _check_statement(statement, tables))
    return found


def _statements(
    resources: dict[str, Any], found: list[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, resource in resources.items():
        kind = resource.get("Type")
        properties = resource.get("Properties", {})
        if kind == "AWS::IAM::Role":
            if properties.get("ManagedPolicyArns"):
                found.append(f"{name}: managed policies are not reviewed here, inline them")
            for policy in properties.get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    yield f"{name}/{policy['PolicyName']}", statement
        elif kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for statement in properties["PolicyDocument"]["Statement"]:
                yield name, statement
        elif kind == "AWS::Serverless::Function" and "Policies" in properties:
            found.append(f"{name}: SAM policy templates bypass the allow-list")


def _check_statement(statement: dict[str, Any], tables: list[str]) -> Iterator[str]:
    sid = statement.get("Sid", "<no Sid>")
    if set(statement) - _STATEMENT_KEYS or statement.get("Effect") != "Allow":
        yield f"{sid}: only Allow statements with Action/Resource/Condition are expected"
        return
    actions = set(_as_list(statement["Action"]))
    resources = _as_list(statement["Resource"])
    condition = statement.get("Condition")
    if any("*" in action for action in actions):
        yield f"{sid}: wildcard action in {sorted(actions)}"
        return
    services = {action.split(":", 1)[0] for action in actions}
    if len(services) != 1:
        yield f"{sid}: one service per statement, got {sorted(services)}"
        return
    check = _SERVICE_CHECKS.get(services.pop())
    if check is None:
        yield f"{sid}: service not on the allow-list: {sorted(actions)}"
        return
    yield from (f"{sid}: {p}" for p in check(actions, resources, condition, tables))


def _check_dynamodb(
    actions: set[str], resources: list[Any], condition: Any, tables: list[str]
) -> Iterator[str]:
    table_arns = [{"Fn::GetAtt": [t, "Arn"]} for t in tables]
    index_arns = [{"Fn::Sub": f"${{{t}.Arn}}/index/*"} for t in tables]
    for resource in resources:
        if resource in table_arns:
            allowed = TABLE_ACTIONS
        elif resource in index_arns:
            allowed = INDEX_ACTIONS
        else:
            yield f"not one of this template's tables or their indexes: {resource}"
            continue
        if actions - allowed:
            yield f"{sorted(actions - allowed)} not allowed on {resource}"
    if condition is not None:
        yield "unexpected condition"


def _check_ssm(
    actions: set[str], resources: list[Any], condition: Any, tables: list[str]
) -> Iterator[str]:
    if actions != {"ssm:GetParameter"} or resources != [PARAMETER_ARN] or condition:
        yield "only ssm:GetParameter on the JWT secret parameter"


def _check_kms(
    actions: set[str], resources: list[Any], condition: Any, tables: list[str]
) -> Iterator[str]:
    if actions != {"kms:Decrypt"} or resources != [ANY_KEY_ARN]:
        yield "only kms:Decrypt on this account's keys"
    if condition != DECRYPT_CONDITION:
        yield "kms:Decrypt must be limited to SSM and the JWT secret parameter"


def _check_logs(
    actions: set[str], resources: list[Any], condition: Any, tables: list[str]
) -> Iterator[str]:
    if actions - LOG_ACTIONS or resources != [{"Fn::GetAtt": [LOG_GROUP, "Arn"]}] or condition:
        yield f"only {sorted(LOG_ACTIONS)} on {LOG_GROUP}"


def _check_ec2(
    actions: set[str], resources: list[Any], condition: Any, tables: list[str]
) -> Iterator[str]:
    if actions - ENI_ACTIONS or resources != ["*"] or condition:
        yield f"only the Lambda VPC actions {sorted(ENI_ACTIONS)}"


def _check_ses(
    actions: set[str], resources: list[Any], condition: Any, tables: list[str]
) -> Iterator[str]:
    if actions - SES_ACTIONS or resources != [SES_IDENTITY_ARN]:
        yield f"only {sorted(SES_ACTIONS)} as the MailSenderIdentity identity"
    if condition != SES_CONDITION:
        yield "SES sending must be limited to the MailSenderAddress From address"


def _check_secretsmanager(
    actions: set[str], resources: list[Any], condition: Any, tables: list[str]
) -> Iterator[str]:
    if actions != {"secretsmanager:GetSecretValue"} or resources != [REDIS_SECRET] or condition:
        yield "only secretsmanager:GetSecretValue on the Redis AUTH token secret"


def _check_xray(
    actions: set[str], resources: list[Any], condition: Any, tables: list[str]
) -> Iterator[str]:
    if actions - XRAY_ACTIONS or resources != ["*"] or condition:
        yield f"only the tracing actions {sorted(XRAY_ACTIONS)}"


def _check_sqs(
    actions: set[str], resources: list[Any], condition: Any, tables: list[str]
) -> Iterator[str]:
    if condition is not None or not resources:
        yield "SQS: one of the job's queues, without a condition"
        return
    arns = {name: {"Fn::GetAtt": [name, "Arn"]} for name in QUEUE_ACTIONS}
    for resource in resources:
        queue = next((name for name, arn in arns.items() if arn == resource), "")
        allowed = QUEUE_ACTIONS.get(queue)
        if allowed is None:
            yield f"not one of the job's queues: {resource}"
        elif actions - allowed:
            yield f"{sorted(actions - allowed)} not allowed on {queue}"


_SERVICE_CHECKS = {
    "dynamodb": _check_dynamodb,
    "ssm": _check_ssm,
    "kms": _check_kms,
    "secretsmanager": _check_secretsmanager,
    "logs": _check_logs,
    "ec2": _check_ec2,
    "ses": _check_ses,
    "xray": _check_xray,
    "sqs": _check_sqs,
}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
