"""What the fake SageMaker accepts as input, checked the way AWS checks it.

Pure: no I/O. The patterns and lengths are copied from botocore's SageMaker
service model (``sagemaker/2017-07-24/service-2.json``). botocore checks only
required members and minimum lengths on the client; patterns, maximum lengths
and list sizes are checked by the service, which reports them all at once:

    2 validation errors detected: Value 'x-' at 'workteamName' failed to
    satisfy constraint: Member must satisfy regular expression pattern: ...

That wording is AWS's common validation message (seen verbatim in SageMaker
errors quoted in public issues, e.g. for ``humanLoopConfig.workteamArn``).
Field checks come first, then the ``check_*`` functions for whole requests,
which raise ``SageMakerError`` (a ``ValidationException``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import Any

WORKFORCE_NAME = r"[a-zA-Z0-9]([a-zA-Z0-9\-]){0,62}"
WORKTEAM_NAME = r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"
USER_POOL = r"[\w-]+_[0-9a-zA-Z]+"
CLIENT_ID = r"[ -~]+"
USER_GROUP = r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+"
TOPIC_ARN = r"arn:aws[a-z\-]*:sns:[a-z0-9\-]*:[0-9]{12}:[a-zA-Z0-9_.-]*"
TAG_TEXT = r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)"
OIDC_ENDPOINT = r"https://\S+"

_PYTHON_REGEX = {
    USER_GROUP: r"[^\s]+",
    TAG_TEXT: r"[\w\s.:/=+\-@]*",
}
"""Python's ``re`` has no ``\\p{..}`` classes; these stand-ins accept the same
everyday input (letters, digits, punctuation; no whitespace for groups)."""

Params = Mapping[str, Any]
"""A request's JSON parameters, as botocore sends them."""

OIDC_ENDPOINTS = (
    "Issuer",
    "AuthorizationEndpoint",
    "TokenEndpoint",
    "UserInfoEndpoint",
    "LogoutEndpoint",
    "JwksUri",
)


class Violations:
    """Collects constraint failures; ``message()`` renders AWS's wording."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, field: str, value: object, rule: str) -> None:
        shown = "null" if value is None else f"'{value}'"
        self.items.append(
            f"Value {shown} at '{field}' failed to satisfy constraint: {rule}"
        )

    def message(self) -> str:
        count = len(self.items)
        noun = "error" if count == 1 else "errors"
        return f"{count} validation {noun} detected: " + "; ".join(self.items)

    def required(self, field: str, value: object) -> bool:
        if value is None:
            self.add(field, None, "Member must not be null")
            return False
        return True

    def string(
        self, field: str, value: object, lo: int, hi: int, pattern: str | None = None
    ) -> None:
        if value is None:
            return
        if not isinstance(value, str):
            self.add(field, value, "Member must be a string")
            return
        self._length(field, value, len(value), lo, hi)
        if pattern is not None and not full_match(pattern, value):
            rule = f"Member must satisfy regular expression pattern: {pattern}"
            self.add(field, value, rule)

    def items_count(self, field: str, value: object, lo: int, hi: int) -> None:
        if isinstance(value, list):
            self._length(field, value, len(value), lo, hi)

    def _length(self, field: str, value: object, size: int, lo: int, hi: int) -> None:
        if size < lo:
            self.add(
                field, value, f"Member must have length greater than or equal to {lo}"
            )
        elif size > hi:
            self.add(
                field, value, f"Member must have length less than or equal to {hi}"
            )


def full_match(pattern: str, value: str) -> bool:
    return re.fullmatch(_PYTHON_REGEX.get(pattern, pattern), value) is not None


def field_name(member: str) -> str:
    """AWS names fields in lowerCamelCase: ``WorkteamName`` -> ``workteamName``."""
    return member[:1].lower() + member[1:]


def check_tags(v: Violations, tags: object, field: str = "tags") -> None:
    if tags is None:
        return
    if not isinstance(tags, list):
        v.add(field, tags, "Member must be a list")
        return
    v.items_count(field, tags, 0, 50)
    for i, tag in enumerate(tags):
        _check_tag(v, tag, f"{field}.{i + 1}")


def _check_tag(v: Violations, tag: object, field: str) -> None:
    item: Mapping[str, Any] = tag if isinstance(tag, Mapping) else {}
    if v.required(f"{field}.member.key", item.get("Key")):
        v.string(f"{field}.member.key", item["Key"], 1, 128, TAG_TEXT)
    if v.required(f"{field}.member.value", item.get("Value")):
        v.string(f"{field}.member.value", item["Value"], 0, 256, TAG_TEXT)


def reserved_tag_keys(tags: Sequence[Mapping[str, Any]]) -> list[str]:
    """Keys under the ``aws:`` prefix, which AWS reserves for itself."""
    return [str(t["Key"]) for t in tags if str(t.get("Key", "")).startswith("aws:")]


def check_cidrs(v: Violations, config: object, field: str) -> None:
    """``SourceIpConfig``: at most 10 CIDRs, each a valid IPv4 or IPv6 CIDR.

    The API reference says "one to ten"; the model sets no size on the list,
    and an unrestricted workforce is described with ``"Cidrs": []``. Guess:
    the fake accepts an empty list, meaning "no restriction", so a client can
    lift a restriction it set.
    """
    cidrs = config.get("Cidrs") if isinstance(config, Mapping) else None
    if not v.required(f"{field}.cidrs", cidrs) or not isinstance(cidrs, list):
        return
    v.items_count(f"{field}.cidrs", cidrs, 0, 10)
    for i, cidr in enumerate(cidrs):
        v.string(f"{field}.cidrs.{i + 1}.member", cidr, 4, 64)
        if isinstance(cidr, str) and not is_cidr(cidr):
            v.add(f"{field}.cidrs.{i + 1}.member", cidr, "Member must be a CIDR")


def is_cidr(text: str) -> bool:
    if "/" not in text:
        return False
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def check_cognito_config(v: Violations, config: object, field: str) -> None:
    item: Mapping[str, Any] = config if isinstance(config, Mapping) else {}
    if v.required(f"{field}.userPool", item.get("UserPool")):
        v.string(f"{field}.userPool", item["UserPool"], 1, 55, USER_POOL)
    if v.required(f"{field}.clientId", item.get("ClientId")):
        v.string(f"{field}.clientId", item["ClientId"], 1, 1024, CLIENT_ID)


def check_oidc_config(v: Violations, config: object, field: str) -> None:
    item: Mapping[str, Any] = config if isinstance(config, Mapping) else {}
    for member in ("ClientId", "ClientSecret"):
        if v.required(f"{field}.{field_name(member)}", item.get(member)):
            v.string(f"{field}.{field_name(member)}", item[member], 1, 1024)
    for member in OIDC_ENDPOINTS:
        if v.required(f"{field}.{field_name(member)}", item.get(member)):
            v.string(
                f"{field}.{field_name(member)}", item[member], 0, 500, OIDC_ENDPOINT
            )


def check_member_definitions(v: Violations, members: object) -> None:
    if not v.required("memberDefinitions", members) or not isinstance(members, list):
        return
    v.items_count("memberDefinitions", members, 1, 10)
    for i, member in enumerate(members):
        _check_member(v, member, f"memberDefinitions.{i + 1}.member")


def _check_member(v: Violations, member: object, field: str) -> None:
    item: Mapping[str, Any] = member if isinstance(member, Mapping) else {}
    cognito = item.get("CognitoMemberDefinition")
    if cognito is not None:
        check_cognito_config(v, cognito, f"{field}.cognitoMemberDefinition")
        group = cognito.get("UserGroup") if isinstance(cognito, Mapping) else None
        if v.required(f"{field}.cognitoMemberDefinition.userGroup", group):
            v.string(
                f"{field}.cognitoMemberDefinition.userGroup", group, 1, 128, USER_GROUP
            )
    oidc = item.get("OidcMemberDefinition")
    if isinstance(oidc, Mapping) and oidc.get("Groups") is not None:
        v.items_count(f"{field}.oidcMemberDefinition.groups", oidc["Groups"], 1, 10)


def check_notification(v: Violations, config: object) -> None:
    if not isinstance(config, Mapping) or config.get("NotificationTopicArn") is None:
        return
    field = "notificationConfiguration.notificationTopicArn"
    v.string(field, config["NotificationTopicArn"], 0, 2048, TOPIC_ARN)


class SageMakerError(Exception):
    """An error the fake answers with: AWS error code, message, HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def validation_error(message: str) -> SageMakerError:
    return SageMakerError("ValidationException", message)


# -- whole requests ---------------------------------------------------------


def raise_violations(v: Violations) -> None:
    if v.items:
        raise validation_error(v.message())


def check_workforce_name(p: Params) -> None:
    v = Violations()
    if v.required("workforceName", p.get("WorkforceName")):
        v.string("workforceName", p["WorkforceName"], 1, 63, WORKFORCE_NAME)
    raise_violations(v)


def check_workteam_name(p: Params) -> None:
    v = Violations()
    _workteam_name_violations(v, p)
    raise_violations(v)


def _workteam_name_violations(v: Violations, p: Params) -> None:
    if v.required("workteamName", p.get("WorkteamName")):
        v.string("workteamName", p["WorkteamName"], 1, 63, WORKTEAM_NAME)


def check_list_params(v: Violations, p: Params) -> None:
    size = p.get("MaxResults")
    if isinstance(size, int) and not 1 <= size <= 100:
        v.add("maxResults", size, "Member must have value between 1 and 100")
    if p.get("SortBy") not in (None, "Name", "CreateDate"):
        v.add(
            "sortBy",
            p["SortBy"],
            "Member must satisfy enum value set: [Name, CreateDate]",
        )
    if p.get("SortOrder") not in (None, "Ascending", "Descending"):
        rule = "Member must satisfy enum value set: [Ascending, Descending]"
        v.add("sortOrder", p["SortOrder"], rule)


def check_create_workforce(p: Params) -> None:
    """Field checks, then: exactly one of CognitoConfig and OidcConfig.

    Confirmed rule ("Do not use OidcConfig if you specify values for
    CognitoConfig"; Terraform marks them ExactlyOneOf); messages are guesses.
    """
    v = Violations()
    if v.required("workforceName", p.get("WorkforceName")):
        v.string("workforceName", p["WorkforceName"], 1, 63, WORKFORCE_NAME)
    _check_identity_fields(v, p)
    _check_network_fields(v, p)
    check_tags(v, p.get("Tags"))
    raise_violations(v)
    has_cognito, has_oidc = p.get("CognitoConfig"), p.get("OidcConfig")
    if has_cognito and has_oidc:
        raise validation_error("Specify either CognitoConfig or OidcConfig, not both.")
    if not has_cognito and not has_oidc:
        raise validation_error("Specify CognitoConfig or OidcConfig.")
    refuse_reserved_tags(p.get("Tags") or [])
    refuse_ip_restriction_in_vpc(p.get("SourceIpConfig"), p, None)


def _check_identity_fields(v: Violations, p: Params) -> None:
    if p.get("CognitoConfig") is not None:
        check_cognito_config(v, p["CognitoConfig"], "cognitoConfig")
    if p.get("OidcConfig") is not None:
        check_oidc_config(v, p["OidcConfig"], "oidcConfig")


def _check_network_fields(v: Violations, p: Params) -> None:
    if p.get("SourceIpConfig") is not None:
        check_cidrs(v, p["SourceIpConfig"], "sourceIpConfig")
    vpc = p.get("WorkforceVpcConfig")
    if isinstance(vpc, Mapping):
        v.items_count(
            "workforceVpcConfig.securityGroupIds", vpc.get("SecurityGroupIds"), 1, 5
        )
        v.items_count("workforceVpcConfig.subnets", vpc.get("Subnets"), 1, 16)
    if p.get("IpAddressType") not in (None, "ipv4", "dualstack"):
        rule = "Member must satisfy enum value set: [ipv4, dualstack]"
        v.add("ipAddressType", p["IpAddressType"], rule)


def check_update_workforce(p: Params) -> None:
    v = Violations()
    if v.required("workforceName", p.get("WorkforceName")):
        v.string("workforceName", p["WorkforceName"], 1, 63, WORKFORCE_NAME)
    if p.get("OidcConfig") is not None:
        check_oidc_config(v, p["OidcConfig"], "oidcConfig")
    _check_network_fields(v, p)
    raise_violations(v)


def refuse_ip_restriction_in_vpc(
    source_ip: object, p: Params, current_vpc: Mapping[str, Any] | None
) -> None:
    """Confirmed rule: "SageMaker does not support Source Ip restriction for
    worker portals in VPC"; the error code and message are guesses."""
    vpc = p.get("WorkforceVpcConfig") or current_vpc
    cidrs = source_ip.get("Cidrs") if isinstance(source_ip, Mapping) else None
    if vpc and cidrs:
        raise validation_error(
            "Amazon SageMaker does not support Source Ip restriction for worker "
            "portals in VPC."
        )


def check_create_workteam(p: Params) -> None:
    """Field checks. Confirmed: ``Description`` is required, 1-200 characters
    (CloudFormation once answered "Workteam description cannot be empty")."""
    v = Violations()
    _workteam_name_violations(v, p)
    if p.get("WorkforceName") is not None:
        v.string("workforceName", p["WorkforceName"], 1, 63, WORKFORCE_NAME)
    check_member_definitions(v, p.get("MemberDefinitions"))
    if v.required("description", p.get("Description")):
        v.string("description", p["Description"], 1, 200)
    check_notification(v, p.get("NotificationConfiguration"))
    check_tags(v, p.get("Tags"))
    raise_violations(v)
    refuse_reserved_tags(p.get("Tags") or [])


def check_update_workteam(p: Params) -> None:
    v = Violations()
    _workteam_name_violations(v, p)
    if p.get("MemberDefinitions") is not None:
        check_member_definitions(v, p["MemberDefinitions"])
    v.string("description", p.get("Description"), 1, 200)
    check_notification(v, p.get("NotificationConfiguration"))
    raise_violations(v)


def check_resource_arn(v: Violations, p: Params) -> None:
    if v.required("resourceArn", p.get("ResourceArn")):
        pattern = r"arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:.+"
        v.string("resourceArn", p["ResourceArn"], 0, 256, pattern)


def refuse_reserved_tags(tags: Sequence[Mapping[str, Any]]) -> None:
    """Standard AWS rule: keys under ``aws:`` are reserved for AWS."""
    reserved = reserved_tag_keys(tags)
    if reserved:
        raise validation_error(
            f"Tag keys starting with 'aws:' are reserved: {reserved}"
        )
