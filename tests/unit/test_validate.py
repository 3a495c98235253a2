from __future__ import annotations

import ipaddress
import string
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gtprov import validate as v
from gtprov.errors import InputError
from gtprov.exitcodes import ExitCode

ACCOUNT = "123456789012"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
MRK_ID = "mrk-0123456789abcdef0123456789abcdef"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}"


def _lambda(value: str, field: str) -> str:
    return v.lambda_ref(
        value, field, region="us-east-1", account_id=ACCOUNT, partition="aws"
    )


def _key_arn(value: str, field: str) -> str:
    return v.kms_key_arn(value, field, "us-east-1", ACCOUNT)


def _topic(value: str, field: str) -> str:
    return v.sns_topic_arn(value, field, region="us-east-1", partition="aws")


VALID: list[tuple[Callable[[str, str], Any], str, Any]] = [
    (v.account_id, " 123456789012 ", ACCOUNT),
    (v.region, "us-east-1", "us-east-1"),
    (v.region, "cn-northwest-1", "cn-northwest-1"),
    (v.region, "us-gov-west-1", "us-gov-west-1"),
    (v.region, "ap-southeast-5", "ap-southeast-5"),
    (v.partition, "aws-us-gov", "aws-us-gov"),
    (v.role_name, "Gt+Role=,.@_-1", "Gt+Role=,.@_-1"),
    (v.role_name, "r" * 64, "r" * 64),
    (v.role_path, "/", "/"),
    (v.role_path, "/service-role/gt/", "/service-role/gt/"),
    (v.policy_name, "gtprov-execution", "gtprov-execution"),
    (v.description, "Ground Truth execution role\n", "Ground Truth execution role\n"),
    (v.max_session_duration, "3600", 3600),
    (v.tag, "team=ml ops", ("team", "ml ops")),
    (v.tag, "empty=", ("empty", "")),
    (v.tag, "k=a=b", ("k", "a=b")),
    (v.bucket_name, "my.bucket-1", "my.bucket-1"),
    (v.s3_uri, "s3://b1b/data/", v.S3Location("b1b", "data")),
    (v.s3_uri, "s3://b1b//data/x", v.S3Location("b1b", "data/x")),
    (v.s3_uri, "s3://b1b", v.S3Location("b1b", "")),
    (_lambda, "pre", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:pre"),
    (_lambda, "pre:prod", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:pre:prod"),
    (
        _lambda,
        "pre:$LATEST",
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:pre:$LATEST",
    ),
    (
        _lambda,
        f"{ACCOUNT}:function:pre",
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:pre",
    ),
    (
        _lambda,
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:pre:7",
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:pre:7",
    ),
    (_key_arn, KEY_ARN.replace("abcd", "ABCD"), KEY_ARN),
    (_topic, f"arn:aws:sns:us-east-1:{ACCOUNT}:gt-in_1.fifo", None),
    (v.role_arn, f"arn:aws:iam::{ACCOUNT}:role/a/b/GtRole", None),
    (v.iam_policy_arn, "arn:aws:iam::aws:policy/PowerUserAccess", None),
    (v.iam_policy_arn, f"arn:aws-cn:iam::{ACCOUNT}:policy/gtprov/boundary", None),
    (v.email, " Ann.Lee+gt@Example.COM ", "ann.lee+gt@example.com"),
    (v.cidr, "203.0.113.0/24", "203.0.113.0/24"),
    (v.cidr, "2001:DB8::/32", "2001:db8::/32"),
    (v.workforce_name, "default", "default"),
    (v.workforce_name, "a-", "a-"),
    (v.workteam_name, "team--1", "team--1"),
    (v.workteam_description, "Labelers", "Labelers"),
    (v.domain_prefix, "gt-labeling-1", "gt-labeling-1"),
    (v.user_pool_id, "us-east-1_AbC123", "us-east-1_AbC123"),
    (v.group_name, "labelers-ü", "labelers-ü"),
]


@pytest.mark.parametrize(("check", "value", "expected"), VALID)
def test_validators_accept_and_normalise_valid_values(
    check: Callable[[str, str], Any], value: str, expected: Any
) -> None:
    result = check(value, "--x")
    assert result == (value.strip() if expected is None else expected)


INVALID: list[tuple[Callable[[str, str], Any], str]] = [
    (v.account_id, "12345678901"),
    (v.account_id, "12345678901a"),
    (v.region, "US-EAST-1"),
    (v.region, "moon-base-1"),
    (v.region, "us-iso-east-1"),
    (v.region, "eusc-de-east-1"),
    (v.partition, "aws-iso"),
    (v.role_name, ""),
    (v.role_name, "a b"),
    (v.role_name, "r" * 65),
    (v.role_name, "röle"),
    (v.role_path, "a/"),
    (v.role_path, "/a"),
    (v.role_path, "/" + "a" * 511 + "/"),
    (v.role_path, "/a b/"),
    (v.policy_name, "p" * 129),
    (v.description, "d" * 1001),
    (v.description, "emoji \U0001f600"),
    (v.max_session_duration, "3599"),
    (v.max_session_duration, "43201"),
    (v.max_session_duration, "one hour"),
    (v.tag, "novalue"),
    (v.tag, "=value"),
    (v.tag, "aws:owner=me"),
    (v.tag, "AWS:owner=me"),
    (v.tag, "k" * 129 + "=v"),
    (v.tag, "k=" + "v" * 257),
    (v.tag, "k=a;b"),
    (v.bucket_name, "ab"),
    (v.bucket_name, "b" * 64),
    (v.bucket_name, "Bucket"),
    (v.bucket_name, "my_bucket"),
    (v.bucket_name, "-bucket"),
    (v.bucket_name, "bucket-"),
    (v.bucket_name, "a..b"),
    (v.bucket_name, "192.168.10.1"),
    (v.bucket_name, "xn--bucket"),
    (v.bucket_name, "sthree-bucket"),
    (v.bucket_name, "bucket-s3alias"),
    (v.bucket_name, "bucket--ol-s3"),
    (v.s3_uri, "https://bucket/x"),
    (v.s3_uri, "s3://"),
    (v.s3_uri, "s3://Bucket/x"),
    (v.s3_uri, "s3://bucket/x*"),
    (v.s3_uri, "s3://bucket/x?"),
    (v.s3_uri, "s3://bucket/${aws:username}"),
    (v.s3_uri, "s3://bucket/\u4e2d\u6587"),
    (v.s3_uri, "s3://bucket/" + "k" * 1025),
    (_lambda, ""),
    (_lambda, "bad name"),
    (_lambda, "f" * 65),
    (_lambda, "pre:bad qualifier"),
    (_lambda, "999999999999:function:pre"),
    (_lambda, "arn:aws:lambda:us-west-2:123456789012:function:pre"),
    (_lambda, "arn:aws-cn:lambda:us-east-1:123456789012:function:pre"),
    (_lambda, "arn:aws:lambda:us-east-1:999999999999:function:pre"),
    (_lambda, "arn:aws:sqs:us-east-1:123456789012:function:pre"),
    (_lambda, "arn:aws:lambda:us-east-1:123456789012:layer:pre"),
    (_key_arn, KEY_ID),
    (_key_arn, "alias/gt"),
    (_key_arn, f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/gt"),
    (_key_arn, KEY_ARN.replace("us-east-1", "us-west-2")),
    (_key_arn, KEY_ARN.replace(ACCOUNT, "999999999999")),
    (_key_arn, KEY_ARN.replace("arn:aws:", "arn:aws-cn:")),
    (_key_arn, f"arn:aws:kms:us-east-1:{ACCOUNT}:key/not-a-key-id"),
    (_key_arn, f"arn:aws:s3:us-east-1:{ACCOUNT}:key/{KEY_ID}"),
    (_topic, f"arn:aws:sns:us-west-2:{ACCOUNT}:t"),
    (_topic, f"arn:aws:sns:us-east-1:{ACCOUNT}:bad.name"),
    (_topic, f"arn:aws:sns:us-east-1:{ACCOUNT}:" + "t" * 257),
    (_topic, f"arn:aws:sqs:us-east-1:{ACCOUNT}:t"),
    (_topic, f"arn:aws:sns:us-east-1:{ACCOUNT}:t:3f1c2a7e-sub"),
    (v.role_arn, f"arn:aws:iam::{ACCOUNT}:user/bob"),
    (v.role_arn, f"arn:aws:iam:us-east-1:{ACCOUNT}:role/x"),
    (v.role_arn, f"arn:aws:iam::{ACCOUNT}:role/bad name"),
    (v.role_arn, "arn:aws:iam::aws:role/x"),
    (v.iam_policy_arn, f"arn:aws:iam::{ACCOUNT}:role/x"),
    (v.iam_policy_arn, "arn:aws:iam::amazon:policy/x"),
    (v.email, "no-at-sign"),
    (v.email, "a@b"),
    (v.email, "a..b@example.com"),
    (v.email, ".a@example.com"),
    (v.email, "a b@example.com"),
    (v.email, "a@-example.com"),
    (v.email, "x" * 65 + "@example.com"),
    (v.email, "a@" + "e" * 120 + ".com"),
    (v.cidr, "10.0.0.7/24"),
    (v.cidr, "10.0.0.0"),
    (v.cidr, "10.0.0.0/33"),
    (v.cidr, "2001:db8::1/32"),
    (v.cidr, "not/a/cidr"),
    (v.workforce_name, "-default"),
    (v.workforce_name, "w" * 64),
    (v.workforce_name, "under_score"),
    (v.workteam_name, "team-"),
    (v.workteam_name, "-team"),
    (v.workteam_name, "t" + "-" * 62 + "t"),
    (v.workteam_description, ""),
    (v.workteam_description, "d" * 201),
    (v.workteam_description, "two\nlines"),
    (v.domain_prefix, "Upper"),
    (v.domain_prefix, "-lead"),
    (v.domain_prefix, "trail-"),
    (v.domain_prefix, "my-aws-portal"),
    (v.domain_prefix, "amazonlabel"),
    (v.domain_prefix, "cognito1"),
    (v.domain_prefix, "d" * 64),
    (v.user_pool_id, "nounderscore"),
    (v.user_pool_id, "us-east-1_" + "a" * 46),
    (v.group_name, ""),
    (v.group_name, "two words"),
    (v.group_name, "tab\tname"),
    (v.group_name, "g" * 129),
]


@pytest.mark.parametrize(("check", "value"), INVALID)
def test_validators_raise_input_error_naming_the_field(
    check: Callable[[str, str], Any], value: str
) -> None:
    with pytest.raises(InputError) as caught:
        check(value, "--the-option")
    assert caught.value.field == "--the-option"
    assert caught.value.exit_code is ExitCode.USAGE
    assert caught.value.rule


@pytest.mark.parametrize(
    "value",
    [
        "alias/aws/s3",
        f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/aws/sns",
        "alias/",
        "alias/bad name",
        "not-a-key",
        f"arn:aws:kms:us-east-1:{ACCOUNT}:grant/x",
        f"arn:aws:kms:moon-1:{ACCOUNT}:key/{KEY_ID}",
    ],
)
def test_kms_key_ref_refuses_aws_managed_aliases_and_malformed_keys(value: str) -> None:
    with pytest.raises(InputError) as caught:
        v.kms_key_ref(value, "--kms-key")
    assert caught.value.field == "--kms-key"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (KEY_ID, "key-id"),
        (MRK_ID, "key-id"),
        (KEY_ARN, "key-arn"),
        (f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{MRK_ID}", "key-arn"),
        ("alias/gt/labeling", "alias-name"),
        (f"arn:aws-us-gov:kms:us-gov-west-1:{ACCOUNT}:alias/gt", "alias-arn"),
    ],
)
def test_kms_key_ref_tells_the_kind_of_reference(value: str, kind: str) -> None:
    ref = v.kms_key_ref(value, "--kms-key")
    assert ref.kind == kind
    assert ref.is_alias == kind.startswith("alias")


def test_kms_key_ref_keeps_region_account_and_partition_of_arns() -> None:
    ref = v.kms_key_ref(f"arn:aws-cn:kms:cn-north-1:{ACCOUNT}:key/{KEY_ID}", "--k")
    assert (ref.region, ref.account, ref.partition) == ("cn-north-1", ACCOUNT, "aws-cn")


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-east-1", "aws"),
        ("eu-central-2", "aws"),
        ("cn-north-1", "aws-cn"),
        ("us-gov-east-1", "aws-us-gov"),
    ],
)
def test_partition_for_region_maps_each_supported_partition(
    region: str, partition: str
) -> None:
    assert v.partition_for_region(region) == partition


def test_s3_location_arns_separate_bucket_from_objects() -> None:
    location = v.S3Location("b1b", "data/x")
    assert location.bucket_arn("aws-cn") == "arn:aws-cn:s3:::b1b"
    assert location.objects_arn("aws") == "arn:aws:s3:::b1b/data/x/*"
    assert v.S3Location("b1b").objects_arn("aws") == "arn:aws:s3:::b1b/*"


def test_cidr_host_bits_error_carries_the_value_given() -> None:
    with pytest.raises(InputError) as caught:
        v.cidr("10.0.0.7/24", "--cidr")
    assert "10.0.0.0/24" in caught.value.rule


# Properties ---------------------------------------------------------------------


@given(st.text(alphabet=string.digits, min_size=12, max_size=12))
def test_every_twelve_digit_string_is_an_account_id(text: str) -> None:
    assert v.account_id(text, "--account-id") == text


@given(st.text(alphabet=string.digits).filter(lambda t: len(t) != 12))
def test_digit_strings_of_other_lengths_are_not_account_ids(text: str) -> None:
    with pytest.raises(InputError):
        v.account_id(text, "--account-id")


_bucket_chars = string.ascii_lowercase + string.digits
buckets = st.builds(
    lambda first, middle, last: first + middle + last,
    st.sampled_from(string.ascii_lowercase),
    st.text(alphabet=_bucket_chars + "-", min_size=1, max_size=40),
    st.sampled_from(_bucket_chars),
).filter(lambda b: not b.startswith(("xn--", "sthree-")) and not b.endswith("--ol-s3"))
prefixes = st.lists(
    st.text(
        alphabet=string.ascii_letters + string.digits + "-_.", min_size=1, max_size=8
    ),
    max_size=4,
).map("/".join)


@given(buckets)
def test_bucket_names_made_of_allowed_parts_are_accepted_unchanged(bucket: str) -> None:
    assert v.bucket_name(bucket, "--bucket") == bucket


@given(buckets, prefixes, st.booleans())
def test_s3_uri_round_trips_and_ignores_a_trailing_slash(
    bucket: str, prefix: str, slash: bool
) -> None:
    uri = f"s3://{bucket}/{prefix}" + ("/" if slash else "")
    location = v.s3_uri(uri, "--input-uri")
    assert (location.bucket, location.prefix) == (bucket, prefix)
    assert v.s3_uri(str(location), "--input-uri") == location


@given(st.ip_addresses(), st.integers(min_value=0, max_value=128))
def test_cidr_accepts_exactly_the_networks_with_host_bits_zero(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, bits: int
) -> None:
    bits = min(bits, address.max_prefixlen)
    text = f"{address}/{bits}"
    network = ipaddress.ip_network(text, strict=False)
    if network.network_address == address:
        assert v.cidr(text, "--cidr") == str(network)
    else:
        with pytest.raises(InputError):
            v.cidr(text, "--cidr")


@given(st.emails())
def test_email_is_lower_cased_and_idempotent(address: str) -> None:
    try:
        first = v.email(address, "--email")
    except InputError:
        return  # hypothesis emails include forms gtprov's subset refuses
    assert first == first.lower()
    assert v.email(first, "--email") == first


@given(
    st.text(
        alphabet=string.ascii_letters + string.digits + "_.:/=+-@ ",
        min_size=1,
        max_size=128,
    ).filter(lambda k: not k.lower().startswith("aws:") and "=" not in k),
    st.text(alphabet=string.ascii_letters + string.digits + "_.:/=+-@ ", max_size=256),
)
def test_tag_splits_at_the_first_equals_sign(key: str, value: str) -> None:
    assert v.tag(f"{key}={value}", "--tag") == (key, value)


@given(st.integers())
def test_max_session_duration_accepts_only_its_range(seconds: int) -> None:
    if 3600 <= seconds <= 43200:
        assert v.max_session_duration(seconds, "--max-session-duration") == seconds
    else:
        with pytest.raises(InputError):
            v.max_session_duration(seconds, "--max-session-duration")
