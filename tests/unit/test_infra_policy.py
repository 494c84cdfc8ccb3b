"""The functions' IAM permissions: exactly the own tables, their indexes, the JWT parameter."""

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
    (statement,) = [s for s in statements(template) if s.get("Sid") == sid]
    return statement


def test_the_template_passes_the_allow_list(template: Template) -> None:
    assert policy_check.violations(template) == []


def test_the_role_grants_what_the_functions_need(template: Template) -> None:
    tables = by_sid(template, "OwnTables")
    assert {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem"} <= set(
        tables["Action"]
    )
    every_table = {
        n for n, r in template["Resources"].items() if r["Type"] == "AWS::DynamoDB::Table"
    }
    assert {r["Fn::GetAtt"][0] for r in tables["Resource"]} == every_table
    assert by_sid(template, "OwnIndexes")["Resource"] == [
        {"Fn::Sub": "${TasksTable.Arn}/index/*"},
        {"Fn::Sub": "${NotificationsTable.Arn}/index/*"},
        {"Fn::Sub": "${ListIndexTable.Arn}/index/*"},  # list pages (v1.1)
    ]
    assert by_sid(template, "JwtSecretParameter")["Action"] == ["ssm:GetParameter"]
    assert by_sid(template, "JwtSecretDecrypt")["Action"] == ["kms:Decrypt"]


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
    ],
)
def test_anything_broader_is_a_violation(
    template: Template, sid: str, changes: dict[str, Any]
) -> None:
    assert policy_check.violations(mutated(template, sid, **changes))


def test_extra_policies_outside_the_role_are_checked_too(template: Template) -> None:
    template["Resources"]["Extra"] = {
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": "extra",
            "Roles": [{"Ref": "FunctionRole"}],
            "PolicyDocument": {
                "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]
            },
        },
    }
    assert policy_check.violations(template) == [
        "Extra: <no Sid>: service not on the allow-list: ['sqs:SendMessage']"
    ]


def test_managed_policies_and_sam_policy_templates_are_refused(template: Template) -> None:
    role = template["Resources"]["FunctionRole"]["Properties"]
    role["ManagedPolicyArns"] = ["arn:aws:iam::aws:policy/AdministratorAccess"]
    template["Resources"]["Fn"] = {
        "Type": "AWS::Serverless::Function",
        "Properties": {"Policies": ["AmazonDynamoDBFullAccess"]},
    }
    assert len(policy_check.violations(template)) == 2
