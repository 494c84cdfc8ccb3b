"""The functions' IAM permissions: one role per function, each with exactly what its
function touches (infra/resources.yaml), and the allow-list that checks them
(infra/policy_check.py)."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import pytest
from chalice.package import YAMLTemplateSerializer

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from infra import policy_check  # noqa: E402

Template = dict[str, Any]
ROLES = ("ApiRole", "OutboxSenderRole", "DueDateJobRole", "DueDateWorkerRole")
# What only the mail sender and the job's functions may do, never the internet-facing API.
QUEUE_TRAFFIC = {"sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"}


def load_resources() -> Template:
    """infra/resources.yaml as Chalice reads it for the merge."""
    text = (ROOT / "infra" / "resources.yaml").read_text()
    template: Template = YAMLTemplateSerializer().load_template(text)
    return template


@pytest.fixture
def template() -> Template:
    return load_resources()


def role_statements(template: Template, role: str) -> list[dict[str, Any]]:
    """Every statement the role holds: its inline policies and any policy attached to it."""
    resources = template["Resources"]
    found: list[dict[str, Any]] = [
        s
        for policy in resources[role]["Properties"]["Policies"]
        for s in policy["PolicyDocument"]["Statement"]
    ]
    for resource in resources.values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role} in properties["Roles"]:
            found += properties["PolicyDocument"]["Statement"]
    return found


def by_sid(template: Template, role: str, sid: str) -> dict[str, Any]:
    (statement,) = [s for s in role_statements(template, role) if s.get("Sid") == sid]
    return statement


def actions_of(template: Template, role: str) -> set[str]:
    return {
        action
        for s in role_statements(template, role)
        for action in policy_check._as_list(s["Action"])
    }


def test_the_template_passes_the_allow_list(template: Template) -> None:
    assert policy_check.violations(template) == []


def test_one_role_per_function_and_no_other_role(template: Template) -> None:
    roles = {n for n, r in template["Resources"].items() if r["Type"] == "AWS::IAM::Role"}
    assert roles == set(ROLES) == set(policy_check.ROLE_GRANTS)
    # No separate policy widens a role behind the allow-list's back.
    kinds = {r["Type"] for r in template["Resources"].values()}
    assert not kinds & {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}
    for role in ROLES:
        properties = template["Resources"][role]["Properties"]
        assert "ManagedPolicyArns" not in properties
        (trust,) = properties["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_each_role_holds_only_what_the_allow_list_gives_it(template: Template) -> None:
    for role in ROLES:
        held = policy_check.role_grants(template, role)
        allowed = policy_check.ROLE_GRANTS[role]
        assert held, role
        assert not [(a, r) for a, r in held if a not in allowed.get(r, frozenset())], role


# --- the API: tables, outbox Put, configuration, cache token, logs, X-Ray, ENIs -------------


def test_the_api_role_has_no_mail_and_no_queue_traffic(template: Template) -> None:
    actions = actions_of(template, "ApiRole")
    assert not [a for a in actions if a.startswith("ses:")]
    assert not actions & QUEUE_TRAFFIC
    assert not [a for a in actions if a.startswith("sqs:")]
    # Nor may the allow-list ever give it any.
    allowed = {a for acts in policy_check.ROLE_GRANTS["ApiRole"].values() for a in acts}
    assert not [a for a in allowed if a.startswith(("ses:", "sqs:"))]


def test_the_api_role_grants_what_the_api_needs(template: Template) -> None:
    tables = by_sid(template, "ApiRole", "OwnTables")
    assert {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem"} <= set(
        tables["Action"]
    )
    every_table = {
        n for n, r in template["Resources"].items() if r["Type"] == "AWS::DynamoDB::Table"
    }
    outbox = by_sid(template, "ApiRole", "OutboxEnqueue")
    granted = {r["Fn::GetAtt"][0] for r in tables["Resource"] + outbox["Resource"]}
    assert granted == every_table
    # The account transactions queue their e-mail: a Put, nothing else of the outbox.
    assert outbox["Action"] == ["dynamodb:PutItem"]
    assert outbox["Resource"] == [{"Fn::GetAtt": ["OutboxTable", "Arn"]}]
    outbox_grants = {
        (a, r) for a, r in policy_check.role_grants(template, "ApiRole") if "Outbox" in r
    }
    assert outbox_grants == {("dynamodb:PutItem", "OutboxTable")}
    assert by_sid(template, "ApiRole", "OwnIndexes")["Resource"] == [
        {"Fn::Sub": "${TasksTable.Arn}/index/*"},
        {"Fn::Sub": "${NotificationsTable.Arn}/index/*"},
        {"Fn::Sub": "${ListIndexTable.Arn}/index/*"},  # list pages (v1.1)
    ]
    secret = by_sid(template, "ApiRole", "RedisAuthTokenSecret")
    assert secret["Action"] == ["secretsmanager:GetSecretValue"]
    assert secret["Resource"] == [{"Ref": "RedisAuthToken"}]
    assert actions_of(template, "ApiRole") >= policy_check.ENI_ACTIONS  # in the VPC


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_jwt_parameter_logs_and_traces(template: Template, role: str) -> None:
    # The settings read the JWT secret at cold start, in every function.
    assert by_sid(template, role, "JwtSecretParameter")["Action"] == ["ssm:GetParameter"]
    decrypt = by_sid(template, role, "JwtSecretDecrypt")
    assert decrypt["Action"] == ["kms:Decrypt"]
    assert decrypt["Condition"] == policy_check.DECRYPT_CONDITION
    assert set(by_sid(template, role, "OwnLogs")["Action"]) == policy_check.LOG_ACTIONS
    assert set(by_sid(template, role, "XRayTraces")["Action"]) == policy_check.XRAY_ACTIONS
    # EMF metrics are log lines: nothing may call CloudWatch's metric API.
    assert not [a for a in actions_of(template, role) if a.startswith("cloudwatch:")]


# --- the outbox sender: the outbox's queue, its messages, SES -------------------------------


def test_the_mail_sender_role_grants_outbox_and_ses_only(template: Template) -> None:
    held = policy_check.role_grants(template, "OutboxSenderRole")
    data = {(a, r) for a, r in held if a.startswith(("dynamodb:", "ses:", "sqs:"))}
    assert data == {
        ("dynamodb:Query", "OutboxTable/index/by_due"),
        ("dynamodb:UpdateItem", "OutboxTable"),  # claim, retry, give up
        ("dynamodb:DeleteItem", "OutboxTable"),  # delivered
        ("ses:SendEmail", "MailSenderIdentity"),
        ("sqs:SendMessage", "JobDeadLetterQueue"),  # a failed scheduled run
    }
    # Outside the VPC, without Redis: no network interfaces, no cache token.
    actions = actions_of(template, "OutboxSenderRole")
    assert not [a for a in actions if a.startswith(("ec2:", "secretsmanager:"))]


def test_ses_is_scoped_to_the_sender_identity_and_address(template: Template) -> None:
    ses = by_sid(template, "OutboxSenderRole", "SendAccountMail")
    # SES v2 SendEmail, raw MIME content included, is authorised as ses:SendEmail.
    assert ses["Action"] == ["ses:SendEmail"]
    assert ses["Resource"] == [policy_check.SES_IDENTITY_ARN]
    assert ses["Condition"] == policy_check.SES_CONDITION
    assert [r for r in ROLES if any(a.startswith("ses:") for a in actions_of(template, r))] == [
        "OutboxSenderRole"
    ]


# --- the due-date job: the coordinator sends, the worker's mapping receives -----------------


def test_the_coordinator_only_sends_to_the_work_queue(template: Template) -> None:
    held = policy_check.role_grants(template, "DueDateJobRole")
    data = {(a, r) for a, r in held if a.startswith(("dynamodb:", "ses:", "sqs:"))}
    assert data == {
        ("sqs:SendMessage", "DueDateWorkQueue"),  # SendMessageBatch
        ("sqs:SendMessage", "JobDeadLetterQueue"),  # a failed scheduled run
    }
    actions = actions_of(template, "DueDateJobRole")
    assert not [a for a in actions if a.startswith(("ec2:", "secretsmanager:"))]


def test_the_worker_polls_the_queue_and_touches_only_the_due_tasks(template: Template) -> None:
    held = policy_check.role_grants(template, "DueDateWorkerRole")
    data = {(a, r) for a, r in held if a.startswith(("dynamodb:", "ses:", "sqs:"))}
    assert data == {
        ("dynamodb:Query", "TasksTable/index/by_notify_bucket"),  # what is due
        ("dynamodb:UpdateItem", "TasksTable"),  # the reminder bookkeeping (transaction)
        ("dynamodb:PutItem", "NotificationsTable"),  # notifications, progress marks
        ("dynamodb:Query", "NotificationsTable"),  # the progress marks
        # Lambda's event source mapping polls with the worker's role.
        ("sqs:ReceiveMessage", "DueDateWorkQueue"),
        ("sqs:DeleteMessage", "DueDateWorkQueue"),
        ("sqs:GetQueueAttributes", "DueDateWorkQueue"),
    }
    assert actions_of(template, "DueDateWorkerRole") >= policy_check.ENI_ACTIONS  # in the VPC


def test_only_the_job_may_use_the_work_queue(template: Template) -> None:
    users = {
        role: actions_of(template, role) & QUEUE_TRAFFIC
        for role in ROLES
        if any(r == "DueDateWorkQueue" for _, r in policy_check.role_grants(template, role))
    }
    assert users == {
        "DueDateJobRole": {"sqs:SendMessage"},
        "DueDateWorkerRole": {"sqs:ReceiveMessage", "sqs:DeleteMessage"},
    }


def test_no_scan_and_no_wildcard_on_dynamodb(template: Template) -> None:
    for role in ROLES:
        actions = [a for a in actions_of(template, role) if a.startswith("dynamodb:")]
        assert not [a for a in actions if "*" in a or a == "dynamodb:Scan"], role


# --- the allow-list refuses anything broader -----------------------------------------------


def mutated(template: Template, role: str, sid: str, **changes: Any) -> Template:
    changed = copy.deepcopy(template)
    statement = by_sid(changed, role, sid)
    statement.update(changes)
    if changes.get("Condition") == {}:
        del statement["Condition"]
    return changed


@pytest.mark.parametrize(
    ("role", "sid", "changes"),
    [
        ("ApiRole", "OwnTables", {"Action": ["dynamodb:*"]}),
        ("ApiRole", "OwnTables", {"Action": ["dynamodb:Scan"]}),
        ("ApiRole", "OwnTables", {"Action": ["dynamodb:DeleteTable"]}),
        ("ApiRole", "OwnTables", {"Action": ["dynamodb:DescribeTable"]}),
        ("ApiRole", "OwnTables", {"Resource": "*"}),
        ("ApiRole", "OwnTables", {"Resource": [{"Fn::Sub": "arn:aws:dynamodb:*:*:table/other"}]}),
        # The outbox beyond the Put of the account transactions.
        ("ApiRole", "OwnTables", {"Resource": [{"Fn::GetAtt": ["OutboxTable", "Arn"]}]}),
        ("ApiRole", "OutboxEnqueue", {"Action": ["dynamodb:PutItem", "dynamodb:DeleteItem"]}),
        ("ApiRole", "OwnIndexes", {"Action": ["dynamodb:PutItem"]}),
        ("ApiRole", "OwnIndexes", {"Resource": [{"Fn::Sub": "${UsersTable.Arn}/*"}]}),
        ("ApiRole", "OwnIndexes", {"Resource": [{"Fn::Sub": "${OutboxTable.Arn}/index/*"}]}),
        ("ApiRole", "OwnIndexes", {"Resource": [{"Fn::Sub": "${TasksTable.Arn}/index/nope"}]}),
        ("ApiRole", "JwtSecretParameter", {"Action": ["ssm:GetParametersByPath"]}),
        ("ApiRole", "JwtSecretParameter", {"Resource": ["*"]}),
        ("ApiRole", "JwtSecretDecrypt", {"Condition": {}}),
        ("ApiRole", "JwtSecretDecrypt", {"Resource": ["*"]}),
        ("ApiRole", "OwnLogs", {"Action": ["logs:*"]}),
        ("ApiRole", "OwnLogs", {"Resource": ["*"]}),
        ("ApiRole", "OwnLogs", {"Action": ["s3:GetObject"]}),
        ("ApiRole", "OwnLogs", {"Effect": "Deny"}),
        ("ApiRole", "OwnLogs", {"NotResource": ["*"]}),
        ("ApiRole", "RedisAuthTokenSecret", {"Resource": ["*"]}),
        ("ApiRole", "RedisAuthTokenSecret", {"Action": ["secretsmanager:ListSecrets"]}),
        ("ApiRole", "RedisAuthTokenSecret", {"Resource": [{"Ref": "JwtSecretParameterName"}]}),
        ("ApiRole", "XRayTraces", {"Action": ["xray:*"]}),
        ("ApiRole", "XRayTraces", {"Action": ["xray:GetTraceSummaries"]}),
        ("ApiRole", "XRayTraces", {"Resource": [{"Fn::GetAtt": ["JobDeadLetterQueue", "Arn"]}]}),
        # The API may not touch any queue, not even the dead-letter queue.
        (
            "ApiRole",
            "XRayTraces",
            {
                "Action": ["sqs:SendMessage"],
                "Resource": [{"Fn::GetAtt": ["JobDeadLetterQueue", "Arn"]}],
            },
        ),
        (
            "ApiRole",
            "XRayTraces",
            {
                "Action": ["sqs:SendMessage"],
                "Resource": [{"Fn::GetAtt": ["DueDateWorkQueue", "Arn"]}],
            },
        ),
        (
            "ApiRole",
            "XRayTraces",
            {
                "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
                "Resource": [{"Fn::GetAtt": ["DueDateWorkQueue", "Arn"]}],
            },
        ),
        # Nor send mail, even as the identity and from the address.
        (
            "ApiRole",
            "XRayTraces",
            {
                "Action": ["ses:SendEmail"],
                "Resource": [policy_check.SES_IDENTITY_ARN],
                "Condition": policy_check.SES_CONDITION,
            },
        ),
        # The sender: no more of the outbox, no other table, no queue but the dead letters.
        ("OutboxSenderRole", "OutboxMessages", {"Action": ["dynamodb:PutItem"]}),
        ("OutboxSenderRole", "OutboxMessages", {"Action": ["dynamodb:GetItem"]}),
        (
            "OutboxSenderRole",
            "OutboxMessages",
            {"Resource": [{"Fn::GetAtt": ["UsersTable", "Arn"]}]},
        ),
        (
            "OutboxSenderRole",
            "OutboxQueue",
            {"Resource": [{"Fn::Sub": "${OutboxTable.Arn}/index/*"}]},
        ),
        (
            "OutboxSenderRole",
            "JobDeadLetters",
            {"Resource": [{"Fn::GetAtt": ["DueDateWorkQueue", "Arn"]}]},
        ),
        ("OutboxSenderRole", "JobDeadLetters", {"Resource": ["*"]}),
        ("OutboxSenderRole", "JobDeadLetters", {"Action": ["sqs:ReceiveMessage"]}),
        ("OutboxSenderRole", "JobDeadLetters", {"Action": ["sqs:SendMessage", "sqs:DeleteQueue"]}),
        ("OutboxSenderRole", "XRayTraces", {"Action": list(policy_check.ENI_ACTIONS)}),
        # The coordinator: sending only, no table.
        (
            "DueDateJobRole",
            "DueDateWorkSend",
            {"Action": ["sqs:SendMessage", "sqs:ReceiveMessage"]},
        ),
        ("DueDateJobRole", "DueDateWorkSend", {"Action": ["sqs:*"]}),
        ("DueDateJobRole", "DueDateWorkSend", {"Action": ["sqs:SendMessage", "sqs:PurgeQueue"]}),
        ("DueDateJobRole", "DueDateWorkSend", {"Resource": ["*"]}),
        (
            "DueDateJobRole",
            "DueDateWorkSend",
            {"Resource": [{"Fn::GetAtt": ["DueDateWorkDeadLetterQueue", "Arn"]}]},
        ),
        (
            "DueDateJobRole",
            "DueDateWorkSend",
            {"Condition": {"Bool": {"aws:SecureTransport": "true"}}},
        ),
        (
            "DueDateJobRole",
            "DueDateWorkSend",
            {
                "Action": ["dynamodb:Query"],
                "Resource": [{"Fn::Sub": "${TasksTable.Arn}/index/by_notify_bucket"}],
            },
        ),
        # The worker: receiving, not sending; the due tasks, not the rest.
        ("DueDateWorkerRole", "DueDateWorkQueue", {"Action": ["sqs:SendMessage"]}),
        (
            "DueDateWorkerRole",
            "DueDateWorkQueue",
            {"Resource": [{"Fn::GetAtt": ["JobDeadLetterQueue", "Arn"]}]},
        ),
        ("DueDateWorkerRole", "DueTasks", {"Action": ["dynamodb:DeleteItem"]}),
        ("DueDateWorkerRole", "DueTasks", {"Resource": [{"Fn::GetAtt": ["UsersTable", "Arn"]}]}),
        (
            "DueDateWorkerRole",
            "DueTasksIndex",
            {"Resource": [{"Fn::Sub": "${TasksTable.Arn}/index/*"}]},
        ),
        ("DueDateWorkerRole", "Notifications", {"Action": ["dynamodb:BatchWriteItem"]}),
    ],
)
def test_anything_broader_is_a_violation(
    template: Template, role: str, sid: str, changes: dict[str, Any]
) -> None:
    assert policy_check.violations(mutated(template, role, sid, **changes))


@pytest.mark.parametrize(
    "changes",
    [
        {"Action": ["ses:*"]},
        {"Action": ["ses:SendEmail", "ses:CreateEmailIdentity"]},
        {"Action": ["ses:SendRawEmail"]},  # the v1 API; the sender uses v2's SendEmail
        {"Resource": ["*"]},
        {
            "Resource": [
                {"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"}
            ]
        },
        {"Condition": {}},
        {"Condition": {"StringLike": {"ses:FromAddress": "*"}}},
    ],
)
def test_broader_mail_permissions_are_violations(
    template: Template, changes: dict[str, Any]
) -> None:
    changed = mutated(template, "OutboxSenderRole", "SendAccountMail", **changes)
    assert policy_check.violations(changed)


@pytest.mark.parametrize(
    ("source", "sid", "target"),
    [
        # The reviewer's finding: mail and the job's queue on the internet-facing API.
        ("OutboxSenderRole", "SendAccountMail", "ApiRole"),
        ("OutboxSenderRole", "OutboxMessages", "ApiRole"),
        ("OutboxSenderRole", "OutboxQueue", "ApiRole"),
        ("OutboxSenderRole", "JobDeadLetters", "ApiRole"),
        ("DueDateJobRole", "DueDateWorkSend", "ApiRole"),
        ("DueDateWorkerRole", "DueDateWorkQueue", "ApiRole"),
        # And between the job's functions and the mail sender.
        ("DueDateWorkerRole", "DueDateWorkQueue", "DueDateJobRole"),
        ("DueDateJobRole", "DueDateWorkSend", "DueDateWorkerRole"),
        ("OutboxSenderRole", "SendAccountMail", "DueDateWorkerRole"),
        ("DueDateWorkerRole", "DueTasks", "OutboxSenderRole"),
        ("ApiRole", "OwnTables", "DueDateWorkerRole"),
        ("ApiRole", "OwnTables", "OutboxSenderRole"),
        ("ApiRole", "OwnIndexes", "DueDateJobRole"),
        # Outside the VPC without Redis: no network interfaces, no cache token.
        ("ApiRole", "LambdaVpcNetworkInterfaces", "OutboxSenderRole"),
        ("ApiRole", "LambdaVpcNetworkInterfaces", "DueDateJobRole"),
        ("ApiRole", "RedisAuthTokenSecret", "OutboxSenderRole"),
        ("ApiRole", "RedisAuthTokenSecret", "DueDateJobRole"),
    ],
)
def test_a_statement_given_to_a_role_that_does_not_need_it_is_a_violation(
    template: Template, source: str, sid: str, target: str
) -> None:
    """Each statement passes where it is; the allow-list is per role, so the same
    statement on another function's role is a violation."""
    statement = copy.deepcopy(by_sid(template, source, sid))
    policies = template["Resources"][target]["Properties"]["Policies"]
    policies.append({"PolicyName": "moved", "PolicyDocument": {"Statement": [statement]}})
    problems = policy_check.violations(template)
    assert problems
    assert all(p.startswith(f"{target}/moved: {sid}: ") for p in problems), problems


def test_extra_policies_outside_the_roles_are_checked_too(template: Template) -> None:
    template["Resources"]["Extra"] = {
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": "extra",
            "Roles": [{"Ref": "ApiRole"}],
            "PolicyDocument": {
                "Statement": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}]
            },
        },
    }
    assert policy_check.violations(template) == [
        "Extra: <no Sid>: service not on the allow-list: ['sns:Publish']"
    ]
    # The old shape: the outbox and SES in a policy attached to the API's role.
    statement = by_sid(template, "OutboxSenderRole", "SendAccountMail")
    template["Resources"]["Extra"]["Properties"]["PolicyDocument"]["Statement"] = [statement]
    assert policy_check.violations(template) == [
        "Extra: SendAccountMail: ses:SendEmail on MailSenderIdentity is not ApiRole's to hold"
    ]
    # Attached to a role the allow-list does not know, or to something else.
    template["Resources"]["Extra"]["Properties"]["Roles"] = ["some-role-name"]
    assert policy_check.violations(template)


def test_unknown_roles_managed_policies_and_sam_policy_templates_are_refused(
    template: Template,
) -> None:
    template["Resources"]["FunctionRole"] = copy.deepcopy(template["Resources"]["ApiRole"])
    role = template["Resources"]["ApiRole"]["Properties"]
    role["ManagedPolicyArns"] = ["arn:aws:iam::aws:policy/AdministratorAccess"]
    template["Resources"]["Fn"] = {
        "Type": "AWS::Serverless::Function",
        "Properties": {"Policies": ["AmazonDynamoDBFullAccess"]},
    }
    problems = policy_check.violations(template)
    assert len(problems) == 3, problems
    assert problems[0].startswith("FunctionRole: a role the allow-list does not know")
