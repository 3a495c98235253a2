"""The project's own fake of SageMaker's private workforce and work-team API.

moto does not implement these operations (its SageMaker coverage list marks
them "not implemented"), so functional tests, the README demo and benchmarks
run against this fake instead. It is in-memory, thread-safe, and keeps one
state per account and Region, like the service.

Layer rule: pure Python, no AWS calls and no moto import. What the real
service does to Amazon Cognito (it reads the user pool and app client and
edits the client, with the caller's credentials) goes through the injected
``CognitoDirectory``; the emulation server wires that to moto's in-process
cognito-idp backend.

Every rule below says where it comes from. "Confirmed" means an AWS document
or an error quoted from the real service in a public issue; "guess" means the
behaviour is inferred and the wording is invented. docs/emulation.md lists
all of them.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from gtprov.emulation import shapes
from gtprov.emulation.shapes import (
    Params,
    SageMakerError,
    Violations,
    validation_error,
)

Result = dict[str, Any]

__all__ = ["SageMakerError", "SageMakerSettings", "WorkforceBackend"]

INITIALIZING, UPDATING, DELETING, ACTIVE = (
    "Initializing",
    "Updating",
    "Deleting",
    "Active",
)
_SETTLES_TO = {INITIALIZING: ACTIVE, UPDATING: ACTIVE, DELETING: None}
IMPLICIT_WORKFORCE_NAME = "default"
_SUBDOMAIN_ALPHABET = string.ascii_lowercase + string.digits


@dataclass
class SageMakerSettings:
    """Knobs for behaviour that real accounts differ in, or that tests speed up.

    ``activation_delay``: seconds a workforce stays ``Initializing`` after
    creation (``Updating`` after an update, ``Deleting`` after a delete). The
    real service takes from seconds to minutes and offers no waiter, so
    clients must poll ``DescribeWorkforce``; 0 settles on the next call.

    ``closed_to_new_customers``: answer ``CreateWorkforce``/``CreateWorkteam``
    the way an account that Ground Truth no longer accepts would. AWS documents
    that Ground Truth is "no longer open to new customers" but not the error a
    refused account receives: the code (``closed_error_code``) and message are
    a guess. An account that already has a private workforce in some Region
    counts as an existing customer and is not refused.

    ``workforce_tagging``: whether the tag API accepts workforce ARNs. In 2021
    the real ``ListTags`` answered ``ValidationException: Invalid resource
    type: workforce`` (quoted in hashicorp/terraform-provider-aws#20065, and
    Terraform still offers no workforce tags); off by default to match.
    """

    activation_delay: float = 0.5
    closed_to_new_customers: bool = False
    closed_error_code: str = "AccessDeniedException"
    workforce_tagging: bool = False
    max_workteams: int = 25


class CognitoDirectory(Protocol):
    """What the fake needs from Amazon Cognito, in the caller's account."""

    def user_pool_exists(self, account_id: str, region: str, user_pool: str) -> bool:
        """True if the user pool exists."""

    def user_pool_has_domain(
        self, account_id: str, region: str, user_pool: str
    ) -> bool:
        """True if the user pool has a (prefix or custom) domain."""

    def client_exists(
        self, account_id: str, region: str, user_pool: str, client_id: str
    ) -> bool:
        """True if the app client exists in the user pool."""

    def group_exists(
        self, account_id: str, region: str, user_pool: str, group: str
    ) -> bool:
        """True if the user group exists in the user pool."""

    def update_client(
        self,
        account_id: str,
        region: str,
        user_pool: str,
        client_id: str,
        settings: Mapping[str, Any],
    ) -> None:
        """Merge ``settings`` into the app client's configuration."""


@dataclass
class Workforce:
    name: str
    arn: str
    subdomain: str
    created: float
    cognito: dict[str, str] | None
    oidc: dict[str, Any] | None
    cidrs: list[str]
    vpc: dict[str, Any] | None
    ip_address_type: str
    status: str = INITIALIZING
    status_since: float = 0.0
    updated: float | None = None

    def describe(self) -> Result:
        out: Result = {
            "WorkforceName": self.name,
            "WorkforceArn": self.arn,
            "SubDomain": self.subdomain,
            "CreateDate": self.created,
            "SourceIpConfig": {"Cidrs": list(self.cidrs)},
            "Status": self.status,
            "IpAddressType": self.ip_address_type,
        }
        return out | self._optional()

    def _optional(self) -> Result:
        out: Result = {}
        if self.updated is not None:
            out["LastUpdatedDate"] = self.updated
        if self.cognito:
            out["CognitoConfig"] = dict(self.cognito)
        if self.oidc:
            out["OidcConfig"] = {
                k: v for k, v in self.oidc.items() if k != "ClientSecret"
            }
        if self.vpc:
            out["WorkforceVpcConfig"] = dict(self.vpc)
        return out


@dataclass
class Workteam:
    name: str
    arn: str
    members: list[dict[str, Any]]
    description: str
    created: float
    updated: float
    notification: dict[str, Any] | None = None
    worker_access: dict[str, Any] | None = None

    def describe(self, workforce: Workforce) -> Result:
        out: Result = {
            "WorkteamName": self.name,
            "WorkteamArn": self.arn,
            "WorkforceArn": workforce.arn,
            "MemberDefinitions": [dict(m) for m in self.members],
            "Description": self.description,
            "SubDomain": workforce.subdomain,
            "CreateDate": self.created,
            "LastUpdatedDate": self.updated,
        }
        if self.notification:
            out["NotificationConfiguration"] = dict(self.notification)
        if self.worker_access:
            out["WorkerAccessConfiguration"] = dict(self.worker_access)
        return out


@dataclass
class _Region:
    """Everything SageMaker keeps for one account in one Region."""

    account_id: str
    region: str
    workforce: Workforce | None = None
    workteams: dict[str, Workteam] = field(default_factory=dict)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)

    def arn(self, resource: str) -> str:
        partition = partition_of(self.region)
        return f"arn:{partition}:sagemaker:{self.region}:{self.account_id}:{resource}"


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


Handler = Callable[[_Region, Params], Result]


class WorkforceBackend:
    """SageMaker's workforce/work-team control plane, one state per account+Region.

    ``handle`` takes the operation name and its JSON parameters as botocore
    sends them and returns the JSON result, or raises ``SageMakerError``.
    """

    def __init__(
        self,
        settings: SageMakerSettings | None = None,
        *,
        cognito: CognitoDirectory | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings or SageMakerSettings()
        self.cognito = cognito
        self._clock = clock
        self._lock = threading.RLock()
        self._regions: dict[tuple[str, str], _Region] = {}
        self._handlers: dict[str, Handler] = {
            "ListWorkforces": self._list_workforces,
            "DescribeWorkforce": self._describe_workforce,
            "CreateWorkforce": self._create_workforce,
            "UpdateWorkforce": self._update_workforce,
            "DeleteWorkforce": self._delete_workforce,
            "ListWorkteams": self._list_workteams,
            "DescribeWorkteam": self._describe_workteam,
            "CreateWorkteam": self._create_workteam,
            "UpdateWorkteam": self._update_workteam,
            "DeleteWorkteam": self._delete_workteam,
            "AddTags": self._add_tags,
            "ListTags": self._list_tags,
            "DeleteTags": self._delete_tags,
        }

    @property
    def operations(self) -> frozenset[str]:
        return frozenset(self._handlers)

    def handle(
        self, operation: str, params: Params, *, account_id: str, region: str
    ) -> Result:
        handler = self._handlers.get(operation)
        if handler is None:
            raise SageMakerError("UnknownOperationException", f"Unknown: {operation}")
        with self._lock:
            state = self._region(account_id, region)
            self._settle(state)
            return handler(state, params)

    def reset(self, settings: SageMakerSettings | None = None) -> None:
        with self._lock:
            self._regions.clear()
            if settings is not None:
                self.settings = replace(settings)

    def _region(self, account_id: str, region: str) -> _Region:
        key = (account_id, region)
        if key not in self._regions:
            self._regions[key] = _Region(account_id, region)
        return self._regions[key]

    def _settle(self, state: _Region) -> None:
        """Finish a workforce's Initializing/Updating/Deleting once the delay passed."""
        wf = state.workforce
        if wf is None or wf.status not in _SETTLES_TO:
            return
        if self._clock() - wf.status_since < self.settings.activation_delay:
            return
        if _SETTLES_TO[wf.status] is None:
            state.tags.pop(wf.arn, None)
            state.workforce = None
        else:
            wf.status = ACTIVE

    # -- workforces -------------------------------------------------------

    def _list_workforces(self, state: _Region, p: Params) -> Result:
        v = Violations()
        v.string("nameContains", p.get("NameContains"), 1, 63, shapes.WORKFORCE_NAME)
        shapes.check_list_params(v, p)
        shapes.raise_violations(v)
        found = [state.workforce] if state.workforce else []
        found = [w for w in found if p.get("NameContains", "") in w.name]
        return _page([w.describe() for w in found], p, "Workforces", "WorkforceName")

    def _describe_workforce(self, state: _Region, p: Params) -> Result:
        shapes.check_workforce_name(p)
        return {
            "Workforce": self._named_workforce(state, p["WorkforceName"]).describe()
        }

    def _create_workforce(self, state: _Region, p: Params) -> Result:
        self._refuse_if_closed(state, "CreateWorkforce")
        shapes.check_create_workforce(p)
        self._refuse_second_workforce(state)
        cognito = p.get("CognitoConfig")
        if cognito:
            self._verify_cognito(state, cognito["UserPool"], cognito["ClientId"], ())
        wf = self._new_workforce(state, p["WorkforceName"], p)
        state.workforce = wf
        state.tags[wf.arn] = _tag_dict(p.get("Tags") or [])
        self._configure_portal_client(state, wf)
        return {"WorkforceArn": wf.arn}

    def _update_workforce(self, state: _Region, p: Params) -> Result:
        """Change the IP allow list, OIDC settings, VPC or IP address type.

        Confirmed: OIDC settings change only while the workforce has no work
        teams, and Source-IP restriction is not supported for VPC portals.
        Guess: updating while the workforce is not ``Active`` answers
        ``ConflictException`` (the only error the model lists here).
        """
        shapes.check_update_workforce(p)
        wf = self._named_workforce(state, p["WorkforceName"])
        if wf.status != ACTIVE:
            msg = f"Workforce {wf.name} is {wf.status}; retry when it is Active."
            raise SageMakerError("ConflictException", msg)
        self._check_workforce_update_rules(state, wf, p)
        _apply_workforce_update(wf, p)
        wf.status, wf.status_since = UPDATING, self._clock()
        wf.updated = wf.status_since
        return {"Workforce": wf.describe()}

    def _delete_workforce(self, state: _Region, p: Params) -> Result:
        """Confirmed: ``ResourceInUse`` while teams remain; then ``Deleting``, gone."""
        shapes.check_workforce_name(p)
        wf = self._named_workforce(state, p["WorkforceName"])
        if state.workteams:
            msg = (
                f"Workforce {wf.name} still has {len(state.workteams)} work "
                "team(s). Delete them with DeleteWorkteam first."
            )
            raise SageMakerError("ResourceInUse", msg)
        if wf.status != DELETING:
            wf.status, wf.status_since = DELETING, self._clock()
        return {}

    def _named_workforce(self, state: _Region, name: str) -> Workforce:
        """The workforce called ``name``.

        Confirmed: a missing workforce is a ``ValidationException`` whose
        message starts "No workforce" (Terraform matches that text). The rest
        of the message is a guess.
        """
        wf = state.workforce
        if wf is None or wf.name != name:
            raise validation_error(f"No workforce found with name {name}.")
        return wf

    def _refuse_second_workforce(self, state: _Region) -> None:
        """Confirmed wording, quoted in hashicorp/terraform-provider-aws#20472."""
        if state.workforce is not None:
            raise validation_error(
                f"Cannot create more than one workforce for account "
                f"{state.account_id}. If you are trying to update existing "
                "workforce, please use UpdateWorkforce API"
            )

    def _new_workforce(self, state: _Region, name: str, p: Params) -> Workforce:
        now = self._clock()
        return Workforce(
            name=name,
            arn=state.arn(f"workforce/{name}"),
            subdomain=f"{_random_label()}.labeling.{state.region}.sagemaker.aws",
            created=now,
            cognito=_copy(p.get("CognitoConfig")),
            oidc=_copy(p.get("OidcConfig")),
            cidrs=list((p.get("SourceIpConfig") or {}).get("Cidrs", [])),
            vpc=_vpc_response(p.get("WorkforceVpcConfig")),
            ip_address_type=p.get("IpAddressType") or "ipv4",
            status_since=now,
        )

    def _check_workforce_update_rules(
        self, state: _Region, wf: Workforce, p: Params
    ) -> None:
        if p.get("OidcConfig") is not None and wf.oidc is None:
            raise validation_error(
                f"Workforce {wf.name} uses Amazon Cognito; OidcConfig applies "
                "only to a workforce created with OidcConfig."
            )
        if p.get("OidcConfig") is not None and state.workteams:
            raise validation_error(
                "You can only update your OIDC IdP configuration when there are "
                "no work teams associated with your workforce."
            )
        shapes.refuse_ip_restriction_in_vpc(p.get("SourceIpConfig"), p, wf.vpc)

    # -- work teams -------------------------------------------------------

    def _list_workteams(self, state: _Region, p: Params) -> Result:
        v = Violations()
        v.string("nameContains", p.get("NameContains"), 1, 63, shapes.WORKTEAM_NAME)
        shapes.check_list_params(v, p)
        shapes.raise_violations(v)
        wf = state.workforce
        teams = [
            t for t in state.workteams.values() if p.get("NameContains", "") in t.name
        ]
        found = [t.describe(wf) for t in teams] if wf else []
        return _page(found, p, "Workteams", "WorkteamName")

    def _describe_workteam(self, state: _Region, p: Params) -> Result:
        shapes.check_workteam_name(p)
        team = self._named_workteam(state, p["WorkteamName"])
        return {"Workteam": team.describe(self._workforce_of(state))}

    def _create_workteam(self, state: _Region, p: Params) -> Result:
        """Create a private work team, and the workforce too if none exists.

        Confirmed: the first private work team creates the workforce ("A single
        private workforce, which is automatically created when you create your
        first private work team"); ``WorkforceName`` is optional. The fake
        names that workforce ``default``, as the console does, and builds it
        from the members' user pool and app client.
        """
        self._refuse_if_closed(state, "CreateWorkteam")
        shapes.check_create_workteam(p)
        members: list[dict[str, Any]] = p["MemberDefinitions"]
        self._refuse_duplicate_team(state, p["WorkteamName"])
        self._refuse_team_limit(state)
        wf, implicit = self._workforce_for_team(state, p.get("WorkforceName"), members)
        self._check_members(state, wf, members)
        self._commit_team(state, wf, implicit, p)
        return {"WorkteamArn": state.workteams[p["WorkteamName"]].arn}

    def _update_workteam(self, state: _Region, p: Params) -> Result:
        shapes.check_update_workteam(p)
        team = self._named_workteam(state, p["WorkteamName"])
        wf = self._workforce_of(state)
        if p.get("MemberDefinitions") is not None:
            self._check_members(state, wf, p["MemberDefinitions"])
            team.members = [dict(m) for m in p["MemberDefinitions"]]
        _apply_team_update(team, p)
        team.updated = self._clock()
        return {"Workteam": team.describe(wf)}

    def _delete_workteam(self, state: _Region, p: Params) -> Result:
        shapes.check_workteam_name(p)
        team = self._named_workteam(state, p["WorkteamName"])
        del state.workteams[team.name]
        state.tags.pop(team.arn, None)
        return {"Success": True}

    def _named_workteam(self, state: _Region, name: str) -> Workteam:
        """Confirmed: a missing team is a ``ValidationException`` starting
        "The work team" (Terraform matches that text on Describe and Delete);
        the rest of the message is a guess."""
        team = state.workteams.get(name)
        if team is None:
            raise validation_error(f"The work team {name} does not exist.")
        return team

    def _workforce_of(self, state: _Region) -> Workforce:
        if state.workforce is None:  # teams keep their workforce alive
            raise SageMakerError("InternalFailure", "work team without workforce", 500)
        return state.workforce

    def _refuse_duplicate_team(self, state: _Region, name: str) -> None:
        """Confirmed code (``ResourceInUse`` in the model); message is a guess."""
        if name in state.workteams:
            arn = state.workteams[name].arn
            raise SageMakerError("ResourceInUse", f"Workteam {arn} already exists.")

    def _refuse_team_limit(self, state: _Region) -> None:
        """Confirmed: at most 25 work teams per account and Region."""
        limit = self.settings.max_workteams
        if len(state.workteams) >= limit:
            raise SageMakerError(
                "ResourceLimitExceeded",
                f"You cannot create more than {limit} work teams in account "
                f"{state.account_id} in {state.region}.",
            )

    def _workforce_for_team(
        self, state: _Region, name: str | None, members: Sequence[Params]
    ) -> tuple[Workforce, bool]:
        """The workforce a new team joins, and whether it must be created."""
        wf = state.workforce
        if name is not None:
            return self._named_workforce(state, name), False
        if wf is not None:
            return wf, False
        cognito = members[0].get("CognitoMemberDefinition")
        if cognito is None:
            raise validation_error(
                "No workforce exists in this Region. Create an OIDC workforce "
                "with CreateWorkforce before adding OIDC work teams."
            )
        config = {"UserPool": cognito["UserPool"], "ClientId": cognito["ClientId"]}
        return self._new_workforce(
            state, IMPLICIT_WORKFORCE_NAME, {"CognitoConfig": config}
        ), True

    def _check_members(
        self, state: _Region, wf: Workforce, members: Sequence[Params]
    ) -> None:
        """Members must match the workforce's kind, user pool and app client.

        Confirmed rule ("All of the CognitoMemberDefinition objects ... must
        have the same ClientId and UserPool values"; teams are groups "within
        the user pool used to create a workforce"); the messages are guesses.
        """
        if wf.status == DELETING:
            raise validation_error(f"Workforce {wf.name} is being deleted.")
        kind = _member_kind(members)
        if kind == "oidc":
            _require_oidc_workforce(wf)
            return
        pool, client = _single_pool_and_client(members)
        _require_same_cognito(wf, pool, client)
        groups = [m["CognitoMemberDefinition"]["UserGroup"] for m in members]
        self._verify_cognito(state, pool, client, groups)

    def _commit_team(
        self, state: _Region, wf: Workforce, implicit: bool, p: Params
    ) -> None:
        if implicit:
            state.workforce = wf
            state.tags[wf.arn] = {}
        now = self._clock()
        team = Workteam(
            name=p["WorkteamName"],
            arn=state.arn(f"workteam/private-crowd/{p['WorkteamName']}"),
            members=[dict(m) for m in p["MemberDefinitions"]],
            description=p["Description"],
            created=now,
            updated=now,
        )
        _apply_team_update(team, p)
        state.workteams[team.name] = team
        state.tags[team.arn] = _tag_dict(p.get("Tags") or [])
        self._configure_portal_client(state, wf)

    # -- tags -------------------------------------------------------------

    def _add_tags(self, state: _Region, p: Params) -> Result:
        v = Violations()
        shapes.check_resource_arn(v, p)
        if v.required("tags", p.get("Tags")):
            shapes.check_tags(v, p["Tags"])
        shapes.raise_violations(v)
        shapes.refuse_reserved_tags(p["Tags"])
        tags = state.tags[self._tagged_arn(state, p["ResourceArn"])]
        merged = tags | _tag_dict(p["Tags"])
        if len(merged) > 50:
            raise validation_error("A resource can have at most 50 tags.")
        tags.update(merged)
        return {"Tags": [dict(t) for t in p["Tags"]]}

    def _list_tags(self, state: _Region, p: Params) -> Result:
        v = Violations()
        shapes.check_resource_arn(v, p)
        max_results = p.get("MaxResults")
        if isinstance(max_results, int) and max_results < 50:
            v.add(
                "maxResults",
                max_results,
                "Member must have value greater than or equal to 50",
            )
        shapes.raise_violations(v)
        tags = state.tags[self._tagged_arn(state, p["ResourceArn"])]
        items = [{"Key": k, "Value": val} for k, val in tags.items()]
        return _page(items, p, "Tags", None, default_size=50)

    def _delete_tags(self, state: _Region, p: Params) -> Result:
        v = Violations()
        shapes.check_resource_arn(v, p)
        if v.required("tagKeys", p.get("TagKeys")):
            v.items_count("tagKeys", p["TagKeys"], 1, 50)
        shapes.raise_violations(v)
        tags = state.tags[self._tagged_arn(state, p["ResourceArn"])]
        for key in p["TagKeys"]:
            tags.pop(key, None)
        return {}

    def _tagged_arn(self, state: _Region, arn: str) -> str:
        """The ARN of an existing, taggable resource in this account+Region.

        Guess: an unknown ARN answers ``ValidationException``.
        """
        if ":workforce/" in arn and not self.settings.workforce_tagging:
            raise validation_error("Invalid resource type: workforce")
        if arn in state.tags:
            return arn
        raise validation_error(f"Resource {arn} does not exist.")

    # -- Cognito ----------------------------------------------------------

    def _refuse_if_closed(self, state: _Region, operation: str) -> None:
        """Guess at how an account refused by Ground Truth is answered."""
        if not self.settings.closed_to_new_customers:
            return
        if self._is_existing_customer(state.account_id):
            return
        raise SageMakerError(
            self.settings.closed_error_code,
            "Amazon SageMaker Ground Truth is no longer available to new "
            f"customers. Account {state.account_id} is not allow-listed for "
            f"{operation}.",
        )

    def _is_existing_customer(self, account_id: str) -> bool:
        return any(
            r.workforce is not None
            for (acct, _), r in self._regions.items()
            if acct == account_id
        )

    def _verify_cognito(
        self, state: _Region, pool: str, client: str, groups: Iterable[str]
    ) -> None:
        """Check the user pool, its domain, the app client and the groups exist.

        Real SageMaker reads them with the caller's credentials (its API
        permission reference lists ``cognito-idp:DescribeUserPool`` and
        ``DescribeUserPoolClient`` for CreateWorkforce/CreateWorkteam). The
        domain requirement is documented for the console ("User pools require
        a domain and an existing user group"); that the API enforces it, and
        every message here, is a guess.
        """
        directory = self.cognito
        if directory is None:
            return
        where = (state.account_id, state.region)
        if not directory.user_pool_exists(*where, pool):
            raise validation_error(f"User pool {pool} does not exist.")
        if not directory.client_exists(*where, pool, client):
            raise validation_error(
                f"App client {client} does not exist in user pool {pool}."
            )
        if not directory.user_pool_has_domain(*where, pool):
            raise validation_error(
                f"User pool {pool} has no domain. Add a domain first."
            )
        for group in groups:
            if not directory.group_exists(*where, pool, group):
                raise validation_error(
                    f"User group {group} does not exist in user pool {pool}."
                )

    def _configure_portal_client(self, state: _Region, wf: Workforce) -> None:
        """Do to the app client what SageMaker does: point it at the portal.

        Confirmed that SageMaker edits the client (``UpdateUserPoolClient`` is
        a required caller permission of CreateWorkforce and CreateWorkteam, and
        AWS's Media2Cloud sample notes "Ground Truth would update this when a
        workteam is created"). The values are the ones AWS's CDK sample sets
        by hand (``/oauth2/idpresponse`` and ``/logout`` on the portal
        domain). Guess: they replace, rather than extend, the client's URLs.
        SageMaker's edit of the user pool itself (``UpdateUserPool``) is not
        emulated: what it changes is undocumented.
        """
        if self.cognito is None or wf.cognito is None:
            return
        self.cognito.update_client(
            state.account_id,
            state.region,
            wf.cognito["UserPool"],
            wf.cognito["ClientId"],
            portal_client_settings(wf.subdomain),
        )


def portal_client_settings(subdomain: str) -> dict[str, Any]:
    """The OAuth settings of an app client that signs workers into the portal."""
    return {
        "CallbackURLs": [f"https://{subdomain}/oauth2/idpresponse"],
        "LogoutURLs": [f"https://{subdomain}/logout"],
        "AllowedOAuthFlows": ["code", "implicit"],
        "AllowedOAuthScopes": ["email", "openid", "profile"],
        "AllowedOAuthFlowsUserPoolClient": True,
        "SupportedIdentityProviders": ["COGNITO"],
    }


def _member_kind(members: Sequence[Params]) -> str:
    kinds = {_one_member_kind(m) for m in members}
    if len(kinds) > 1:
        raise validation_error(
            "MemberDefinitions must all be CognitoMemberDefinition or all be "
            "OidcMemberDefinition."
        )
    return kinds.pop()


def _one_member_kind(member: Params) -> str:
    cognito = member.get("CognitoMemberDefinition") is not None
    oidc = member.get("OidcMemberDefinition") is not None
    if cognito == oidc:
        raise validation_error(
            "Each MemberDefinition needs exactly one of CognitoMemberDefinition "
            "and OidcMemberDefinition."
        )
    return "cognito" if cognito else "oidc"


def _single_pool_and_client(members: Sequence[Params]) -> tuple[str, str]:
    pairs = {
        (
            m["CognitoMemberDefinition"]["UserPool"],
            m["CognitoMemberDefinition"]["ClientId"],
        )
        for m in members
    }
    if len(pairs) > 1:
        raise validation_error(
            "All of the CognitoMemberDefinition objects must have the same "
            "ClientId and UserPool values."
        )
    return pairs.pop()


def _require_same_cognito(wf: Workforce, pool: str, client: str) -> None:
    if wf.cognito is None:
        raise validation_error(
            f"Workforce {wf.name} uses an OIDC identity provider; use "
            "OidcMemberDefinition."
        )
    if (wf.cognito["UserPool"], wf.cognito["ClientId"]) != (pool, client):
        raise validation_error(
            f"User pool {pool} and app client {client} are not the ones of "
            f"workforce {wf.name} (user pool {wf.cognito['UserPool']}, app "
            f"client {wf.cognito['ClientId']})."
        )


def _require_oidc_workforce(wf: Workforce) -> None:
    if wf.oidc is None:
        raise validation_error(
            f"Workforce {wf.name} uses Amazon Cognito; use CognitoMemberDefinition."
        )


# -- updates and shapes --------------------------------------------------


def _apply_workforce_update(wf: Workforce, p: Params) -> None:
    if p.get("SourceIpConfig") is not None:
        wf.cidrs = list(p["SourceIpConfig"]["Cidrs"])
    if p.get("OidcConfig") is not None:
        wf.oidc = dict(p["OidcConfig"])
    if p.get("WorkforceVpcConfig") is not None:
        wf.vpc = _vpc_response(p["WorkforceVpcConfig"])
    if p.get("IpAddressType") is not None:
        wf.ip_address_type = p["IpAddressType"]


def _apply_team_update(team: Workteam, p: Params) -> None:
    if p.get("Description") is not None:
        team.description = p["Description"]
    if p.get("NotificationConfiguration") is not None:
        team.notification = dict(p["NotificationConfiguration"])
    if p.get("WorkerAccessConfiguration") is not None:
        team.worker_access = dict(p["WorkerAccessConfiguration"])


def _vpc_response(config: object) -> dict[str, Any] | None:
    if not isinstance(config, Mapping) or not config.get("VpcId"):
        return None
    return dict(config) | {"VpcEndpointId": f"vpce-{secrets.token_hex(8)}"}


def _copy(value: object) -> dict[str, Any] | None:
    return dict(value) if isinstance(value, Mapping) else None


def _tag_dict(tags: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    return {str(t["Key"]): str(t["Value"]) for t in tags}


def _random_label() -> str:
    return "".join(secrets.choice(_SUBDOMAIN_ALPHABET) for _ in range(10))


def _page(
    items: list[Result],
    p: Params,
    key: str,
    name_field: str | None,
    *,
    default_size: int = 10,
) -> Result:
    """One page of ``items``, sorted the way the List operations sort.

    ``NextToken`` is an opaque offset; an unreadable one is a
    ``ValidationException`` (guess at the wording).
    """
    if name_field is not None:
        items = _sorted(items, p, name_field)
    start = _token_offset(p.get("NextToken"))
    size = p.get("MaxResults") or default_size
    out: Result = {key: items[start : start + size]}
    if start + size < len(items):
        out["NextToken"] = f"gtprov-page-{start + size}"
    return out


def _sorted(items: list[Result], p: Params, name_field: str) -> list[Result]:
    field_name = name_field if p.get("SortBy") == "Name" else "CreateDate"
    reverse = p.get("SortOrder") == "Descending"
    return sorted(items, key=lambda item: item[field_name], reverse=reverse)


def _token_offset(token: object) -> int:
    if token in (None, ""):
        return 0
    prefix = "gtprov-page-"
    if (
        isinstance(token, str)
        and token.startswith(prefix)
        and token[len(prefix) :].isdigit()
    ):
        return int(token[len(prefix) :])
    raise validation_error("Invalid pagination token.")
