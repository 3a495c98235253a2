from __future__ import annotations

import json
import random
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gtprov.errors import PolicySizeError
from gtprov.policy import document as d


def test_statement_keys_follow_iams_reading_order() -> None:
    stmt = d.statement(
        "Sid1",
        ["s3:GetObject"],
        ["arn:aws:s3:::b/*"],
        principal={"AWS": "arn:aws:iam::123456789012:root"},
        condition={"Bool": {"aws:SecureTransport": "true"}},
    )
    assert list(stmt) == [
        "Sid",
        "Effect",
        "Principal",
        "Action",
        "Resource",
        "Condition",
    ]


def test_statement_sorts_and_dedupes_actions_case_blind_and_resources() -> None:
    stmt = d.statement(
        "S", ["s3:PutObject", "S3:getobject", "s3:GetObject"], ["b", "a", "b"]
    )
    assert stmt["Action"] == ["s3:GetObject", "s3:PutObject"]
    assert stmt["Resource"] == ["a", "b"]


def test_statement_writes_a_single_value_as_a_string() -> None:
    stmt = d.statement("S", ["sts:AssumeRole"])
    assert stmt["Action"] == "sts:AssumeRole"
    assert "Resource" not in stmt


@pytest.mark.parametrize(
    ("actions", "resources"),
    [([], ["*"]), ([""], ["*"]), (["s3:GetObject"], []), (["s3:GetObject"], [""])],
)
def test_statement_refuses_empty_values(
    actions: list[str], resources: list[str]
) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        d.statement("S", actions, resources)


def test_size_counts_characters_without_whitespace() -> None:
    doc = d.document([d.statement("A B", ["s3:GetObject"], ["*"])])
    compact = json.dumps(doc, separators=(",", ":"))
    assert d.size(doc) == len(compact) - compact.count(" ")
    assert d.size(json.loads(d.dumps(doc))) == d.size(doc)


def test_check_size_raises_policy_size_error_past_the_limit() -> None:
    doc = d.document([d.statement("S", ["s3:GetObject"], ["*"])])
    assert d.check_size(doc, d.size(doc), "doc", "quota") == d.size(doc)
    with pytest.raises(PolicySizeError) as caught:
        d.check_size(doc, d.size(doc) - 1, "doc", "quota")
    assert (caught.value.size, caught.value.limit) == (d.size(doc), d.size(doc) - 1)


def _bucket_statements(count: int) -> list[d.Statement]:
    return [
        d.statement(f"S{n}", ["s3:GetObject"], [f"arn:aws:s3:::bucket-{n:04}/*"])
        for n in range(count)
    ]


def test_split_packs_statements_in_order_under_the_limit() -> None:
    statements = _bucket_statements(120)
    parts = d.split(statements, 1000)
    assert len(parts) > 1
    assert all(d.size(part) <= 1000 for part in parts)
    assert [s for part in parts for s in part["Statement"]] == statements


def test_split_keeps_one_document_when_everything_fits() -> None:
    statements = _bucket_statements(3)
    assert d.split(statements, 6144) == [d.document(statements)]


def test_split_refuses_a_statement_larger_than_the_limit() -> None:
    with pytest.raises(PolicySizeError):
        d.split(_bucket_statements(1), 20)


def test_merge_statements_unions_resources_of_same_actions_and_condition() -> None:
    merged = d.merge_statements(
        [
            d.statement("A", ["s3:GetObject"], ["arn:aws:s3:::a/*"]),
            d.statement("B", ["s3:GetObject"], ["arn:aws:s3:::b/*"]),
            d.statement("C", ["s3:PutObject"], ["arn:aws:s3:::a/*"]),
        ]
    )
    assert [s["Sid"] for s in merged] == ["A", "C"]
    assert merged[0]["Resource"] == ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"]


def test_merge_statements_lets_a_star_absorb_arns() -> None:
    merged = d.merge_statements(
        [
            d.statement("A", ["sns:Unsubscribe"], ["*"]),
            d.statement("B", ["sns:Unsubscribe"], ["x"]),
        ]
    )
    assert merged == [d.statement("A", ["sns:Unsubscribe"], ["*"])]


def test_parse_reads_url_encoded_documents_as_iam_returns_them() -> None:
    doc = d.document([d.statement("S", ["s3:GetObject"], ["arn:aws:s3:::b/a b/*"])])
    assert d.parse(quote(json.dumps(doc))) == doc


def test_parse_keeps_percent_signs_of_plain_json() -> None:
    doc = d.document([d.statement("S", ["s3:GetObject"], ["arn:aws:s3:::b/100%25/*"])])
    assert d.parse(json.dumps(doc)) == doc


@pytest.mark.parametrize("text", ["[]", "not json", "%7Bbroken"])
def test_parse_raises_value_error_for_non_documents(text: str) -> None:
    with pytest.raises(ValueError, match="JSON"):
        d.parse(text)


def test_normalize_treats_a_missing_version_as_iams_implicit_one() -> None:
    doc = {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    assert d.normalize(doc)["Version"] == d.IMPLICIT_VERSION
    assert not d.equivalent(doc, {**doc, "Version": d.VERSION})


def test_equivalent_ignores_a_lone_statement_object_vs_a_list() -> None:
    stmt = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    assert d.equivalent(
        {"Version": d.VERSION, "Statement": stmt},
        {"Version": d.VERSION, "Statement": [stmt]},
    )


def test_equivalent_folds_boolean_and_condition_key_case() -> None:
    a = _doc({"Bool": {"kms:GrantIsForAWSResource": True}})
    b = _doc({"Bool": {"KMS:GrantIsForAwsResource": "true"}})
    assert d.equivalent(a, b)


def test_equivalent_treats_aws_star_principal_as_star() -> None:
    stmt = {"Effect": "Allow", "Action": "sts:AssumeRole"}
    assert d.equivalent(
        {"Version": d.VERSION, "Statement": [{**stmt, "Principal": {"AWS": ["*"]}}]},
        {"Version": d.VERSION, "Statement": [{**stmt, "Principal": "*"}]},
    )


def test_equivalent_keeps_sids_significant() -> None:
    stmt = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    assert not d.equivalent(
        {"Version": d.VERSION, "Statement": [{**stmt, "Sid": "A"}]},
        {"Version": d.VERSION, "Statement": [{**stmt, "Sid": "B"}]},
    )


def _doc(condition: dict[str, Any]) -> d.Document:
    stmt = d.statement("S", ["kms:CreateGrant"], ["*"])
    stmt["Condition"] = condition
    return d.document([stmt])


# Properties: form changes are equivalent, action changes are not -----------------

_actions = st.lists(
    st.sampled_from(
        [
            "s3:GetObject",
            "s3:PutObject",
            "kms:Decrypt",
            "sns:Publish",
            "sqs:SendMessage",
        ]
    ),
    min_size=1,
    max_size=4,
    unique=True,
)
_resources = st.lists(
    st.sampled_from(["*", "arn:aws:s3:::a/*", "arn:aws:s3:::b c/*", "arn:aws:sns:x"]),
    min_size=1,
    max_size=3,
    unique=True,
)
_statements = st.lists(
    st.builds(
        lambda sid, actions, resources, cond: {
            "Sid": sid,
            "Effect": "Allow",
            "Action": actions,
            "Resource": resources,
            **(
                {"Condition": {"StringLike": {"s3:prefix": ["p", "p/*"]}}}
                if cond
                else {}
            ),
        },
        st.sampled_from(["A", "B", "C"]),
        _actions,
        _resources,
        st.booleans(),
    ),
    min_size=1,
    max_size=4,
)


def _reform(doc: dict[str, Any], seed: int) -> str:
    """Same meaning, other form: shuffle, scalar-vs-list, case, URL-encoding."""
    rng = random.Random(seed)
    statements = [dict(s) for s in doc["Statement"]]
    rng.shuffle(statements)
    for stmt in statements:
        for key in ("Action", "Resource"):
            values = list(stmt[key])
            rng.shuffle(values)
            stmt[key] = values[0] if len(values) == 1 and rng.random() < 0.5 else values
        if isinstance(stmt["Action"], list):
            stmt["Action"] = [
                a.upper() if rng.random() < 0.3 else a for a in stmt["Action"]
            ]
    text = json.dumps(
        {"Statement": statements, "Version": doc["Version"]}, indent=rng.randint(0, 3)
    )
    return quote(text) if rng.random() < 0.5 else text


@given(_statements, st.integers())
def test_documents_differing_only_in_form_are_equivalent(
    statements: list[dict[str, Any]], seed: int
) -> None:
    doc = {"Version": d.VERSION, "Statement": statements}
    assert d.equivalent(doc, _reform(doc, seed))


@given(_statements, st.integers(), st.data())
def test_documents_with_a_changed_action_set_are_not_equivalent(
    statements: list[dict[str, Any]], seed: int, data: st.DataObject
) -> None:
    doc = {"Version": d.VERSION, "Statement": statements}
    changed = json.loads(json.dumps(doc))
    target = data.draw(st.integers(0, len(statements) - 1))
    changed["Statement"][target]["Action"] = [
        *statements[target]["Action"],
        "iam:PassRole",
    ]
    assert not d.equivalent(doc, _reform(changed, seed))


@given(_statements)
def test_normalize_is_idempotent(statements: list[dict[str, Any]]) -> None:
    once = d.normalize({"Version": d.VERSION, "Statement": statements})
    assert d.normalize(once) == once
