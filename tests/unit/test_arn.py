from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gtprov.arn import Arn


def test_parse_splits_six_parts_and_keeps_colons_in_the_resource() -> None:
    arn = Arn.parse("arn:aws:lambda:us-east-1:123456789012:function:pre:prod")
    assert arn == Arn("aws", "lambda", "us-east-1", "123456789012", "function:pre:prod")


def test_parse_accepts_empty_region_and_account_as_iam_and_s3_use() -> None:
    assert Arn.parse("arn:aws:s3:::bucket/key").account == ""
    assert Arn.parse("arn:aws-cn:iam::123456789012:role/a/b").region == ""


@pytest.mark.parametrize(
    "text",
    [
        "",
        "arn",
        "arn:aws:s3",
        "urn:aws:s3:::bucket",
        "arn::s3:::bucket",
        "arn:aws::us-east-1:123456789012:thing",
        "arn:aws:s3:::",
    ],
)
def test_parse_raises_value_error_for_what_is_not_an_arn(text: str) -> None:
    with pytest.raises(ValueError, match="ARN"):
        Arn.parse(text)


_part = st.text(
    alphabet=st.characters(blacklist_characters=":"),
    min_size=1,
    max_size=12,
)


@given(
    partition=_part,
    service=_part,
    region=st.one_of(st.just(""), _part),
    account=st.one_of(st.just(""), _part),
    resource=st.text(min_size=1, max_size=40),
)
def test_str_of_parse_round_trips_every_arn(
    partition: str, service: str, region: str, account: str, resource: str
) -> None:
    arn = Arn(partition, service, region, account, resource)
    assert Arn.parse(str(arn)) == arn
