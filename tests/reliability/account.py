"""Read the whole emulated account back with boto3, in a form runs can compare.

``snapshot()`` is everything gtprov could have touched: every role with its
trust policy, inline and attached policies and tags; every KMS key with its
state, tags, aliases, key policy and rotation; every user pool with its
settings, domain, app clients (without secrets), groups, users and
memberships; the workforce; every work team with its members and tags; every
topic with its policy, tags and subscriptions. Generated ids (key ids, pool
and client ids, user names, the portal subdomain) are replaced by
placeholders named after what is stable (alias, pool name, client name,
email), numbered by creation order, and dates are dropped, so two runs that
made the same account compare equal, and one that left an orphan (a second
pool, an extra key) does not.

``gtprov_leftovers(found)`` lists what still carries a gtprov mark after a
destroy; keys gtprov created must be ``PendingDeletion``, never live.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

import boto3

from gtprov.ownership import INLINE_POLICY_PREFIX, KEY_POLICY_SID_PREFIX, TAG_KEY

Json = dict[str, Any]
GROUP_MARK = "(gtprov:managed-by=gtprov)"
VOLATILE = frozenset(
    {"ResponseMetadata", "RoleId", "PolicyId", "RoleLastUsed", "ClientSecret", "sub"}
)
"""Keys whose values differ between identical runs (ids AWS generates)."""


@cache
def _client(service: str, endpoint: str) -> Any:
    return boto3.session.Session().client(service, endpoint_url=endpoint)


def client(service: str) -> Any:
    """A boto3 client of the emulator, made once per process (clients are slow)."""
    return _client(service, os.environ["AWS_ENDPOINT_URL"])


# The whole account -----------------------------------------------------------------


def snapshot() -> Json:
    """The account, normalised: equal for two runs that made the same state."""
    names: dict[str, str] = {}
    data = {
        "roles": _roles(),
        "keys": _keys(names),
        "user_pools": _pools(names),
        "workforces": _workforces(names),
        "workteams": _workteams(),
        "topics": _topics(),
    }
    return _renamed(_undated(data), names)


def _roles() -> dict[str, Json]:
    iam = client("iam")
    roles = _pages(iam, "list_roles", "Roles")
    return {r["RoleName"]: _role(iam, r["RoleName"]) for r in roles}


def _role(iam: Any, name: str) -> Json:
    role = iam.get_role(RoleName=name)["Role"]
    inline = _pages(iam, "list_role_policies", "PolicyNames", RoleName=name)
    attached = _pages(
        iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name
    )
    return {
        **{k: v for k, v in role.items() if k not in ("Tags", "Arn")},
        "Arn": role["Arn"],
        "Tags": _tags(role.get("Tags", [])),
        "InlinePolicies": {
            p: _doc(iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"])
            for p in sorted(inline)
        },
        "AttachedPolicies": {
            a["PolicyArn"]: _managed(iam, a["PolicyArn"]) for a in attached
        },
    }


def _managed(iam: Any, arn: str) -> Json:
    if ":aws:policy/" in arn:
        return {}
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    version = iam.get_policy_version(
        PolicyArn=arn, VersionId=policy["DefaultVersionId"]
    )
    return {
        "Tags": _tags(policy.get("Tags", [])),
        "Document": _doc(version["PolicyVersion"]["Document"]),
    }


def _keys(names: dict[str, str]) -> dict[str, Json]:
    kms = client("kms")
    aliases = _pages(kms, "list_aliases", "Aliases")
    found = [
        kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]
        for k in _pages(kms, "list_keys", "Keys")
    ]
    keys: dict[str, Json] = {}
    for meta in _by_creation(found):
        named = sorted(
            a["AliasName"] for a in aliases if a.get("TargetKeyId") == meta["KeyId"]
        )
        label = _label(names, "key", ",".join(named) or meta.get("Description", ""))
        names[meta["KeyId"]] = label
        keys[label] = _key(kms, meta, named)
    return keys


def _key(kms: Any, meta: Json, aliases: list[str]) -> Json:
    key_id = meta["KeyId"]
    policy = kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    tags = kms.list_resource_tags(KeyId=key_id).get("Tags", [])
    live = meta["KeyState"] == "Enabled"
    rotation = (
        kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"]
        if live
        else None
    )
    return {
        "State": meta["KeyState"],
        "Description": meta.get("Description", ""),
        "KeySpec": meta.get("KeySpec"),
        "Aliases": aliases,
        "Tags": _tags(tags),
        "Policy": json.loads(policy),
        "Rotation": rotation,
    }


def _pools(names: dict[str, str]) -> dict[str, Json]:
    idp = client("cognito-idp")
    listed = _pages(idp, "list_user_pools", "UserPools", MaxResults=60)
    described = [idp.describe_user_pool(UserPoolId=p["Id"])["UserPool"] for p in listed]
    pools: dict[str, Json] = {}
    for pool in _by_creation(described):
        label = _label(names, "pool", pool["Name"])
        names[pool["Id"]] = label
        pools[label] = _pool(idp, pool, names)
    return pools


def _pool(idp: Any, pool: Json, names: dict[str, str]) -> Json:
    pool_id = pool["Id"]
    groups = _pages(idp, "list_groups", "Groups", UserPoolId=pool_id)
    users = _pages(idp, "list_users", "Users", UserPoolId=pool_id)
    for user in users:
        names[user["Username"]] = f"<user:{_email(user)}>"
    domain = pool.get("Domain")
    return {
        **{k: v for k, v in pool.items() if k not in ("Id", "Arn")},
        "DomainDescription": _domain(idp, domain) if domain else None,
        "Clients": _clients(idp, pool_id, names),
        "Groups": {g["GroupName"]: _group(idp, pool_id, g) for g in groups},
        "Users": {_email(u): _user(u) for u in users},
    }


def _domain(idp: Any, domain: str) -> Json:
    found = idp.describe_user_pool_domain(Domain=domain)["DomainDescription"]
    return {k: found.get(k) for k in ("Domain", "Status", "UserPoolId")}


def _clients(idp: Any, pool_id: str, names: dict[str, str]) -> dict[str, Json]:
    listed = _pages(
        idp,
        "list_user_pool_clients",
        "UserPoolClients",
        UserPoolId=pool_id,
        MaxResults=60,
    )
    described = [
        idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=c["ClientId"])[
            "UserPoolClient"
        ]
        for c in listed
    ]
    clients: dict[str, Json] = {}
    for found in _by_creation(described):
        label = _label(names, "client", found["ClientName"])
        names[found["ClientId"]] = label
        clients[label] = {**found, "HasSecret": bool(found.get("ClientSecret"))}
    return clients


def _group(idp: Any, pool_id: str, group: Json) -> Json:
    members = _pages(
        idp,
        "list_users_in_group",
        "Users",
        UserPoolId=pool_id,
        GroupName=group["GroupName"],
    )
    return {
        "Description": group.get("Description"),
        "Precedence": group.get("Precedence"),
        "Members": sorted(_email(u) for u in members),
    }


def _user(user: Json) -> Json:
    attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
    return {
        "Attributes": {k: v for k, v in sorted(attributes.items()) if k != "sub"},
        "UserStatus": user.get("UserStatus"),
        "Enabled": user.get("Enabled"),
    }


def _email(user: Json) -> str:
    attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
    return str(attributes.get("email", user["Username"]))


def _workforces(names: dict[str, str]) -> dict[str, Json]:
    sm = client("sagemaker")
    found = {}
    for listed in sm.list_workforces()["Workforces"]:
        name = listed["WorkforceName"]
        workforce = sm.describe_workforce(WorkforceName=name)["Workforce"]
        subdomain = str(workforce.get("SubDomain", ""))
        names[subdomain.partition(".")[0]] = "<subdomain>"
        names[workforce.get("WorkforceId", "")] = "<workforce-id>"
        found[name] = workforce
    return found


def _workteams() -> dict[str, Json]:
    sm = client("sagemaker")
    teams = _pages(sm, "list_workteams", "Workteams")
    return {
        t["WorkteamName"]: {
            **sm.describe_workteam(WorkteamName=t["WorkteamName"])["Workteam"],
            "Tags": _tags(sm.list_tags(ResourceArn=t["WorkteamArn"])["Tags"]),
        }
        for t in teams
    }


def _topics() -> dict[str, Json]:
    sns = client("sns")
    found = {}
    for topic in _pages(sns, "list_topics", "Topics"):
        arn = topic["TopicArn"]
        attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        tags = sns.list_tags_for_resource(ResourceArn=arn)["Tags"]
        subscribed = _pages(
            sns, "list_subscriptions_by_topic", "Subscriptions", TopicArn=arn
        )
        found[arn] = {
            "Policy": json.loads(attributes.get("Policy", "{}")),
            "DisplayName": attributes.get("DisplayName"),
            "Tags": _tags(tags),
            "Subscriptions": sorted(
                f"{s['Protocol']}:{s['Endpoint']}" for s in subscribed
            ),
        }
    return found


# What gtprov still holds after a destroy ----------------------------------------------


def gtprov_leftovers(found: Json) -> list[str]:
    """What in the snapshot ``found`` still carries a gtprov mark and is not
    scheduled to go.

    Roles, inline and managed policies, live keys, aliases of gtprov keys and
    key-policy statements gtprov added; user pools, groups, work teams,
    topics; the workforce when its pool is gtprov's.
    """
    return sorted(
        [
            *_role_leftovers(found["roles"]),
            *_key_leftovers(found["keys"]),
            *_workforce_leftovers(found),
            *(f"topic {a}" for a, t in found["topics"].items() if _ours(t["Tags"])),
        ]
    )


def _ours(tags: Mapping[str, str]) -> bool:
    return tags.get(TAG_KEY) == "gtprov"


def _role_leftovers(roles: Mapping[str, Json]) -> Iterable[str]:
    for name, role in roles.items():
        if _ours(role["Tags"]):
            yield f"role {name}"
        yield from (
            f"inline policy {name}/{p}"
            for p in role["InlinePolicies"]
            if p.startswith(INLINE_POLICY_PREFIX)
        )
        yield from (
            f"managed policy {a}"
            for a in role["AttachedPolicies"]
            if ":policy/gtprov/" in a
        )


def _key_leftovers(keys: Mapping[str, Json]) -> Iterable[str]:
    for label, key in keys.items():
        if key["State"] == "PendingDeletion":
            continue
        if _ours(key["Tags"]):
            yield f"live key {label} ({key['State']})"
        yield from (
            f"statement {s.get('Sid')} in key {label}"
            for s in key["Policy"].get("Statement", [])
            if str(s.get("Sid", "")).startswith(KEY_POLICY_SID_PREFIX)
        )


def _workforce_leftovers(found: Json) -> Iterable[str]:
    ours = {
        label
        for label, pool in found["user_pools"].items()
        if _ours(pool["UserPoolTags"])
    }
    yield from (f"user pool {label}" for label in sorted(ours))
    for label, pool in found["user_pools"].items():
        yield from (
            f"group {label}/{g}"
            for g, group in pool["Groups"].items()
            if GROUP_MARK in str(group["Description"])
        )
    for name, workforce in found["workforces"].items():
        if workforce.get("CognitoConfig", {}).get("UserPool") in ours:
            yield f"workforce {name}"
    yield from (
        f"work team {n}" for n, t in found["workteams"].items() if _ours(t["Tags"])
    )


# Plumbing ---------------------------------------------------------------------------


def _pages(api: Any, method: str, key: str, **params: Any) -> list[Any]:
    if api.can_paginate(method):
        pages = api.get_paginator(method).paginate(**params)
        return [item for page in pages for item in page.get(key, [])]
    return list(getattr(api, method)(**params).get(key, []))


def _tags(items: Iterable[Mapping[str, str]]) -> dict[str, str]:
    return {
        t.get("Key", t.get("TagKey", "")): t.get("Value", t.get("TagValue", ""))
        for t in items
    }


def _doc(value: str | Json) -> Json:
    return json.loads(value) if isinstance(value, str) else dict(value)


def _by_creation(items: list[Json]) -> list[Json]:
    """Oldest first; equal dates (moto keeps seconds) in listing order."""
    order = {id(item): n for n, item in enumerate(items)}
    return sorted(items, key=lambda i: (str(i.get("CreationDate", "")), order[id(i)]))


def _label(names: Mapping[str, str], kind: str, stable: str) -> str:
    taken = sum(1 for v in names.values() if v.startswith(f"<{kind}:{stable}#"))
    return f"<{kind}:{stable}#{taken + 1}>"


def _undated(value: Any) -> Any:
    """Without dates and generated ids: they differ between equal runs."""
    if isinstance(value, Mapping):
        return {
            k: _undated(v)
            for k, v in value.items()
            if k not in VOLATILE and not k.endswith(("Date", "DateTime"))
        }
    if isinstance(value, list):
        return [_undated(v) for v in value]
    return value


def _renamed(data: Json, names: Mapping[str, str]) -> Json:
    """Every generated id replaced by its placeholder, longest first."""
    text = json.dumps(data, sort_keys=True, default=str)
    for generated in sorted((n for n in names if n), key=len, reverse=True):
        text = text.replace(generated, names[generated])
    result: Json = _sorted_lists(json.loads(text))
    return result


def _sorted_lists(value: Any) -> Any:
    """Lists of strings in one order: gtprov sorts a policy's ARNs by key id,
    which differ from run to run, so only their placeholders are comparable.
    Policy documents are compared as IAM reads them, where order is no
    meaning; statement lists (of objects) keep their order."""
    if isinstance(value, dict):
        return {k: _sorted_lists(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sorted_lists(v) for v in value]
        return sorted(items) if all(isinstance(v, str) for v in items) else items
    return value


def without_pending_keys(state: Json) -> tuple[Json, dict[str, Json]]:
    """``state`` without keys pending deletion, and those keys.

    KMS deletes a key at the earliest seven days after ScheduleKeyDeletion;
    a key in ``PendingDeletion`` is as gone as AWS allows within a test.
    """
    keys = state["keys"]
    pending = {k: v for k, v in keys.items() if v["State"] == "PendingDeletion"}
    live = {k: v for k, v in keys.items() if k not in pending}
    return {**state, "keys": live}, pending
