"""``gtprov doctor``: the preflight an administrator runs before anything else.

Reads only. Each check ends ``ok``, ``warning`` or ``failed`` and, unless
ok, says how to fix it. A check that cannot be made (the caller may not read
what it needs) is a warning saying so, never a guess. Inputs arrive
validated (``DoctorRequest``); ``run_checks`` makes the AWS calls:

- ``GetCallerIdentity``; for an assumed-role session one ``GetRole``, since
  IAM simulates the role, not the session (the role's path is not in the
  session ARN);
- ``SimulatePrincipalPolicy``, one call per distinct set of resource
  patterns in ``gtprov/policy/provisioner.py``. Session policies, resource
  policies and the caller's own conditions are not part of the simulation;
- ``GetBucketLocation`` per ``--bucket``; ``DescribeKey`` and
  ``GetKeyPolicy`` per ``--kms-key``; ``ListWorkforces`` and
  ``ListWorkteams`` once; ``GetAccountSummary`` once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from gtprov.arn import Arn
from gtprov.aws.inventory import DoctorReaders, Identity
from gtprov.aws.kms import KmsKey
from gtprov.aws.sagemaker import WorkforceInfo, WorkteamInfo
from gtprov.errors import (
    AccessDeniedError,
    ConflictError,
    GroundTruthUnavailableError,
    GtprovError,
    NotFoundError,
)
from gtprov.models.role import Account, KeyUse
from gtprov.plan.kms import resolve_key
from gtprov.policy import provisioner
from gtprov.policy.document import Document
from gtprov.policy.kms import delegates_to_iam
from gtprov.validate import KeyRef

OK, WARNING, FAILED = "ok", "warning", "failed"
ALLOWED = "allowed"
PROBE = "gtprov-doctor"
"""Stands for any resource name in a provisioner pattern (``role/*``)."""
GT_LAMBDA_MARKS = (
    "GtRecipe",
    "LabelingFunction",
    "SageMaker",
    "sagemaker",
    "Sagemaker",
)
"""AmazonSageMakerGroundTruthExecution allows lambda:InvokeFunction only on
functions whose names contain one of these."""
QUOTA_WARN = 0.9
SHOWN = 6
AREA_COMMANDS = {
    "common": "every command",
    "execution-role": "create-execution-role, destroy --role",
    "kms-key": "create-execution-role --kms-key/--create-kms-key, destroy",
    "workforce": "setup-workforce, destroy --workforce",
    "workers": "add-workers, remove-workers",
    "notifications": "setup-workforce --create-topic",
    "inventory": "status, destroy",
    "doctor": "doctor",
}
PROVISIONER_FIX = (
    "Attach the policy gtprov policy provisioner --command {area} prints "
    "(or the whole provisioner policy) to the caller."
)
_SAGEMAKER_MARKS = re.compile("|".join(GT_LAMBDA_MARKS))


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""

    def to_dict(self) -> dict[str, str]:
        data = {"name": self.name, "status": self.status, "detail": self.detail}
        if self.fix:
            data["fix"] = self.fix
        return data


@dataclass(frozen=True)
class DoctorRequest:
    """Validated inputs: bucket names, Lambda function names, key references."""

    region: str
    partition: str
    buckets: tuple[str, ...] = ()
    lambdas: tuple[str, ...] = ()
    kms_keys: tuple[KeyRef, ...] = ()
    areas: tuple[str, ...] = provisioner.COMMANDS


def run_checks(readers: DoctorReaders, request: DoctorRequest) -> list[Check]:
    """Every check, identity first; without an identity nothing else can run."""
    identity = _identity(readers)
    if isinstance(identity, Check):
        return [identity]
    account = Account(identity.account, request.region, request.partition)
    buckets = (
        _guarded(f"bucket {b}", partial(bucket_check, readers, b, account))
        for b in request.buckets
    )
    keys = (
        _guarded(f"KMS key {k.value}", partial(key_check, readers, k, account))
        for k in request.kms_keys
    )
    return [
        _identity_check(identity, request.region),
        *permission_checks(readers, identity, account, request.areas),
        *buckets,
        *(lambda_check(name) for name in request.lambdas),
        *keys,
        *ground_truth_checks(readers, request.region),
        _guarded("IAM quotas", lambda: quota_check(readers.account_summary())),
    ]


def failed(checks: Iterable[Check]) -> list[Check]:
    return [c for c in checks if c.status == FAILED]


def _guarded(name: str, check: Callable[[], Check]) -> Check:
    """The check, or a warning that it could not be made, and why."""
    try:
        return check()
    except GtprovError as exc:
        return Check(name, WARNING, f"could not tell: {exc.message}", exc.hint or "")


# Identity -------------------------------------------------------------------------


def _identity(readers: DoctorReaders) -> Identity | Check:
    try:
        return readers.identity()
    except GtprovError as exc:
        return Check(
            "caller identity",
            FAILED,
            f"no usable AWS credentials: {exc.message}",
            "Configure credentials (aws configure, AWS_PROFILE or --profile) "
            "and run gtprov doctor again.",
        )


def _identity_check(identity: Identity, region: str) -> Check:
    return Check(
        "caller identity",
        OK,
        f"{identity.arn} in account {identity.account}, Region {region}",
    )


# Permissions ----------------------------------------------------------------------


def principal_arn(readers: DoctorReaders, identity: Identity) -> str:
    """The IAM principal to simulate: the user, or the session's role.

    Raises ``GtprovError`` for principals IAM cannot simulate (root, a
    federated user) or a role the caller may not read.
    """
    arn = Arn.parse(identity.arn)
    kind, _, rest = arn.resource.partition("/")
    if kind == "user":
        return f"arn:{arn.partition}:iam::{arn.account}:user/{rest}"
    if kind == "assumed-role":
        return _role_arn(readers, rest.split("/")[0])
    if arn.resource == "root":
        raise GtprovError(
            "the caller is the account's root user, whom IAM policies do not limit",
            hint="Run gtprov as an IAM role or user, not as root.",
        )
    raise GtprovError(f"IAM cannot simulate a {kind or arn.resource} principal")


def _role_arn(readers: DoctorReaders, name: str) -> str:
    role = readers.iam.get_role(name)
    if role is None:
        raise GtprovError(f"the session's role {name} is not in this account")
    return role.arn


def permission_checks(
    readers: DoctorReaders, identity: Identity, account: Account, areas: Sequence[str]
) -> list[Check]:
    """One check per command area; all ``could not tell`` when IAM will not say."""
    chosen = ["common", *areas]
    try:
        source = principal_arn(readers, identity)
        decisions = simulate(readers, source, _grants(chosen), account)
    except GtprovError as exc:
        return [_unknown(chosen, exc)]
    return [_area_check(area, decisions, account) for area in chosen]


def _grants(areas: Iterable[str]) -> list[provisioner.Grant]:
    return provisioner.merged_grants(
        g for area in areas for g in provisioner.PERMISSIONS[area]
    )


def probe_resources(grant: provisioner.Grant, account: Account) -> tuple[str, ...]:
    """The grant's patterns with this account filled in and ``*`` a sample name."""
    values = {
        "partition": account.partition,
        "region": account.region,
        "account": account.account_id,
    }
    filled = (pattern.format(**values) for pattern in grant.resources)
    return tuple(p if p == "*" else p.replace("*", PROBE) for p in filled)


Decisions = Mapping[tuple[str, str], str]


def simulate(
    readers: DoctorReaders,
    source: str,
    grants: Sequence[provisioner.Grant],
    account: Account,
) -> Decisions:
    """One SimulatePrincipalPolicy per distinct resource set."""
    by_resources: dict[tuple[str, ...], list[str]] = {}
    for grant in grants:
        actions = by_resources.setdefault(probe_resources(grant, account), [])
        actions.extend(a for a in grant.actions if a not in actions)
    decisions: dict[tuple[str, str], str] = {}
    for resources, actions in by_resources.items():
        decisions.update(readers.simulate(source, actions, resources))
    return decisions


def denied_actions(
    grants: Iterable[provisioner.Grant], decisions: Decisions, account: Account
) -> list[str]:
    """Each action the simulation did not allow on a resource it needs."""
    denied = []
    for grant in grants:
        for resource in probe_resources(grant, account):
            denied += [
                f"{action} on {resource}"
                for action in grant.actions
                if decisions.get((action, resource)) != ALLOWED
            ]
    return denied


def _area_check(area: str, decisions: Decisions, account: Account) -> Check:
    name = f"permissions: {area} ({AREA_COMMANDS.get(area, area)})"
    denied = denied_actions(provisioner.PERMISSIONS[area], decisions, account)
    if not denied:
        return Check(name, OK, "the simulation allows every action gtprov calls")
    fix = PROVISIONER_FIX.format(area=area)
    return Check(name, FAILED, f"not allowed: {_some(denied)}", fix)


def _some(items: Sequence[str]) -> str:
    more = len(items) - SHOWN
    return "; ".join(items[:SHOWN]) + (f" and {more} more" if more > 0 else "")


def _unknown(areas: Sequence[str], exc: GtprovError) -> Check:
    """One warning for every area: the simulation itself did not answer."""
    name = f"permissions: {', '.join(areas)}"
    why = exc.message
    hint = exc.hint or "Compare the caller's policies with gtprov policy provisioner."
    if isinstance(exc, AccessDeniedError):
        why = "the caller may not call iam:SimulatePrincipalPolicy on itself"
    return Check(name, WARNING, f"could not tell: {why}", hint)


# Buckets, Lambda functions, keys --------------------------------------------------


def bucket_check(readers: DoctorReaders, bucket: str, account: Account) -> Check:
    name = f"bucket {bucket}"
    region = readers.bucket_region(bucket)
    if region is None:
        fix = f"Create it in {account.region}, or correct --bucket."
        return Check(name, FAILED, "no such bucket", fix)
    if region != account.region:
        return Check(
            name,
            FAILED,
            f"the bucket is in {region}, not {account.region}; Ground Truth reads "
            "input from buckets in the labeling job's Region",
            f"Run in {region} (--region {region}) or use a bucket in {account.region}.",
        )
    return Check(name, OK, f"exists in {region}")


def lambda_check(function: str) -> Check:
    """Offline: does AmazonSageMakerGroundTruthExecution cover the name?"""
    name = f"Lambda {function}"
    if _SAGEMAKER_MARKS.search(function):
        allowed = "AmazonSageMakerGroundTruthExecution allows the name"
        return Check(name, OK, allowed)
    return Check(
        name,
        WARNING,
        "AmazonSageMakerGroundTruthExecution lets the role invoke only functions "
        f"whose names contain {', '.join(GT_LAMBDA_MARKS)}; this one does not",
        "gtprov's generated policy names the function itself, so "
        "create-execution-role --lambda covers it; only a role relying on the "
        "AWS managed policy needs the function renamed.",
    )


def key_check(readers: DoctorReaders, ref: KeyRef, account: Account) -> Check:
    """Usable by Ground Truth, and whether the key policy delegates to IAM."""
    name = f"KMS key {ref.value}"
    try:
        key = resolve_key(readers.kms, KeyUse(ref, "data", "--kms-key"), account)
    except (NotFoundError, ConflictError) as exc:
        return Check(name, FAILED, exc.message, exc.hint or "")
    mine = key.account == account.account_id
    policy = readers.kms.get_key_policy(key.arn) if mine else None
    return key_policy_check(name, key, policy)


def key_policy_check(name: str, key: KmsKey, policy: Document | None) -> Check:
    state = f"{key.arn} is {key.state}"
    if policy is None:
        fix = "Ask the key's owner to allow the execution role in its key policy."
        return Check(name, WARNING, f"{state}; its key policy could not be read", fix)
    if delegates_to_iam(policy, key.account):
        return Check(name, OK, f"{state}; its policy delegates to IAM")
    return Check(
        name,
        WARNING,
        f"{state}, but its key policy does not delegate to IAM, so the role's "
        "own KMS statements do not take effect",
        "Run create-execution-role with --grant-key-policy to add gtprov's "
        "statement to the key policy.",
    )


# Ground Truth ---------------------------------------------------------------------


def ground_truth_checks(readers: DoctorReaders, region: str) -> list[Check]:
    """Whether SageMaker answers the workforce API, and what workforce exists."""
    try:
        workforces = readers.sagemaker.list_workforces()
        teams = readers.sagemaker.list_workteams()
    except GroundTruthUnavailableError as exc:
        return [Check("Ground Truth", FAILED, exc.message, exc.hint or "")]
    except GtprovError as exc:
        why = f"could not tell: {exc.message}"
        return [Check("Ground Truth", WARNING, why, exc.hint or "")]
    first = next(iter(workforces), None)
    return [availability_check(first, teams, region), workforce_check(first, region)]


def availability_check(
    workforce: WorkforceInfo | None, teams: Sequence[WorkteamInfo], region: str
) -> Check:
    if workforce is not None or teams:
        return Check(
            "Ground Truth",
            OK,
            f"SageMaker answers, and this account already has a private "
            f"workforce or work teams in {region}",
        )
    return Check(
        "Ground Truth",
        WARNING,
        f"SageMaker answers, but the account has no workforce or work team in "
        f"{region}. AWS has closed Ground Truth to new customers (existing "
        "customers keep it), so CreateWorkforce may be refused here",
        "Use an account (and Region) that already uses Ground Truth, or ask "
        "AWS Support whether this one may.",
    )


def workforce_check(workforce: WorkforceInfo | None, region: str) -> Check:
    if workforce is None:
        return Check("workforce", OK, f"none in {region}; setup-workforce creates one")
    if workforce.user_pool is None:
        return Check(
            "workforce",
            WARNING,
            f"{workforce.name} signs workers in with OIDC",
            "gtprov manages Cognito workforces only.",
        )
    detail = (
        f"{workforce.name} ({workforce.status}) uses user pool {workforce.user_pool}, "
        f"app client {workforce.client_id}; portal {workforce.portal_url or 'not yet'}"
    )
    status = OK if workforce.status == "Active" else WARNING
    return Check("workforce", status, detail)


# Quotas ---------------------------------------------------------------------------


def quota_check(summary: Mapping[str, Any]) -> Check:
    """Room for gtprov's roles and managed policies (``GetAccountSummary``)."""
    pairs = (("Roles", "RolesQuota"), ("Policies", "PoliciesQuota"))
    usage = [(n, int(summary.get(n, 0)), int(summary.get(q, 0))) for n, q in pairs]
    detail = ", ".join(f"{name} {n}/{limit}" for name, n, limit in usage)
    full = [name for name, n, limit in usage if limit and n >= limit]
    near = [name for name, n, limit in usage if limit and n >= QUOTA_WARN * limit]
    fix = "Delete unused ones, or raise the IAM quota in Service Quotas."
    if full:
        detail = f"no room for more {', '.join(full)}: {detail}"
        return Check("IAM quotas", FAILED, detail, fix)
    if near:
        return Check("IAM quotas", WARNING, f"nearly full: {detail}", fix)
    return Check("IAM quotas", OK, detail)
