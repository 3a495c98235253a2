"""The CloudFormation export: cfn-lint clean, the same documents gtprov sends.

Pure: the template is built from the examples and checked with cfn-lint's
Python API; no AWS call and no network.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

cfnlint_api = pytest.importorskip("cfnlint.api", reason="cfn-lint is a dev extra")
yaml = pytest.importorskip("yaml", reason="PyYAML comes with cfn-lint")

from cfnlint.decode.decode import decode_str  # noqa: E402 - after the skip

from gtprov.config import SetupFile, load  # noqa: E402
from gtprov.export.cloudformation import (  # noqa: E402
    build_template,
    cfn,
    cloudformation_template,
)
from gtprov.export.yaml import Fn, dump  # noqa: E402
from gtprov.models.role import Account  # noqa: E402
from gtprov.plan.workforce import topic_policy, user_pool_request  # noqa: E402
from gtprov.policy.execution import execution_policy  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ACCOUNT, REGION, PARTITION = "210987654321", "eu-west-1", "aws"
"""Where a deployed stack resolves the pseudo parameters, for comparisons."""


def _setup(name: str) -> SetupFile:
    return load(EXAMPLES / name)


def _write(tmp_path: Path, text: str) -> SetupFile:
    path = tmp_path / "gtprov.toml"
    path.write_text(text, encoding="utf-8")
    return load(path)


@pytest.mark.parametrize("example", ["minimal.gtprov.toml", "complete.gtprov.toml"])
def test_export__should_pass_cfn_lint__for_each_example(example: str) -> None:
    text = cloudformation_template(_setup(example))
    matches = cfnlint_api.lint(text, regions=["us-east-1", "eu-west-1"])
    assert [str(m) for m in matches] == []


def test_export__should_pass_cfn_lint__for_an_existing_pool_and_keys(
    tmp_path: Path,
) -> None:
    setup = _write(
        tmp_path,
        'region = "us-east-1"\n[[roles]]\nname = "gt"\nbuckets = ["b1b"]\n'
        'kms_keys = ["alias/labels", "1234abcd-12ab-34cd-56ef-1234567890ab"]\n'
        'volume_kms_keys = ["arn:aws:kms:us-east-1:123456789012:key/'
        '1234abcd-12ab-34cd-56ef-1234567890ac"]\ngrant_key_policy = true\n'
        '[workforce]\nuser_pool_id = "us-east-1_AbC123"\n'
        'notification_topic = "arn:aws:sns:us-east-1:123456789012:work"\n'
        '[[workforce.teams]]\nname = "t"\n',
    )
    text = cloudformation_template(setup)
    assert [str(m) for m in cfnlint_api.lint(text)] == []
    template = build_template(setup)
    assert {"UserPoolId", "KmsKey1Arn", "KmsKey2Arn", "KmsKey3Arn"} <= set(
        template["Parameters"]
    )
    assert "AWS::Cognito::UserPool" not in _types(template)
    assert "AWS::Cognito::UserPoolDomain" not in _types(template)
    assert _note_about(template, "Key-policy statements")


def test_yaml__should_read_back_as_the_template_data() -> None:
    setup = _setup("complete.gtprov.toml")
    decoded, errors = decode_str(cloudformation_template(setup))
    assert not errors
    assert _plain(decoded) == _long_form(build_template(setup))


@pytest.mark.parametrize(
    "value",
    ["yes", "No", "2012-10-17", "3600", "*", "a: b", "#x", "", "-", "x #y", "a,b", "é"],
)
def test_yaml__should_quote_strings_a_reader_would_take_for_something_else(
    value: str,
) -> None:
    assert yaml.safe_load(dump({"k": value, value or "e": [value]})) == {
        "k": value,
        value or "e": [value],
    }


def test_role_policy__should_be_gtprovs_document__once_the_stack_resolves_it() -> None:
    setup = _setup("complete.gtprov.toml")
    _, streaming = setup.execution_roles()
    template = build_template(setup)
    resource = template["Resources"]["RoleGroundTruthStreaming"]["Properties"]
    (inline,) = resource["Policies"]
    deployed = Account(ACCOUNT, REGION, PARTITION)
    expected = execution_policy(
        _at(streaming, deployed).permissions,
    )
    assert inline["PolicyName"] == "gtprov-execution"
    assert _resolve(inline["PolicyDocument"]) == expected


def test_role__should_carry_ownership_and_user_tags() -> None:
    template = build_template(_setup("complete.gtprov.toml"))
    tags = template["Resources"]["RoleGroundTruthLabeling"]["Properties"]["Tags"]
    pairs = {t["Key"]: t["Value"] for t in tags}
    assert pairs["gtprov:managed-by"] == "gtprov"
    assert pairs["gtprov:component"] == "execution-role"
    assert pairs["cost center"] == "ml-4711"


def test_export__should_leave_no_literal_account_or_region_in_arns() -> None:
    text = cloudformation_template(_setup("complete.gtprov.toml"))
    assert "123456789012" not in text
    assert not re.search(r"arn:aws:[a-z0-9-]+:us-east-1:", text)


def test_user_pool__should_have_the_settings_gtprov_creates_it_with() -> None:
    setup = _setup("complete.gtprov.toml")
    assert setup.workforce is not None
    pool = build_template(setup)["Resources"]["UserPoolLabeling"]["Properties"]
    request = user_pool_request(setup.workforce.user_pool.name, setup.workforce.tags)
    assert pool == {"UserPoolName": request.pop("PoolName"), **request}


def test_topic_policy__should_be_gtprovs__once_the_stack_resolves_it() -> None:
    template = build_template(_setup("complete.gtprov.toml"))
    name = "ground-truth-work-notifications"
    policy = template["Resources"]["TopicPolicyGroundTruthWorkNotifications"]
    where = SimpleNamespace(account_id=ACCOUNT, partition=PARTITION, region=REGION)
    arn = f"arn:{PARTITION}:sns:{REGION}:{ACCOUNT}:{name}"
    expected = topic_policy(where, arn)  # type: ignore[arg-type]  # reads three attributes
    assert _resolve(policy["Properties"]["PolicyDocument"]) == expected


def test_workforce__should_wait_for_domain_and_groups_and_restrict_ips() -> None:
    template = build_template(_setup("complete.gtprov.toml"))
    workforce = template["Resources"]["WorkforceLabeling"]
    assert workforce["DependsOn"] == ["DomainLabeling", "GroupImages", "GroupText"]
    assert workforce["Properties"]["SourceIpConfig"] == {
        "Cidrs": Fn("Ref", "WorkerCidrs")
    }
    assert template["Parameters"]["WorkerCidrs"]["Default"] == (
        "198.51.100.0/24,203.0.113.0/24"
    )


def test_workteam__should_name_its_group_client_and_topic() -> None:
    template = build_template(_setup("complete.gtprov.toml"))
    team = template["Resources"]["WorkteamImages"]["Properties"]
    (member,) = team["MemberDefinitions"]
    assert member["CognitoMemberDefinition"]["CognitoUserGroup"] == "images"
    assert team["NotificationConfiguration"] == {
        "NotificationTopicArn": Fn("Ref", "TopicGroundTruthWorkNotifications")
    }
    assert team["Description"] == "Bounding boxes and image classification"


def test_new_key__should_delegate_to_iam_and_be_used_through_the_role_policy() -> None:
    template = build_template(_setup("complete.gtprov.toml"))
    key = template["Resources"]["KeyGroundTruthLabels"]
    (statement,) = key["Properties"]["KeyPolicy"]["Statement"]
    assert statement["Action"] == "kms:*"
    assert key["Properties"]["EnableKeyRotation"] is True
    assert _note_about(template, "The role statement in the policy of the key")


def test_metadata__should_name_each_step_left_to_gtprov_with_its_command() -> None:
    template = build_template(_setup("complete.gtprov.toml"))
    notes = template["Metadata"]["gtprov"]["NotExpressed"]
    assert _note_about(template, "sign-in settings")
    assert _note_about(template, "Inviting the workers")
    assert all(n["FinishWith"].startswith("gtprov ") for n in notes)


def test_minimal_export__should_hold_one_role_and_nothing_left_to_finish() -> None:
    template = build_template(_setup("minimal.gtprov.toml"))
    assert _types(template) == ["AWS::IAM::Role"]
    assert template["Metadata"]["gtprov"]["NotExpressed"] == []


def test_large_role__should_use_gtprovs_managed_policies(tmp_path: Path) -> None:
    buckets = ", ".join(f'"labeling-bucket-number-{n:03d}"' for n in range(125))
    setup = _write(
        tmp_path,
        f'region = "us-east-1"\n[[roles]]\nname = "gt"\nbuckets = [{buckets}]\n',
    )
    template = build_template(setup)
    policies = [r for r in template["Resources"].values() if _is(r, "ManagedPolicy")]
    assert len(policies) >= 2
    assert "Policies" not in template["Resources"]["RoleGt"]["Properties"]
    assert policies[0]["Properties"]["ManagedPolicyName"] == "gtprov-gt-execution-1"
    assert [str(m) for m in cfnlint_api.lint(cloudformation_template(setup))] == []


def test_cfn__should_use_ref_for_a_lone_pseudo_parameter() -> None:
    account = Account("123456789012", "us-east-1", "aws")
    assert cfn("123456789012", account) == Fn("Ref", "AWS::AccountId")
    assert cfn("arn:aws:sns:eu-west-1:999999999999:t", account) == Fn(
        "Sub", "arn:${AWS::Partition}:sns:eu-west-1:999999999999:t"
    )


# -- helpers --------------------------------------------------------------------


def _types(template: dict[str, Any]) -> list[str]:
    return [r["Type"] for r in template["Resources"].values()]


def _is(resource: dict[str, Any], kind: str) -> bool:
    return bool(resource["Type"].endswith(f"::{kind}"))


def _note_about(template: dict[str, Any], words: str) -> bool:
    notes = template["Metadata"]["gtprov"]["NotExpressed"]
    return any(words in n["What"] for n in notes)


def _at(role: Any, account: Account) -> Any:
    """``role`` as built for ``account`` (a stack's pseudo parameters)."""
    from dataclasses import replace

    perms = role.permissions
    moved = replace(
        perms,
        account_id=account.account_id,
        region=account.region,
        partition=account.partition,
        input_topic_arns=tuple(_here(a) for a in perms.input_topic_arns),
        output_topic_arns=tuple(_here(a) for a in perms.output_topic_arns),
    )
    return replace(role, permissions=moved)


def _here(arn: str) -> str:
    return arn.replace("us-east-1", REGION).replace("123456789012", ACCOUNT)


def _resolve(value: Any) -> Any:
    """The template value as CloudFormation would deploy it (ACCOUNT, REGION)."""
    if isinstance(value, Fn):
        return _resolve_fn(value)
    if isinstance(value, dict):
        return {k: _resolve(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v) for v in value]
    return value


def _resolve_fn(fn: Fn) -> str:
    pseudo = {
        "AWS::AccountId": ACCOUNT,
        "AWS::Region": REGION,
        "AWS::Partition": PARTITION,
    }
    if fn.name == "Ref":
        return pseudo[fn.value]
    assert fn.name == "Sub"
    return re.sub(r"\$\{([^}]+)\}", lambda m: pseudo[m.group(1)], fn.value)


def _long_form(value: Any) -> Any:
    """Short-form ``Fn`` values as the JSON form a YAML reader produces."""
    if isinstance(value, Fn):
        arg = _long_form(value.value)
        if value.name == "GetAtt":
            return {"Fn::GetAtt": arg.split(".", 1)}
        return {"Ref" if value.name == "Ref" else f"Fn::{value.name}": arg}
    if isinstance(value, dict):
        return {k: _long_form(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_long_form(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    """cfn-lint's decoded nodes as plain dicts, lists and strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value
