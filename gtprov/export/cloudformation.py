"""A gtprov.toml as an AWS CloudFormation template (YAML).

Pure: no AWS calls and no I/O; ``cloudformation_template`` returns text.
The documents and settings are the ones gtprov itself sends, taken from
the same builders (``policy.execution``, ``policy.kms``, the planners'
``desired_trust``, ``user_pool_request`` and ``topic_policy``; the planner
modules import botocore, nothing here calls AWS). ARNs in the file's account,
Region and partition become ``${AWS::AccountId}``, ``${AWS::Region}`` and
``${AWS::Partition}``, so one template serves every account and Region of a
StackSet; what differs per account (existing keys, the domain prefix, the
IP allow list, an existing user pool) is a Parameter.

What a template cannot express (worker invitations, the app client's
sign-in URLs, statements in the policies of keys that already exist) is
listed in the template's Metadata and in docs/config-file.md, each with the
gtprov command that finishes the step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from gtprov.config import SetupFile
from gtprov.export.yaml import Fn, dump, get_att, ref, sub
from gtprov.models.role import REMOVE_BOUNDARY, Account, ExecutionRole, KeyUse
from gtprov.models.workforce import Workforce, Workteam
from gtprov.ownership import ownership_tags, tags_to_list
from gtprov.plan.role import INLINE_POLICY, MANAGED_PATH, desired_trust
from gtprov.plan.role import managed_policy_name as _managed_name
from gtprov.plan.workforce import GROUP_MARK, topic_policy, user_pool_request
from gtprov.policy.document import Document, size, split
from gtprov.policy.execution import (
    INLINE_AGGREGATE_QUOTA,
    MANAGED_POLICY_QUOTA,
    execution_policy,
)
from gtprov.policy.kms import root_statement

if TYPE_CHECKING:
    from gtprov.aws.session import AwsSession

FORMAT_VERSION = "2010-09-09"
DEFAULT_DOMAIN = "gtprov-${AWS::AccountId}-${AWS::Region}"
"""The domain prefix when the file names none: unique per account and Region
(gtprov's own default is a hash, which a template cannot compute)."""
_ARN = re.compile(r"arn:([a-z-]+):([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:")
_WORD = re.compile(r"[A-Za-z0-9]+")
_WHOLE = re.compile(r"\$\{([A-Za-z0-9:]+(?:\.[A-Za-z0-9]+)?)\}")


@dataclass
class _Template:
    """The template being built, and the names it has handed out."""

    account: Account
    source: str
    parameters: dict[str, Any] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    notes: list[dict[str, str]] = field(default_factory=list)
    key_parameters: dict[str, str] = field(default_factory=dict)
    new_keys: dict[str, str] = field(default_factory=dict)

    def logical_id(self, kind: str, name: str) -> str:
        """``kind`` + the name's words, unique in the template."""
        base = kind + "".join(w[:1].upper() + w[1:] for w in _WORD.findall(name))
        taken = {*self.parameters, *self.resources, *self.conditions}
        candidates = (base if n == 1 else f"{base}{n}" for n in range(1, 1000))
        return next(c for c in candidates if c not in taken)[:255]

    def add(self, kind: str, name: str, resource: dict[str, Any]) -> str:
        logical = self.logical_id(kind, name)
        self.resources[logical] = resource
        return logical

    def note(self, what: str, why: str, finish: str) -> None:
        self.notes.append({"What": what, "Why": why, "FinishWith": finish})


def cloudformation_template(setup: SetupFile) -> str:
    """The template as YAML text, with a comment header."""
    template = build_template(setup)
    return dump(template, header=_header(setup, template))


def build_template(setup: SetupFile) -> dict[str, Any]:
    """The template as data (what ``cloudformation_template`` prints)."""
    t = _Template(setup.account(), setup.path.name)
    for role in setup.execution_roles():
        _role(t, role)
    if setup.workforce is not None:
        _workforce(t, setup, setup.workforce)
    _finish_output(t, setup)
    return _document(t, setup)


def _document(t: _Template, setup: SetupFile) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "AWSTemplateFormatVersion": FORMAT_VERSION,
        "Description": f"Amazon SageMaker Ground Truth setup from {t.source} "
        "(exported by gtprov)",
        "Metadata": {"gtprov": {"Source": t.source, "NotExpressed": t.notes}},
    }
    sections = ("Parameters", "Conditions", "Resources", "Outputs")
    values = (t.parameters, t.conditions, t.resources, t.outputs)
    doc.update({k: v for k, v in zip(sections, values, strict=True) if v})
    return doc


# -- substitution ----------------------------------------------------------------


def cfn(value: Any, account: Account) -> Any:
    """``value`` with the account, Region and partition as pseudo parameters.

    The account ID is replaced wherever it appears (a 12-digit number is
    unambiguous; bucket names often carry it); the Region and partition only
    inside ARNs. Strings that then hold ``${...}`` become ``!Sub``.
    """
    if isinstance(value, Mapping):
        return {k: cfn(v, account) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [cfn(v, account) for v in value]
    if not isinstance(value, str):
        return value
    text = _ARN.sub(lambda m: _arn_head(m, account), value)
    text = text.replace(account.account_id, "${AWS::AccountId}")
    return _intrinsic(text) if "${" in text else text


def _intrinsic(text: str) -> Fn:
    """``!Ref`` or ``!GetAtt`` for a lone ``${...}``, else ``!Sub``."""
    whole = _WHOLE.fullmatch(text)
    if whole is None:
        return sub(text)
    name, _, attribute = whole.group(1).partition(".")
    return get_att(name, attribute) if attribute else ref(name)


def _arn_head(match: re.Match[str], account: Account) -> str:
    partition, service, region, owner = match.groups()
    if partition == account.partition:
        partition = "${AWS::Partition}"
    if region == account.region:
        region = "${AWS::Region}"
    return f"arn:{partition}:{service}:{region}:{owner or ''}:"


def _tags(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return tags_to_list(tags)


# -- execution roles -------------------------------------------------------------


def _role(t: _Template, role: ExecutionRole) -> None:
    data = [_key_arn(t, use) for use in role.keys if use.purpose == "data"]
    volume = [_key_arn(t, use) for use in role.keys if use.purpose == "volume"]
    if role.new_key is not None:
        data.append(_new_key(t, role))
    role = role.with_keys(data, volume)
    logical = t.logical_id("Role", role.name)
    policy = execution_policy(role.permissions)
    t.resources[logical] = {
        "Type": "AWS::IAM::Role",
        "Properties": _role_properties(t, role, policy),
    }
    if size(policy) > INLINE_AGGREGATE_QUOTA:
        _managed_policies(t, role, logical, policy)
    t.outputs[f"{logical}Arn"] = {"Value": get_att(logical, "Arn")}
    _grant_note(t, role)


def _role_properties(
    t: _Template, role: ExecutionRole, policy: Document
) -> dict[str, Any]:
    props: dict[str, Any] = {
        "RoleName": role.name,
        "Path": role.create_path,
        "Description": role.description,
        "MaxSessionDuration": role.max_session_duration,
        "AssumeRolePolicyDocument": cfn(desired_trust(role, t.account), t.account),
    }
    if role.permissions_boundary not in (None, REMOVE_BOUNDARY):
        props["PermissionsBoundary"] = cfn(role.permissions_boundary, t.account)
    if size(policy) <= INLINE_AGGREGATE_QUOTA:
        inline = {"PolicyName": INLINE_POLICY, "PolicyDocument": cfn(policy, t.account)}
        props["Policies"] = [inline]
    props["Tags"] = _tags(role.desired_tags())
    return props


def _managed_policies(
    t: _Template, role: ExecutionRole, logical: str, policy: Document
) -> None:
    """Past IAM's inline quota gtprov uses managed policies under /gtprov/."""
    parts = split(policy["Statement"], MANAGED_POLICY_QUOTA)
    for number, part in enumerate(parts, start=1):
        name = _managed_name(role.name, number)
        t.add(
            "Policy",
            name,
            {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "ManagedPolicyName": name,
                    "Path": MANAGED_PATH,
                    "Description": f"Ground Truth execution role {role.name} (gtprov)",
                    "PolicyDocument": cfn(part, t.account),
                    "Roles": [ref(logical)],
                },
            },
        )
    t.note(
        f"Ownership tags on the managed policies of role {role.name}",
        "AWS::IAM::ManagedPolicy takes no Tags, and gtprov changes only policies "
        "tagged gtprov:managed-by=gtprov",
        "aws iam tag-policy --policy-arn <arn> --tags "
        "Key=gtprov:managed-by,Value=gtprov, for each policy",
    )


def _key_arn(t: _Template, use: KeyUse) -> str:
    """A key the file names: a Parameter, as keys differ in every account."""
    name = t.key_parameters.get(use.ref.value)
    if name is None:
        name = t.logical_id("KmsKey", f"{len(t.key_parameters) + 1} Arn")
        t.key_parameters[use.ref.value] = name
        t.parameters[name] = _key_parameter(use)
    return f"${{{name}}}"


def _key_parameter(use: KeyUse) -> dict[str, Any]:
    param: dict[str, Any] = {
        "Type": "String",
        "Description": f"ARN of the KMS key {use.field} names as {use.ref.value}",
        "AllowedPattern": "arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+",
    }
    if use.ref.kind == "key-arn":
        param["Default"] = use.ref.value
    return param


def _new_key(t: _Template, role: ExecutionRole) -> str:
    """The key ``create_kms_key`` asks for, once per alias; its ``${Key.Arn}``."""
    new = role.new_key
    assert new is not None  # the caller checked
    logical = t.new_keys.get(new.alias)
    if logical is None:
        logical = _create_key(t, new.alias, new.description, new.tags)
    return f"${{{logical}.Arn}}"


def _create_key(
    t: _Template, alias: str, description: str, tags: Mapping[str, str]
) -> str:
    policy = {
        "Version": "2012-10-17",
        "Statement": [root_statement(t.account.account_id, t.account.partition)],
    }
    logical = t.add(
        "Key",
        alias.removeprefix("alias/"),
        {
            "Type": "AWS::KMS::Key",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "Description": description,
                "EnableKeyRotation": True,
                "KeyPolicy": cfn(policy, t.account),
                "Tags": _tags(tags),
            },
        },
    )
    t.new_keys[alias] = logical
    alias_props = {"AliasName": alias, "TargetKeyId": ref(logical)}
    alias_resource = {"Type": "AWS::KMS::Alias", "Properties": alias_props}
    t.add("Alias", alias.removeprefix("alias/"), alias_resource)
    _new_key_note(t, alias)
    return logical


def _new_key_note(t: _Template, alias: str) -> None:
    t.note(
        f"The role statement in the policy of the key {alias}",
        "KMS accepts only principals that exist, and the role's policy needs the "
        "key's ARN, so the template's key policy delegates to IAM (KMS's default "
        "statement) and the role's own policy grants the key's use",
        f"gtprov apply -f {t.source} (adds gtprov's statement naming the role)",
    )


def _grant_note(t: _Template, role: ExecutionRole) -> None:
    if not role.grant_key_policy or not role.keys:
        return
    t.note(
        f"Key-policy statements for role {role.name} on keys that already exist",
        "a template owns the whole policy of the keys it creates and cannot "
        "edit the policy of any other key",
        f"gtprov apply -f {t.source}",
    )


# -- private workforce ---------------------------------------------------------


def _workforce(t: _Template, setup: SetupFile, spec: Workforce) -> None:
    pool = _user_pool(t, spec)
    depends = _domain(t, spec, pool)
    client = t.add(
        "AppClient",
        spec.app_client.name,
        {
            "Type": "AWS::Cognito::UserPoolClient",
            "Metadata": {"gtprov": _CLIENT_NOTE},
            "Properties": {
                "ClientName": spec.app_client.name,
                "UserPoolId": pool,
                "GenerateSecret": True,
            },
        },
    )
    groups = {team.name: _group(t, team, pool) for team in spec.teams}
    topic, topic_depends = _topic(t, spec)
    workforce = _workforce_resource(t, spec, pool, client, [*depends, *groups.values()])
    for team in spec.teams:
        after = [workforce, groups[team.name], *topic_depends]
        _workteam(t, spec, team, (pool, client, topic), after)
    t.outputs.update(_workforce_outputs(pool, client, workforce))
    _workforce_notes(t, setup, spec)


_CLIENT_NOTE = {
    "Note": "No OAuth settings: the callback and sign-out URLs are on the "
    "workforce's portal subdomain, known only once the workforce exists, "
    "which itself needs this client's id. gtprov sets them afterwards."
}


def _user_pool(t: _Template, spec: Workforce) -> Fn:
    if spec.user_pool.existing_id is not None:
        t.parameters["UserPoolId"] = {
            "Type": "String",
            "Description": "The existing Cognito user pool of the workforce",
            "Default": spec.user_pool.existing_id,
        }
        return ref("UserPoolId")
    request = user_pool_request(spec.user_pool.name, spec.tags)
    props = {"UserPoolName": request.pop("PoolName"), **request}
    logical = t.add(
        "UserPool",
        spec.name,
        {
            "Type": "AWS::Cognito::UserPool",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": props,
        },
    )
    return ref(logical)


def _domain(t: _Template, spec: Workforce, pool: Fn) -> list[str]:
    """The pool's prefix domain (a given pool gets one only when named)."""
    prefix = spec.user_pool.domain_prefix
    if spec.user_pool.existing_id is not None and prefix is None:
        return []
    t.parameters["DomainPrefix"] = {
        "Type": "String",
        "Description": "Cognito domain prefix, unique in the Region across all "
        "AWS accounts; empty: gtprov-<account>-<region>",
        "Default": prefix or "",
        "AllowedPattern": "^$|^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$",
    }
    t.conditions["DomainPrefixGiven"] = Fn(
        "Not", [Fn("Equals", [ref("DomainPrefix"), ""])]
    )
    domain = Fn("If", ["DomainPrefixGiven", ref("DomainPrefix"), sub(DEFAULT_DOMAIN)])
    props = {"Domain": domain, "UserPoolId": pool}
    return [
        t.add(
            "Domain",
            spec.name,
            {"Type": "AWS::Cognito::UserPoolDomain", "Properties": props},
        )
    ]


def _group(t: _Template, team: Workteam, pool: Fn) -> str:
    description = f"Ground Truth work team {team.group} {GROUP_MARK}"
    props = {"GroupName": team.group, "Description": description, "UserPoolId": pool}
    return t.add(
        "Group", team.name, {"Type": "AWS::Cognito::UserPoolGroup", "Properties": props}
    )


def _topic(t: _Template, spec: Workforce) -> tuple[Any, list[str]]:
    """The teams' topic ARN (and what to wait for); None when there is none."""
    if spec.create_topic is None:
        arns = {team.notification_topic_arn for team in spec.teams} - {None}
        return (cfn(arns.pop(), t.account) if arns else None), []
    name = spec.create_topic
    topic = t.add(
        "Topic",
        name,
        {
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "TopicName": name,
                "Tags": _tags({**spec.tags, **ownership_tags("notification-topic")}),
            },
        },
    )
    policy = _topic_policy(t.account, name)
    props = {"PolicyDocument": policy, "Topics": [ref(topic)]}
    return ref(topic), [
        t.add(
            "TopicPolicy", name, {"Type": "AWS::SNS::TopicPolicy", "Properties": props}
        )
    ]


def _topic_policy(account: Account, name: str) -> Any:
    """gtprov's topic policy: SageMaker may publish for this account's teams."""
    arn = f"arn:{account.partition}:sns:{account.region}:{account.account_id}:{name}"
    # topic_policy reads only account_id, partition and region of the session.
    session = cast(
        "AwsSession", _Where(account.account_id, account.partition, account.region)
    )
    return cfn(topic_policy(session, arn), account)


@dataclass(frozen=True)
class _Where:
    account_id: str
    partition: str
    region: str


def _workforce_resource(
    t: _Template, spec: Workforce, pool: Fn, client: str, after: Sequence[str]
) -> str:
    props: dict[str, Any] = {
        "WorkforceName": spec.name,
        "CognitoConfig": {"UserPool": pool, "ClientId": ref(client)},
    }
    if spec.cidrs:
        t.parameters["WorkerCidrs"] = {
            "Type": "CommaDelimitedList",
            "Description": "IP ranges workers may use the labeling portal from (1-10)",
            "Default": ",".join(spec.cidrs),
        }
        props["SourceIpConfig"] = {"Cidrs": ref("WorkerCidrs")}
    props["Tags"] = _tags({**spec.tags, **ownership_tags("workforce")})
    resource = {
        "Type": "AWS::SageMaker::Workforce",
        "DependsOn": list(after),
        "Properties": props,
    }
    return t.add("Workforce", spec.name, resource)


def _workteam(
    t: _Template,
    spec: Workforce,
    team: Workteam,
    ids: tuple[Fn, str, Any],
    after: Sequence[str],
) -> None:
    pool, client, topic = ids
    member = {
        "CognitoUserPool": pool,
        "CognitoUserGroup": team.group,
        "CognitoClientId": ref(client),
    }
    props: dict[str, Any] = {
        "WorkteamName": team.name,
        "WorkforceName": spec.name,
        "Description": team.description or team.default_description,
        "MemberDefinitions": [{"CognitoMemberDefinition": member}],
    }
    if topic is not None:
        props["NotificationConfiguration"] = {"NotificationTopicArn": topic}
    props["Tags"] = _tags({**spec.tags, **ownership_tags("workteam")})
    resource = {
        "Type": "AWS::SageMaker::Workteam",
        "DependsOn": list(after),
        "Properties": props,
    }
    logical = t.add("Workteam", team.name, resource)
    t.outputs[f"{logical}Arn"] = {"Value": get_att(logical, "WorkteamArn")}


def _workforce_outputs(pool: Fn, client: str, workforce: str) -> dict[str, Any]:
    return {
        "UserPoolId": {"Value": pool},
        "AppClientId": {"Value": ref(client)},
        "WorkforceArn": {"Value": get_att(workforce, "WorkforceArn")},
        "LabelingPortalUrl": {"Value": sub(f"https://${{{workforce}.SubDomain}}")},
    }


# -- what is left to gtprov --------------------------------------------------------


def _workforce_notes(t: _Template, setup: SetupFile, spec: Workforce) -> None:
    teams = " ".join(f"--team {team.name}" for team in spec.teams)
    t.note(
        "The app client's sign-in settings (callback and sign-out URLs on the "
        "labeling portal, OAuth code and implicit flows, email/openid/profile)",
        "the URLs are on the workforce's subdomain, known only after the "
        "workforce exists, and the workforce needs the client first",
        f"gtprov setup-workforce --workforce-name {spec.name} {teams}"
        f"{_pool_option(spec)}, or gtprov apply -f {t.source}",
    )
    if setup.workers.by_team:
        _workers_note(t, setup)


def _pool_option(spec: Workforce) -> str:
    pool = spec.user_pool.existing_id
    return f" --user-pool-id {pool}" if pool else ""


def _workers_note(t: _Template, setup: SetupFile) -> None:
    commands = "; ".join(
        f"gtprov add-workers --team {team} --workers-file <file>"
        for team in sorted(setup.workers.by_team)
    )
    t.note(
        f"Inviting the workers the file lists ({len(setup.workers)} team memberships)",
        "AWS::Cognito::UserPoolUser makes one resource per worker (500 per "
        "stack), replaces the user on any change, cannot re-send an expired "
        "invitation or pace Cognito's email and request quotas, and would put "
        "every address in the template",
        f"gtprov apply -f {t.source}, or {commands}",
    )


def _finish_output(t: _Template, setup: SetupFile) -> None:
    t.outputs["FinishWithGtprov"] = {
        "Description": "Run with this account's credentials after the stack exists",
        "Value": sub(f"gtprov apply -f {t.source} --region ${{AWS::Region}}"),
    }


def _header(setup: SetupFile, template: Mapping[str, Any]) -> list[str]:
    notes = template["Metadata"]["gtprov"]["NotExpressed"]
    source = setup.path.name
    lines = [
        f"Amazon SageMaker Ground Truth setup exported by gtprov from {source}.",
        "Deploy it as a stack (or a StackSet across accounts and Regions), then",
        f"finish with: gtprov apply -f {source} --region <region>",
    ]
    if notes:
        lines.append(
            "Not expressible in a template (see Metadata.gtprov.NotExpressed):"
        )
        lines.extend(f"  - {note['What']}" for note in notes)
    return lines
