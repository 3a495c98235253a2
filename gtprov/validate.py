"""Input validators, one per kind of value a user can give gtprov.

Each takes ``(value, field)`` and returns the normalised value, or raises
``InputError(field, rule, value=value)`` whose rule says what the value must
be. ``field`` is the option or file key the value came from (``--bucket``).

Pure: no AWS calls. The limits are those of the AWS API models (IAM
CreateRole/TagRole, S3 bucket naming, KMS, SNS, Lambda, Cognito, SageMaker
CreateWorkforce/CreateWorkteam); see docs/policies.md for the sources.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from gtprov.arn import Arn
from gtprov.errors import InputError

PARTITIONS = ("aws", "aws-cn", "aws-us-gov")

_ACCOUNT = re.compile(r"\d{12}")
_REGION = re.compile(r"[a-z]{2}(?:-gov)?-[a-z]+-\d{1,2}")
_IAM_NAME = re.compile(r"[\w+=,.@-]+", re.ASCII)
_IAM_PATH = re.compile(r"/|/[\x21-\x7e]+/")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IPV4_LIKE = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_BUCKET_BAD_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_BAD_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
_LAMBDA_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_LAMBDA_QUALIFIER = re.compile(r"\$LATEST|[A-Za-z0-9_-]{1,128}")
_LAMBDA_PARTIAL = re.compile(r"(\d{12}):function:(.+)")
_KEY_ID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}"
)
_ALIAS_NAME = re.compile(r"alias/[A-Za-z0-9/_-]+")
_TOPIC_NAME = re.compile(r"[A-Za-z0-9_-]+(?:\.fifo)?")
_EMAIL_LOCAL = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
)
_EMAIL_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_WORKFORCE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9-]{0,62}")
_WORKTEAM = re.compile(r"[a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62}")
_DOMAIN_PREFIX = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_DOMAIN_RESERVED = ("aws", "amazon", "cognito")
_USER_POOL_ID = re.compile(r"[\w-]+_[0-9a-zA-Z]+", re.ASCII)
_IAM_TEXT = re.compile(r"[\t\n\r\x20-\x7e\xa1-\xff]*")
_POLICY_TEXT = re.compile(r"[\x20-\xff]*")
_TAG_PUNCTUATION = frozenset("_.:/=+-@")
_ONE_LINE = re.compile(r".+")

MIN_SESSION, MAX_SESSION = 3600, 43200


def _fail(field: str, rule: str, value: object) -> InputError:
    return InputError(field, rule, value=value)


def _matching(pattern: re.Pattern[str], value: str, field: str, rule: str) -> str:
    if pattern.fullmatch(value) is None:
        raise _fail(field, rule, value)
    return value


def _length(value: str, low: int, high: int, field: str, what: str) -> str:
    if not low <= len(value) <= high:
        raise _fail(field, f"{what} must be {low} to {high} characters", value)
    return value


def _arn(value: str, field: str, what: str) -> Arn:
    try:
        return Arn.parse(value.strip())
    except ValueError:
        raise _fail(field, f"must be {what} ARN (arn:partition:...)", value) from None


# Accounts, Regions, partitions ---------------------------------------------


def account_id(value: str, field: str) -> str:
    return _matching(_ACCOUNT, value.strip(), field, "must be 12 digits")


def region(value: str, field: str) -> str:
    """A Region code such as us-east-1, cn-north-1 or us-gov-west-1.

    Only the partitions gtprov supports (aws, aws-cn, aws-us-gov) match.
    """
    rule = "must be a Region code like us-east-1, cn-north-1 or us-gov-west-1"
    return _matching(_REGION, value.strip(), field, rule)


def partition(value: str, field: str) -> str:
    if value.strip() not in PARTITIONS:
        raise _fail(field, "must be one of " + ", ".join(PARTITIONS), value)
    return value.strip()


def partition_for_region(region_code: str) -> str:
    """The partition a (validated) Region belongs to."""
    if region_code.startswith("cn-"):
        return "aws-cn"
    if region_code.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


# IAM names ---------------------------------------------------------------------


def role_name(value: str, field: str) -> str:
    """1-64 of letters, digits and ``+=,.@_-``. IAM compares names case-blind."""
    _length(value, 1, 64, field, "a role name")
    return _matching(_IAM_NAME, value, field, "may hold only letters, digits, +=,.@_-")


def role_path(value: str, field: str) -> str:
    """``/`` or ``/segment/.../``, 1-512 printable ASCII characters."""
    _length(value, 1, 512, field, "a path")
    return _matching(_IAM_PATH, value, field, "must be / or start and end with /")


def policy_name(value: str, field: str) -> str:
    _length(value, 1, 128, field, "a policy name")
    return _matching(_IAM_NAME, value, field, "may hold only letters, digits, +=,.@_-")


def description(value: str, field: str) -> str:
    """An IAM role description: up to 1,000 characters, Latin-1 only."""
    _length(value, 0, 1000, field, "a description")
    rule = "may hold only printable Latin-1 characters, tab and newline"
    return _matching(_IAM_TEXT, value, field, rule)


def max_session_duration(value: int | str, field: str) -> int:
    """Seconds, 3,600 to 43,200 (it does not bound sessions AWS services take)."""
    rule = f"must be a whole number of seconds from {MIN_SESSION} to {MAX_SESSION}"
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        raise _fail(field, rule, value) from None
    if not MIN_SESSION <= seconds <= MAX_SESSION:
        raise _fail(field, rule, value)
    return seconds


def tag(value: str, field: str) -> tuple[str, str]:
    """``KEY=VALUE`` as IAM accepts it: key 1-128, value 0-256, no ``aws:`` key."""
    key, sep, val = value.partition("=")
    if not sep:
        raise _fail(field, "must be KEY=VALUE", value)
    _length(key, 1, 128, field, "a tag key")
    _length(val, 0, 256, field, "a tag value")
    if key.lower().startswith("aws:"):
        raise _fail(field, "tag keys starting aws: are reserved for AWS", value)
    if not (_tag_text(key) and _tag_text(val)):
        rule = "tags may hold only letters, digits, spaces and _.:/=+-@"
        raise _fail(field, rule, value)
    return key, val


def _tag_text(text: str) -> bool:
    return all(
        ch in _TAG_PUNCTUATION or unicodedata.category(ch)[0] in "LZN" for ch in text
    )


# ARNs of IAM principals and policies --------------------------------------------


def role_arn(
    value: str,
    field: str,
    *,
    partition: str | None = None,
    account_id: str | None = None,
) -> str:
    """``arn:<partition>:iam::<account>:role/<path/>name``."""
    arn = _arn(value, field, "an IAM role")
    _iam_arn(arn, value, field, "role/", partition)
    if account_id is not None and arn.account != account_id:
        raise _fail(field, f"must be a role in account {account_id}", value)
    _path_and_name(arn.resource[len("role") :], field, role_name)
    return str(arn)


def iam_policy_arn(value: str, field: str, *, partition: str | None = None) -> str:
    """A managed policy ARN, customer (``<account>``) or AWS (``aws``) owned."""
    arn = _arn(value, field, "an IAM policy")
    _iam_arn(arn, value, field, "policy/", partition, owners=("aws",))
    _path_and_name(arn.resource[len("policy") :], field, policy_name)
    return str(arn)


def _iam_arn(
    arn: Arn,
    value: str,
    field: str,
    kind: str,
    partition: str | None,
    owners: tuple[str, ...] = (),
) -> None:
    owner_ok = arn.account in owners or _ACCOUNT.fullmatch(arn.account) is not None
    shape_ok = arn.service == "iam" and not arn.region and owner_ok
    if not (shape_ok and arn.resource.startswith(kind)):
        rule = f"must look like arn:aws:iam::123456789012:{kind}name"
        raise _fail(field, rule, value)
    if partition is not None and arn.partition != partition:
        raise _fail(field, f"must be in partition {partition}", value)


def _path_and_name(
    tail: str, field: str, check_name: Callable[[str, str], str]
) -> None:
    path, _, name = tail.rpartition("/")
    role_path(path + "/", field)
    check_name(name, field)


# S3 -----------------------------------------------------------------------------


@dataclass(frozen=True)
class S3Location:
    """A bucket and an optional key prefix, always read as a folder.

    ``prefix`` has no leading or trailing ``/``: ``s3://b/data`` and
    ``s3://b/data/`` are the same location, the objects under ``data/``.
    An empty prefix means the whole bucket.
    """

    bucket: str
    prefix: str = ""

    def __str__(self) -> str:
        return (
            f"s3://{self.bucket}/{self.prefix}"
            if self.prefix
            else f"s3://{self.bucket}"
        )

    def bucket_arn(self, partition: str) -> str:
        return f"arn:{partition}:s3:::{self.bucket}"

    def objects_arn(self, partition: str) -> str:
        folder = f"{self.prefix}/" if self.prefix else ""
        return f"arn:{partition}:s3:::{self.bucket}/{folder}*"


def bucket_name(value: str, field: str) -> str:
    """Today's S3 general purpose bucket naming rules.

    Buckets created in us-east-1 before March 2018 may carry upper case or
    ``_``; gtprov does not accept those legacy names.
    """
    name = value.strip()
    rule = "must be 3-63 lower-case letters, digits, dots and hyphens, "
    _matching(_BUCKET, name, field, rule + "starting and ending with a letter or digit")
    if ".." in name or _IPV4_LIKE.fullmatch(name):
        raise _fail(field, "must not hold '..' or look like an IP address", value)
    if name.startswith(_BUCKET_BAD_PREFIXES) or name.endswith(_BUCKET_BAD_SUFFIXES):
        raise _fail(field, "uses a prefix or suffix S3 reserves", value)
    return name


def s3_uri(value: str, field: str) -> S3Location:
    """``s3://bucket`` or ``s3://bucket/prefix``, a folder either way."""
    text = value.strip()
    if not text.startswith("s3://"):
        raise _fail(field, "must be an S3 URI like s3://bucket/prefix", value)
    bucket, _, key = text[len("s3://") :].partition("/")
    return S3Location(bucket_name(bucket, field), _s3_prefix(key.strip("/"), field))


def _s3_prefix(prefix: str, field: str) -> str:
    if len(prefix.encode()) > 1024:
        raise _fail(field, "the key prefix must be at most 1,024 bytes", prefix)
    if _POLICY_TEXT.fullmatch(prefix) is None:
        rule = "the key prefix may hold only printable Latin-1, as IAM policies do"
        raise _fail(field, rule, prefix)
    if any(bad in prefix for bad in ("*", "?", "${")):
        rule = "the key prefix must not hold *, ? or ${, which IAM reads as patterns"
        raise _fail(field, rule, prefix)
    return prefix


# Lambda --------------------------------------------------------------------------


def lambda_ref(
    value: str, field: str, *, region: str, account_id: str, partition: str
) -> str:
    """A function name, ``name:qualifier``, partial ARN or ARN, as its full ARN.

    The qualifier (version or alias) is kept: Ground Truth invokes exactly the
    ARN the labeling job names, and IAM matches that ARN.
    """
    text = value.strip()
    account = account_id
    if text.startswith("arn:"):
        text, account = _lambda_arn_tail(text, field, region, account_id, partition)
    elif (partial := _LAMBDA_PARTIAL.fullmatch(text)) is not None:
        account, text = partial.group(1), partial.group(2)
    if account != account_id:
        raise _fail(
            field, f"the function's account is {account}, not {account_id}", value
        )
    name = _lambda_function(text, field)
    return f"arn:{partition}:lambda:{region}:{account_id}:function:{name}"


def _lambda_arn_tail(
    text: str, field: str, region: str, account_id: str, partition: str
) -> tuple[str, str]:
    arn = _arn(text, field, "a Lambda function")
    want = {"partition": partition, "service": "lambda", "region": region}
    have = {"partition": arn.partition, "service": arn.service, "region": arn.region}
    _mismatches(want, have, text, field)
    if not arn.resource.startswith("function:"):
        raise _fail(field, "must name a function (…:function:name)", text)
    return arn.resource[len("function:") :], arn.account


def _mismatches(
    want: dict[str, str], have: dict[str, str], value: str, field: str
) -> None:
    wrong = [f"{k} is {have[k]!r}, not {want[k]!r}" for k in want if have[k] != want[k]]
    if wrong:
        raise _fail(field, "the ARN's " + "; ".join(wrong), value)


def _lambda_function(text: str, field: str) -> str:
    name, sep, qualifier = text.partition(":")
    rule = "function names are 1-64 letters, digits, - and _"
    _matching(_LAMBDA_NAME, name, field, rule)
    if sep:
        rule = "the qualifier must be $LATEST, a version or an alias name"
        _matching(_LAMBDA_QUALIFIER, qualifier, field, rule)
    return text


# KMS -----------------------------------------------------------------------------

KeyKind = Literal["key-arn", "key-id", "alias-name", "alias-arn"]


@dataclass(frozen=True)
class KeyRef:
    """A KMS key as the user named it; ``region``/``account`` only for ARNs."""

    kind: KeyKind
    value: str
    region: str | None = None
    account: str | None = None
    partition: str | None = None

    @property
    def is_alias(self) -> bool:
        return self.kind in ("alias-name", "alias-arn")


def kms_key_ref(value: str, field: str) -> KeyRef:
    """A key ID (UUID or ``mrk-`` multi-Region ID), key ARN, alias or alias ARN.

    ``alias/aws/...`` names AWS managed keys, whose key policies nobody can
    edit; gtprov needs a customer managed key, so those are refused.
    """
    text = value.strip()
    if text.startswith("arn:"):
        return _key_ref_from_arn(_arn(text, field, "a KMS key"), text, field)
    if text.startswith("alias/"):
        return KeyRef("alias-name", _alias_name(text, field))
    return KeyRef("key-id", _key_id(text, field))


def _key_ref_from_arn(arn: Arn, text: str, field: str) -> KeyRef:
    if arn.service != "kms" or _ACCOUNT.fullmatch(arn.account) is None:
        raise _fail(field, "must be a KMS ARN: arn:aws:kms:<region>:<account>:…", text)
    region(arn.region, field)
    if arn.resource.startswith("alias/"):
        kind: KeyKind = "alias-arn"
        _alias_name(arn.resource, field)
    elif arn.resource.startswith("key/"):
        kind = "key-arn"
        key_id = _key_id(arn.resource.removeprefix("key/"), field)
        arn = Arn(arn.partition, arn.service, arn.region, arn.account, "key/" + key_id)
    else:
        raise _fail(field, "a key ARN ends in key/<key-id> or alias/<name>", text)
    return KeyRef(kind, str(arn), arn.region, arn.account, arn.partition)


def _key_id(text: str, field: str) -> str:
    rule = "a key ID is a UUID or a multi-Region ID mrk-<32 hex digits>"
    return _matching(_KEY_ID, text.lower(), field, rule)


def _alias_name(text: str, field: str) -> str:
    _length(text, 7, 256, field, "an alias name")
    rule = "alias names are alias/ then letters, digits, /, _ and -"
    _matching(_ALIAS_NAME, text, field, rule)
    if text.startswith("alias/aws/"):
        rule = "alias/aws/ names an AWS managed key; give a customer managed key"
        raise _fail(field, rule, text)
    return text


def kms_key_arn(value: str, field: str, region: str, account: str | None = None) -> str:
    """A key ARN (not an alias) in ``region`` (and ``account`` if given)."""
    ref = kms_key_ref(value, field)
    if ref.kind != "key-arn":
        raise _fail(
            field, "must be a key ARN: arn:aws:kms:<region>:<account>:key/<id>", value
        )
    want = {"partition": partition_for_region(region), "region": region}
    have = {"partition": ref.partition or "", "region": ref.region or ""}
    if account is not None:
        want["account"], have["account"] = account, ref.account or ""
    _mismatches(want, have, value, field)
    return ref.value


# SNS ------------------------------------------------------------------------------


def sns_topic_arn(
    value: str,
    field: str,
    *,
    region: str | None = None,
    partition: str | None = None,
) -> str:
    """A topic ARN; the name is 1-256 letters, digits, ``-`` and ``_`` (+ ``.fifo``)."""
    arn = _arn(value, field, "an SNS topic")
    rule = "must be a topic ARN: arn:aws:sns:<region>:<account>:<topic-name>"
    if arn.service != "sns" or _ACCOUNT.fullmatch(arn.account) is None:
        raise _fail(field, rule, value)
    _length(arn.resource, 1, 256, field, "a topic name")
    _matching(_TOPIC_NAME, arn.resource, field, rule)
    want = {"region": region, "partition": partition}
    have = {"region": arn.region, "partition": arn.partition}
    given = {k: v for k, v in want.items() if v is not None}
    _mismatches(given, {k: have[k] for k in given}, value, field)
    return str(arn)


# Workers, workforce, work teams, Cognito -------------------------------------------


def email(value: str, field: str) -> str:
    """A worker's email address, lower-cased.

    A pragmatic subset of RFC 5322 (dot-atom local part, DNS host names), at
    most 128 characters because gtprov uses it as the Cognito user name.
    Cognito user names are case-sensitive unless the pool was created
    case-insensitive, so gtprov lower-cases every address: the same person
    typed twice in different case is one worker, never two.
    """
    text = value.strip().lower()
    _length(text, 3, 128, field, "an email address")
    local, at, domain = text.rpartition("@")
    ok = bool(at) and len(local) <= 64 and _EMAIL_LOCAL.fullmatch(local) is not None
    if not (ok and _EMAIL_DOMAIN.fullmatch(domain)):
        raise _fail(field, "must be an email address like name@example.com", value)
    return text


def cidr(value: str, field: str) -> str:
    """An IPv4 or IPv6 network in CIDR notation, host bits zero.

    Strict on purpose: ``10.0.0.7/24`` is refused with the network it
    probably means (``10.0.0.0/24``) rather than silently widened.
    """
    text = value.strip()
    if "/" not in text or not 4 <= len(text) <= 64:
        raise _fail(field, "must be a CIDR block like 203.0.113.0/24", value)
    try:
        return str(ipaddress.ip_network(text, strict=True))
    except ValueError:
        pass
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise _fail(field, "must be a CIDR block like 203.0.113.0/24", value) from None
    raise _fail(field, f"has host bits set; did you mean {network}?", value)


def workforce_name(value: str, field: str) -> str:
    rule = "must be 1-63 letters, digits and hyphens, starting with a letter or digit"
    return _matching(_WORKFORCE, value, field, rule)


def workteam_name(value: str, field: str) -> str:
    """Stricter than a workforce name: no leading or trailing hyphen."""
    _length(value, 1, 63, field, "a work team name")
    rule = "must be letters, digits and inner hyphens (no hyphen at either end)"
    return _matching(_WORKTEAM, value, field, rule)


def workteam_description(value: str, field: str) -> str:
    _length(value, 1, 200, field, "a work team description")
    return _matching(_ONE_LINE, value, field, "must be one line")


def domain_prefix(value: str, field: str) -> str:
    """A Cognito prefix domain: 1-63 of ``a-z0-9-``, no aws/amazon/cognito."""
    rule = "must be 1-63 lower-case letters, digits and inner hyphens"
    _matching(_DOMAIN_PREFIX, value, field, rule)
    if any(word in value for word in _DOMAIN_RESERVED):
        raise _fail(field, "must not contain aws, amazon or cognito", value)
    return value


def user_pool_id(value: str, field: str) -> str:
    _length(value, 1, 55, field, "a user pool ID")
    return _matching(_USER_POOL_ID, value, field, "must look like us-east-1_AbC123")


def group_name(value: str, field: str) -> str:
    """A Cognito group: 1-128 letters, marks, symbols, digits, punctuation."""
    _length(value, 1, 128, field, "a group name")
    if any(unicodedata.category(ch)[0] not in "LMSNP" for ch in value):
        raise _fail(field, "must not hold spaces or control characters", value)
    return value
