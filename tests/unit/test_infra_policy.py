"""The functions' IAM permissions: exactly the own tables, their indexes, the JWT parameter,
the Redis AUTH token secret, X-Ray and the job's dead-letter queue."""

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


def load_resources() -> Template:
    """infra/resources.yaml as Chalice reads it for the merge."""
    text = (ROOT / "infra" / "resources.yaml").read_text()
    template: Template = YAMLTemplateSerializer().load_template(text)
    return template


@pytest.fixture
def template() -> Template:
    return load_resources()


def statements(template: Template, policy: str = "data-access") -> list[dict[str, Any]]:
    role = template["Resources"]["FunctionRole"]["Properties"]
    (document,) = [p["PolicyDocument"] for p in role["Policies"] if p["PolicyName"] == policy]
    found: list[dict[str, Any]] = document["Statement"]
    return found


def by_sid(template: Template, sid: str) -> dict[str, Any]:
    role = template["Resources"]["FunctionRole"]["Properties"]
    (statement,) = [
        s
        for policy in role["Policies"]
        for s in policy["PolicyDocument"]["Statement"]
        if s.get("Sid") == sid
    ]
    return statement


def test_the_template_passes_the_allow_list(template: Template) -> None:
    assert policy_check.violations(template) == []


def mail_statement(template: Template, sid: str) -> dict[str, Any]:
    """A statement of MailSenderPolicy, the outbox's and SES's policy on the role."""
    policy = template["Resources"]["MailSenderPolicy"]["Properties"]
    assert policy["Roles"] == [{"Ref": "FunctionRole"}]
    (statement,) = [s for s in policy["PolicyDocument"]["Statement"] if s.get("Sid") == sid]
    found: dict[str, Any] = statement
    return found


def test_the_role_grants_what_the_functions_need(template: Template) -> None:
    tables = by_sid(template, "OwnTables")
    assert {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem"} <= set(
        tables["Action"]
    )
    every_table = {
        n for n, r in template["Resources"].items() if r["Type"] == "AWS::DynamoDB::Table"
    }
    outbox = mail_statement(template, "OutboxTable")
    granted = {r["Fn::GetAtt"][0] for r in tables["Resource"] + outbox["Resource"]}
    assert granted == every_table
    assert {"dynamodb:PutItem", "dynamodb:Query"} <= set(outbox["Action"])
    assert mail_statement(template, "OutboxQueue")["Resource"] == [
        {"Fn::Sub": "${OutboxTable.Arn}/index/*"}
    ]
    assert by_sid(template, "OwnIndexes")["Resource"] == [
        {"Fn::Sub": "${TasksTable.Arn}/index/*"},
        {"Fn::Sub": "${NotificationsTable.Arn}/index/*"},
        {"Fn::Sub": "${ListIndexTable.Arn}/index/*"},  # list pages (v1.1)
    ]
    assert by_sid(template, "JwtSecretParameter")["Action"] == ["ssm:GetParameter"]
    assert by_sid(template, "JwtSecretDecrypt")["Action"] == ["kms:Decrypt"]


def test_the_role_grants_what_observability_and_the_cache_token_need(template: Template) -> None:
    secret = by_sid(template, "RedisAuthTokenSecret")
    assert secret["Action"] == ["secretsmanager:GetSecretValue"]
    assert secret["Resource"] == [{"Ref": "RedisAuthToken"}]
    assert set(by_sid(template, "XRayTraces")["Action"]) == {
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
    dead_letters = by_sid(template, "JobDeadLetters")
    assert dead_letters["Action"] == ["sqs:SendMessage"]
    assert dead_letters["Resource"] == [{"Fn::GetAtt": ["JobDeadLetterQueue", "Arn"]}]
    # The job's fan-out: the coordinator sends, Lambda's event source mapping polls.
    work = by_sid(template, "DueDateWorkQueue")
    assert set(work["Action"]) == {
        "sqs:SendMessage",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
    }
    assert work["Resource"] == [{"Fn::GetAtt": ["DueDateWorkQueue", "Arn"]}]
    # EMF metrics are log lines: nothing may call CloudWatch's metric API.
    role = template["Resources"]["FunctionRole"]["Properties"]
    documents = [p["PolicyDocument"] for p in role["Policies"]]
    actions = [a for d in documents for s in d["Statement"] for a in s["Action"]]
    assert not [a for a in actions if a.startswith("cloudwatch:")]


def test_no_scan_and_no_wildcard_on_dynamodb(template: Template) -> None:
    actions = [a for s in statements(template) for a in s["Action"] if a.startswith("dynamodb:")]
    assert actions
    assert not [a for a in actions if "*" in a or a == "dynamodb:Scan"]


def mutated(template: Template, sid: str, **changes: Any) -> Template:
    changed = copy.deepcopy(template)
    by_sid(changed, sid).update(changes)
    return changed


@pytest.mark.parametrize(
    ("sid", "changes"),
    [
        ("OwnTables", {"Action": ["dynamodb:*"]}),
        ("OwnTables", {"Action": ["dynamodb:Scan"]}),
        ("OwnTables", {"Action": ["dynamodb:DeleteTable"]}),
        ("OwnTables", {"Action": ["dynamodb:DescribeTable"]}),
        ("OwnTables", {"Resource": "*"}),
        ("OwnTables", {"Resource": [{"Fn::Sub": "arn:aws:dynamodb:*:*:table/other"}]}),
        ("OwnIndexes", {"Action": ["dynamodb:PutItem"]}),
        ("OwnIndexes", {"Resource": [{"Fn::Sub": "${UsersTable.Arn}/*"}]}),
        ("JwtSecretParameter", {"Action": ["ssm:GetParametersByPath"]}),
        ("JwtSecretParameter", {"Resource": ["*"]}),
        ("JwtSecretDecrypt", {"Condition": {}}),
        ("JwtSecretDecrypt", {"Resource": ["*"]}),
        ("OwnLogs", {"Action": ["logs:*"]}),
        ("OwnLogs", {"Resource": ["*"]}),
        ("OwnLogs", {"Action": ["s3:GetObject"]}),
        ("OwnLogs", {"Effect": "Deny"}),
        ("OwnLogs", {"NotResource": ["*"]}),
        ("RedisAuthTokenSecret", {"Resource": ["*"]}),
        ("RedisAuthTokenSecret", {"Action": ["secretsmanager:ListSecrets"]}),
        ("RedisAuthTokenSecret", {"Resource": [{"Ref": "JwtSecretParameterName"}]}),
        ("XRayTraces", {"Action": ["xray:*"]}),
        ("XRayTraces", {"Action": ["xray:GetTraceSummaries"]}),
        ("XRayTraces", {"Resource": [{"Fn::GetAtt": ["JobDeadLetterQueue", "Arn"]}]}),
        ("JobDeadLetters", {"Resource": ["*"]}),
        ("JobDeadLetters", {"Action": ["sqs:ReceiveMessage"]}),
        ("JobDeadLetters", {"Action": ["sqs:SendMessage", "sqs:DeleteQueue"]}),
        ("DueDateWorkQueue", {"Action": ["sqs:*"]}),
        ("DueDateWorkQueue", {"Action": ["sqs:SendMessage", "sqs:PurgeQueue"]}),
        ("DueDateWorkQueue", {"Resource": ["*"]}),
        ("DueDateWorkQueue", {"Resource": [{"Fn::GetAtt": ["JobDeadLetterQueue", "Arn"]}]}),
        ("DueDateWorkQueue", {"Resource": [{"Fn::GetAtt": ["DueDateWorkDeadLetterQueue", "Arn"]}]}),
        ("DueDateWorkQueue", {"Condition": {"Bool": {"aws:SecureTransport": "true"}}}),
    ],
)
def test_anything_broader_is_a_violation(
    template: Template, sid: str, changes: dict[str, Any]
) -> None:
    assert policy_check.violations(mutated(template, sid, **changes))


def test_ses_is_scoped_to_the_sender_identity_and_address(template: Template) -> None:
    ses = mail_statement(template, "SendAccountMail")
    assert set(ses["Action"]) <= {"ses:SendEmail", "ses:SendRawEmail"}
    assert ses["Resource"] == [policy_check.SES_IDENTITY_ARN]
    assert ses["Condition"] == policy_check.SES_CONDITION


@pytest.mark.parametrize(
    "changes",
    [
        {"Action": ["ses:*"]},
        {"Action": ["ses:SendEmail", "ses:CreateEmailIdentity"]},
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
    changed = copy.deepcopy(template)
    statement = mail_statement(changed, "SendAccountMail")
    statement.update(changes)
    if changes.get("Condition") == {}:
        del statement["Condition"]
    assert policy_check.violations(changed)


def test_extra_policies_outside_the_role_are_checked_too(template: Template) -> None:
    template["Resources"]["Extra"] = {
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": "extra",
            "Roles": [{"Ref": "FunctionRole"}],
            "PolicyDocument": {
                "Statement": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}]
            },
        },
    }
    assert policy_check.violations(template) == [
        "Extra: <no Sid>: service not on the allow-list: ['sns:Publish']"
    ]


def test_managed_policies_and_sam_policy_templates_are_refused(template: Template) -> None:
    role = template["Resources"]["FunctionRole"]["Properties"]
    role["ManagedPolicyArns"] = ["arn:aws:iam::aws:policy/AdministratorAccess"]
    template["Resources"]["Fn"] = {
        "Type": "AWS::Serverless::Function",
        "Properties": {"Policies": ["AmazonDynamoDBFullAccess"]},
    }
    assert len(policy_check.violations(template)) == 2
