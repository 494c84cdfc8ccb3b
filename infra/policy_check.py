"""The allow-list for the functions' IAM permissions, checked on a CloudFormation template.

Each function has a role of its own (infra/resources.yaml), and each role may hold only
what its function does (issue 8, least privilege). Two layers of checks:

* per statement, whatever role holds it: resources are compared as the exact
  CloudFormation expressions resources.yaml uses, so a policy that names any other ARN,
  pattern or parameter is a violation. Never a wildcard action, never ``Scan``, never
  another table; ``kms:Decrypt`` only through SSM for the JWT parameter; SES only as the
  configured identity and From address; no queue created, purged or deleted.
* per role (:data:`ROLE_GRANTS`): which actions on which of those resources the role may
  hold. A role the allow-list does not name, or a policy attached to anything but a role
  it names, is a violation.

What the roles may do:

* ``ApiRole`` (the API function): item actions and ``Query`` on every table but the outbox
  and ``Query`` on their indexes; ``PutItem`` on the outbox (the account transactions queue
  their e-mail); the Redis AUTH token; the ENI actions of a function in a VPC. No SES and
  no SQS at all.
* ``OutboxSenderRole`` (``outbox_sender``): ``Query`` on the outbox's ``by_due`` index,
  ``UpdateItem`` / ``DeleteItem`` on the outbox, ``ses:SendEmail`` as the identity; sending
  a failed scheduled run to the job's dead-letter queue. Outside the VPC: no ENI actions,
  no Redis token.
* ``DueDateJobRole`` (the coordinator ``due_date_job``): ``sqs:SendMessage`` on the work
  queue and the dead-letter queue; no table. Outside the VPC.
* ``DueDateWorkerRole`` (``due_date_worker``): ``Query`` on the tasks' ``by_notify_bucket``
  index, ``UpdateItem`` on tasks, ``PutItem`` / ``Query`` on notifications; receiving,
  deleting and reading the attributes of the work queue (its event source mapping); the
  Redis AUTH token and the ENI actions (it runs in the VPC).
* Every role: ``ssm:GetParameter`` on the JWT secret parameter and ``kms:Decrypt`` for it
  through SSM (the settings read it at cold start), writing to the stack's own log group
  (CloudWatch EMF metrics are log lines too), and the two X-Ray actions active tracing
  sends segments with.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Template = dict[str, Any]
# What a statement grants: (action, the symbol of a resource: a table's or queue's logical
# id, "<table>/index/<name or *>", "JwtSecretParameter", "JwtSecretKey", "RedisAuthToken",
# "FunctionLogGroup", "MailSenderIdentity", or "*").
Grant = tuple[str, str]

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
# SES v2 SendEmail (raw content included) is authorised as ses:SendEmail.
SES_ACTIONS = frozenset({"ses:SendEmail"})
SES_IDENTITY_ARN = {"Fn::Sub": _ACCOUNT_ARN % ("ses", "identity/${MailSenderIdentity}")}
SES_CONDITION = {"StringEquals": {"ses:FromAddress": {"Ref": "MailSenderAddress"}}}
REDIS_SECRET = {"Ref": "RedisAuthToken"}
# What each queue's ARN may be granted, whichever role holds it.
QUEUE_ACTIONS = {
    "JobDeadLetterQueue": frozenset({"sqs:SendMessage"}),
    "DueDateWorkQueue": frozenset(
        {"sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
    ),
}
_STATEMENT_KEYS = frozenset({"Sid", "Effect", "Action", "Resource", "Condition"})

# --- per role -------------------------------------------------------------------------------
# Resource symbol -> the actions on it a role may hold.
_EVERY_FUNCTION: dict[str, frozenset[str]] = {
    "JwtSecretParameter": frozenset({"ssm:GetParameter"}),
    "JwtSecretKey": frozenset({"kms:Decrypt"}),
    LOG_GROUP: LOG_ACTIONS,
}
_DEAD_LETTERS = {"JobDeadLetterQueue": frozenset({"sqs:SendMessage"})}
API_TABLES = (
    "UsersTable", "TasksTable", "SearchTable", "NotificationsTable", "AuthTable", "ListIndexTable",
)  # fmt: skip
API_INDEXED_TABLES = ("TasksTable", "NotificationsTable", "ListIndexTable")
ROLE_GRANTS: dict[str, dict[str, frozenset[str]]] = {
    "ApiRole": {
        **_EVERY_FUNCTION,
        **{table: TABLE_ACTIONS for table in API_TABLES},
        **{f"{table}/index/*": INDEX_ACTIONS for table in API_INDEXED_TABLES},
        "OutboxTable": frozenset({"dynamodb:PutItem"}),
        "RedisAuthToken": frozenset({"secretsmanager:GetSecretValue"}),
        "*": ENI_ACTIONS | XRAY_ACTIONS,
    },
    "OutboxSenderRole": {
        **_EVERY_FUNCTION,
        **_DEAD_LETTERS,
        "OutboxTable": frozenset({"dynamodb:UpdateItem", "dynamodb:DeleteItem"}),
        "OutboxTable/index/by_due": INDEX_ACTIONS,
        "MailSenderIdentity": SES_ACTIONS,
        "*": XRAY_ACTIONS,
    },
    "DueDateJobRole": {
        **_EVERY_FUNCTION,
        **_DEAD_LETTERS,
        "DueDateWorkQueue": frozenset({"sqs:SendMessage"}),
        "*": XRAY_ACTIONS,
    },
    "DueDateWorkerRole": {
        **_EVERY_FUNCTION,
        "TasksTable": frozenset({"dynamodb:UpdateItem"}),
        "TasksTable/index/by_notify_bucket": INDEX_ACTIONS,
        "NotificationsTable": frozenset({"dynamodb:PutItem", "dynamodb:Query"}),
        "DueDateWorkQueue": frozenset(
            {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
        ),
        "RedisAuthToken": frozenset({"secretsmanager:GetSecretValue"}),
        "*": ENI_ACTIONS | XRAY_ACTIONS,
    },
}


def violations(template: Template) -> list[str]:
    """Every way the template's IAM policies exceed the allow-list (empty when none)."""
    resources: dict[str, Any] = template.get("Resources", {})
    tables = {
        name: _index_names(resource.get("Properties", {}))
        for name, resource in resources.items()
        if resource.get("Type") == "AWS::DynamoDB::Table"
    }
    found = [
        f"{name}: a role the allow-list does not know (infra/policy_check.py, ROLE_GRANTS)"
        for name, resource in resources.items()
        if resource.get("Type") == "AWS::IAM::Role" and name not in ROLE_GRANTS
    ]
    for roles, where, statement in _statements(resources, found):
        problems, grants = _check_statement(statement, tables)
        found.extend(f"{where}: {problem}" for problem in problems)
        sid = statement.get("Sid", "<no Sid>")
        for role in roles:
            # A role the allow-list does not know is reported above, once.
            allowed = ROLE_GRANTS.get(role)
            found.extend(
                f"{where}: {sid}: {action} on {resource} is not {role}'s to hold"
                for action, resource in sorted(grants)
                if allowed is not None and action not in allowed.get(resource, frozenset())
            )
    return found


def role_grants(template: Template, role: str) -> set[Grant]:
    """Every (action, resource symbol) the template grants ``role`` through statements the
    allow-list understands (for tests: what a role actually holds)."""
    resources: dict[str, Any] = template.get("Resources", {})
    tables = {
        name: _index_names(resource.get("Properties", {}))
        for name, resource in resources.items()
        if resource.get("Type") == "AWS::DynamoDB::Table"
    }
    held: set[Grant] = set()
    for roles, _, statement in _statements(resources, []):
        if role in roles:
            held |= _check_statement(statement, tables)[1]
    return held


def _index_names(properties: dict[str, Any]) -> frozenset[str]:
    return frozenset(
        index["IndexName"]
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")
        for index in properties.get(kind) or []
    )


def _statements(
    resources: dict[str, Any], found: list[str]
) -> Iterator[tuple[list[str], str, dict[str, Any]]]:
    """(the roles that hold it, where it is, statement) of every IAM statement."""
    for name, resource in resources.items():
        kind = resource.get("Type")
        properties = resource.get("Properties", {})
        if kind == "AWS::IAM::Role":
            if properties.get("ManagedPolicyArns"):
                found.append(f"{name}: managed policies are not reviewed here, inline them")
            for policy in properties.get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    yield [name], f"{name}/{policy['PolicyName']}", statement
        elif kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            roles = _attached_roles(name, properties, found)
            for statement in properties["PolicyDocument"]["Statement"]:
                yield roles, name, statement
        elif kind == "AWS::Serverless::Function" and "Policies" in properties:
            found.append(f"{name}: SAM policy templates bypass the allow-list")


def _attached_roles(name: str, properties: dict[str, Any], found: list[str]) -> list[str]:
    """The roles of the allow-list a separate policy is attached to; anything else it is
    attached to is a violation."""
    if properties.get("Users") or properties.get("Groups"):
        found.append(f"{name}: attached to users or groups, not to a function's role")
    roles = []
    for role in properties.get("Roles") or []:
        if isinstance(role, dict) and set(role) == {"Ref"} and role["Ref"] in ROLE_GRANTS:
            roles.append(role["Ref"])
        else:
            found.append(f"{name}: attached to {role!r}, not a role of the allow-list")
    return roles


def _check_statement(
    statement: dict[str, Any], tables: dict[str, frozenset[str]]
) -> tuple[list[str], set[Grant]]:
    """The statement's problems, whoever holds it, and what it grants."""
    sid = statement.get("Sid", "<no Sid>")
    if set(statement) - _STATEMENT_KEYS or statement.get("Effect") != "Allow":
        return [f"{sid}: only Allow statements with Action/Resource/Condition are expected"], set()
    actions = set(_as_list(statement["Action"]))
    resources = _as_list(statement["Resource"])
    condition = statement.get("Condition")
    if any("*" in action for action in actions):
        return [f"{sid}: wildcard action in {sorted(actions)}"], set()
    services = {action.split(":", 1)[0] for action in actions}
    if len(services) != 1:
        return [f"{sid}: one service per statement, got {sorted(services)}"], set()
    check = _SERVICE_CHECKS.get(services.pop())
    if check is None:
        return [f"{sid}: service not on the allow-list: {sorted(actions)}"], set()
    problems: list[str] = []
    symbols = check(actions, resources, condition, tables, problems)
    grants = {(action, symbol) for action in actions for symbol in symbols}
    return [f"{sid}: {p}" for p in problems], grants


# Each check appends its problems and returns the symbols of the resources it names.


def _check_dynamodb(
    actions: set[str],
    resources: list[Any],
    condition: Any,
    tables: dict[str, frozenset[str]],
    problems: list[str],
) -> list[str]:
    symbols = []
    for resource in resources:
        symbol, allowed = _dynamodb_resource(resource, tables)
        if symbol is None:
            problems.append(f"not one of this template's tables or their indexes: {resource}")
            continue
        symbols.append(symbol)
        if actions - allowed:
            problems.append(f"{sorted(actions - allowed)} not allowed on {resource}")
    if condition is not None:
        problems.append("unexpected condition")
    return symbols


def _dynamodb_resource(
    resource: Any, tables: dict[str, frozenset[str]]
) -> tuple[str | None, frozenset[str]]:
    """A table's symbol and actions, ``<table>/index/*`` for all its indexes or
    ``<table>/index/<name>`` for one it has; ``None`` for anything else."""
    for table, indexes in tables.items():
        if resource == {"Fn::GetAtt": [table, "Arn"]}:
            return table, TABLE_ACTIONS
        for index in ("*", *sorted(indexes)):
            if resource == {"Fn::Sub": f"${{{table}.Arn}}/index/{index}"}:
                return f"{table}/index/{index}", INDEX_ACTIONS
    return None, frozenset()


def _check_ssm(
    actions: set[str],
    resources: list[Any],
    condition: Any,
    tables: dict[str, frozenset[str]],
    problems: list[str],
) -> list[str]:
    if actions != {"ssm:GetParameter"} or resources != [PARAMETER_ARN] or condition:
        problems.append("only ssm:GetParameter on the JWT secret parameter")
        return []
    return ["JwtSecretParameter"]


def _check_kms(
    actions: set[str],
    resources: list[Any],
    condition: Any,
    tables: dict[str, frozenset[str]],
    problems: list[str],
) -> list[str]:
    if actions != {"kms:Decrypt"} or resources != [ANY_KEY_ARN]:
        problems.append("only kms:Decrypt on this account's keys")
    if condition != DECRYPT_CONDITION:
        problems.append("kms:Decrypt must be limited to SSM and the JWT secret parameter")
    return ["JwtSecretKey"]


def _check_logs(
    actions: set[str],
    resources: list[Any],
    condition: Any,
    tables: dict[str, frozenset[str]],
    problems: list[str],
) -> list[str]:
    if actions - LOG_ACTIONS or resources != [{"Fn::GetAtt": [LOG_GROUP, "Arn"]}] or condition:
        problems.append(f"only {sorted(LOG_ACTIONS)} on {LOG_GROUP}")
        return []
    return [LOG_GROUP]


def _check_ec2(
    actions: set[str],
    resources: list[Any],
    condition: Any,
    tables: dict[str, frozenset[str]],
    problems: list[str],
) -> list[str]:
    if actions - ENI_ACTIONS or resources != ["*"] or condition:
        problems.append(f"only the Lambda VPC actions {sorted(ENI_ACTIONS)}")
    return ["*"]


def _check_ses(
    actions: set[str],
    resources: list[Any],
    condition: Any,
    tables: dict[str, frozenset[str]],
    problems: list[str],
) -> list[str]:
    if actions - SES_ACTIONS or resources != [SES_IDENTITY_ARN]:
        problems.append(f"only {sorted(SES_ACTIONS)} as the MailSenderIdentity identity")
    if condition != SES_CONDITION:
        problems.append("SES sending must be limited to the MailSenderAddress From address")
    return ["MailSenderIdentity"]


def _check_secretsmanager(
    actions: set[str],
    resources: list[Any],
    condition: Any,
    tables: dict[str, frozenset[str]],
    problems: list[str],
) -> list[str]:
    if actions != {"secretsmanager:GetSecretValue"} or resources != [REDIS_SECRET] or condition:
        problems.append("only secretsmanager:GetSecretValue on the Redis AUTH token secret")
        return []
    return ["RedisAuthToken"]


def _check_xray(
    actions: set[str],
    resources: list[Any],
    condition: Any,
    tables: dict[str, frozenset[str]],
    problems: list[str],
) -> list[str]:
    if actions - XRAY_ACTIONS or resources != ["*"] or condition:
        problems.append(f"only the tracing actions {sorted(XRAY_ACTIONS)}")
    return ["*"]


def _check_sqs(
    actions: set[str],
    resources: list[Any],
    condition: Any,
    tables: dict[str, frozenset[str]],
    problems: list[str],
) -> list[str]:
    if condition is not None or not resources:
        problems.append("SQS: one of the job's queues, without a condition")
        return []
    arns = {name: {"Fn::GetAtt": [name, "Arn"]} for name in QUEUE_ACTIONS}
    symbols = []
    for resource in resources:
        queue = next((name for name, arn in arns.items() if arn == resource), "")
        allowed = QUEUE_ACTIONS.get(queue)
        if allowed is None:
            problems.append(f"not one of the job's queues: {resource}")
            continue
        symbols.append(queue)
        if actions - allowed:
            problems.append(f"{sorted(actions - allowed)} not allowed on {queue}")
    return symbols


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
