from __future__ import annotations

import pytest

from gtprov.errors import InputError
from gtprov.models.role import (
    DEFAULT_DESCRIPTION,
    REMOVE_BOUNDARY,
    UNKNOWN_ACCOUNT,
    Account,
    KeyGrant,
    RoleFields,
    RoleValues,
    build_execution_role,
)

ACCOUNT = Account("123456789012", "us-east-1", "aws")
OFFLINE = Account(UNKNOWN_ACCOUNT, "us-east-1", "aws")


def values(**kwargs: object) -> RoleValues:
    base: dict[str, object] = {"name": "GtLabeling", "buckets": ("gt-data",)}
    base.update(kwargs)
    return RoleValues(**base)  # type: ignore[arg-type]


def refused(v: RoleValues, account: Account = ACCOUNT) -> InputError:
    with pytest.raises(InputError) as caught:
        build_execution_role(v, account)
    return caught.value


def test_defaults_make_a_role_at_the_root_path_with_gtprovs_description() -> None:
    role = build_execution_role(values(), ACCOUNT)
    assert (role.path, role.create_path) == (None, "/")
    assert role.description == DEFAULT_DESCRIPTION
    assert role.max_session_duration == 3600
    assert role.permissions_boundary is None
    assert role.arn == "arn:aws:iam::123456789012:role/GtLabeling"


def test_path_enters_the_arn_and_the_existing_roles_name_and_path_win() -> None:
    role = build_execution_role(values(path="/labeling/"), ACCOUNT)
    assert role.arn == "arn:aws:iam::123456789012:role/labeling/GtLabeling"
    moved = role.as_existing("gtlabeling", "/x/")
    assert (moved.name, moved.permissions.role_path) == ("gtlabeling", "/x/")
    assert moved.arn.endswith(":role/x/gtlabeling")


def test_desired_tags_hold_user_tags_ownership_and_grant_records() -> None:
    role = build_execution_role(values(tags=["team=vision"]), ACCOUNT)
    grant = KeyGrant("arn:aws:kms:us-east-1:1:key/k", "k", role.arn, "sid")
    assert role.desired_tags([grant]) == {
        "team": "vision",
        "gtprov:managed-by": "gtprov",
        "gtprov:component": "execution-role",
        "gtprov:kms-grant:k": "arn:aws:kms:us-east-1:1:key/k",
    }


def test_tags_may_come_as_a_mapping_from_a_file() -> None:
    role = build_execution_role(values(tags={"team": "nlp"}), ACCOUNT)
    assert role.tags == {"team": "nlp"}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "bad name"}, "NAME"),
        ({"path": "labeling"}, "--path"),
        ({"tags": ["gtprov:x=1"]}, "--tag"),
        ({"tags": ["novalue"]}, "--tag"),
        ({"max_session_duration": 60}, "--max-session-duration"),
        ({"buckets": ()}, "--bucket"),
        ({"input_uris": ["http://x"]}, "--input-uri"),
        ({"kms_keys": ["alias/aws/s3"]}, "--kms-key"),
        ({"create_kms_key": "alias/aws/x"}, "--create-kms-key"),
        ({"input_topics": ["arn:aws:sns:eu-west-1:123456789012:t"]}, "--input-topic"),
        ({"permissions_boundary": "arn:aws:s3:::b"}, "--permissions-boundary"),
    ],
)
def test_each_bad_value_is_refused_naming_its_field(
    kwargs: dict[str, object], field: str
) -> None:
    assert refused(values(**kwargs)).field == field


def test_field_names_follow_the_source_of_the_values() -> None:
    fields = RoleFields(name="roles[0].name", buckets="roles[0].buckets")
    error = refused(values(name="", fields=fields))
    assert error.field == "roles[0].name"


def test_the_offline_pass_lets_a_foreign_lambda_by_and_the_real_one_refuses_it() -> (
    None
):
    fn = "arn:aws:lambda:us-east-1:999999999999:function:pre"
    offline = build_execution_role(values(lambdas=[fn]), OFFLINE)
    assert offline.permissions.lambda_arns == (fn,)
    assert refused(values(lambdas=[fn])).field == "--lambda"


def test_the_offline_pass_still_checks_a_lambdas_region() -> None:
    fn = "arn:aws:lambda:eu-west-1:123456789012:function:pre"
    assert refused(values(lambdas=[fn]), OFFLINE).field == "--lambda"


def test_a_lambda_name_becomes_an_arn_in_the_callers_account() -> None:
    role = build_execution_role(values(lambdas=["pre", "pre"]), ACCOUNT)
    arn = "arn:aws:lambda:us-east-1:123456789012:function:pre"
    assert role.permissions.lambda_arns == (arn,)


def test_boundary_none_asks_for_removal() -> None:
    role = build_execution_role(values(permissions_boundary="None"), ACCOUNT)
    assert role.permissions_boundary == REMOVE_BOUNDARY


def test_keys_keep_their_purpose_and_duplicates_go() -> None:
    v = values(kms_keys=["alias/a", "alias/a"], volume_kms_keys=["alias/a"])
    role = build_execution_role(v, ACCOUNT)
    assert [(k.ref.value, k.purpose) for k in role.keys] == [
        ("alias/a", "data"),
        ("alias/a", "volume"),
    ]


def test_create_kms_key_accepts_a_bare_alias_name() -> None:
    role = build_execution_role(values(create_kms_key="gt-data"), ACCOUNT)
    assert role.new_key is not None
    assert role.new_key.alias == "alias/gt-data"
    assert role.new_key.tags["gtprov:alias"] == "alias/gt-data"


def test_with_keys_puts_resolved_arns_into_the_permissions() -> None:
    role = build_execution_role(values(), ACCOUNT).with_keys(["a"], ["b"])
    assert role.permissions.kms_key_arns == ("a",)
    assert role.permissions.volume_kms_key_arns == ("b",)
