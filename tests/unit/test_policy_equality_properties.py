"""Policy equality, with generated documents (hypothesis).

IAM hands documents back URL-encoded and keeps whatever order and form they
were written in; none of that changes what a policy allows. So:

- a document rewritten without changing its meaning (statements and values
  shuffled, a one-item list written as a string and back, repeated values,
  action names and condition keys in another case, other whitespace, JSON
  text or URL-encoded JSON text) is ``equivalent`` to the original, and the
  role planner plans no change for a role that holds it (trust policy and
  ``gtprov-execution``);
- a document that allows something else (a new action, a new resource for
  a statement not on ``*``, an Allow turned Deny, another condition value)
  is not, also after such a rewrite, and the planner plans an update with a
  diff.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st

from gtprov.models.role import build_execution_role
from gtprov.plan.model import Action, Plan
from gtprov.plan.role import INLINE_POLICY, KIND_INLINE, KIND_TRUST, desired_trust
from gtprov.policy.document import equivalent, normalize, parse
from gtprov.policy.execution import execution_policy
from tests.unit.test_plan_role import (
    ACCOUNT,
    NAME,
    FakeIam,
    existing,
    plan,
    role_values,
)

Doc = dict[str, Any]
FRESH_ACTION = "ec2:RunInstances"
FRESH_RESOURCE = "arn:aws:ec2:us-east-1:123456789012:instance/*"
ACTIONS = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:*",
    "kms:Decrypt",
    "kms:GenerateDataKey*",
    "sns:Publish",
    "iam:PassRole",
    "logs:PutLogEvents",
]
RESOURCES = [
    "*",
    "arn:aws:s3:::gt-data",
    "arn:aws:s3:::gt-data/*",
    "arn:aws:s3:::gt-out/jobs/*",
    "arn:aws:sns:us-east-1:123456789012:gt-notify",
    "arn:aws:iam::123456789012:role/GtLabeling",
]
CONDITIONS = [
    {"StringEquals": {"aws:SourceAccount": "123456789012"}},
    {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
    {"ArnLike": {"aws:SourceArn": ["arn:aws:sagemaker:us-east-1:123456789012:*"]}},
    {"Bool": {"aws:SecureTransport": "true"}},
]

# Documents ------------------------------------------------------------------------


@st.composite
def statements(draw: st.DrawFn) -> Doc:
    stmt: Doc = {"Effect": draw(st.sampled_from(["Allow", "Deny"]))}
    if draw(st.booleans()):
        stmt["Sid"] = draw(st.sampled_from(["A", "B", "S3Read", "KmsUse"]))
    stmt["Action"] = draw(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=4))
    stmt["Resource"] = draw(
        st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=3)
    )
    if draw(st.booleans()):
        stmt["Condition"] = draw(st.sampled_from(CONDITIONS))
    return stmt


documents = st.lists(statements(), min_size=1, max_size=5).map(
    lambda s: {"Version": "2012-10-17", "Statement": s}
)
role_inputs = st.fixed_dictionaries(
    {
        "buckets": st.lists(
            st.sampled_from(["gt-data", "gt-labels", "gt-archive"]),
            min_size=1,
            max_size=2,
            unique=True,
        ),
        "input_uris": st.lists(st.sampled_from(["s3://gt-in/a", "s3://gt-in/b/c"])),
        "output_uris": st.lists(st.sampled_from(["s3://gt-out/jobs"])),
        "lambdas": st.lists(st.sampled_from(["GtRecipePre", "LabelingFunctionPost"])),
        "input_topics": st.lists(
            st.sampled_from(["arn:aws:sns:us-east-1:123456789012:gt-in"])
        ),
        "automated_labeling": st.booleans(),
        "tagged_object_read": st.booleans(),
        "source_account": st.booleans(),
    }
)

# Rewrites that keep the meaning ---------------------------------------------------


def rewritten(doc: Doc, rnd: random.Random) -> Doc:
    """The same policy written differently: order, one-vs-list, repeats, case."""
    stmts = [_statement(s, rnd) for s in doc["Statement"]]
    rnd.shuffle(stmts)
    body: Any = stmts[0] if len(stmts) == 1 and rnd.random() < 0.5 else stmts
    return _shuffled_keys({"Version": doc["Version"], "Statement": body}, rnd)


def _statement(stmt: Doc, rnd: random.Random) -> Doc:
    out: Doc = {}
    for key, value in stmt.items():
        if key in ("Action", "NotAction"):
            out[key] = _values([_case(a, rnd) for a in _listed(value)], rnd)
        elif key in ("Resource", "NotResource"):
            out[key] = _values(_listed(value), rnd)
        elif key == "Principal" and isinstance(value, dict):
            out[key] = {k: _values(_listed(v), rnd) for k, v in value.items()}
        elif key == "Condition":
            out[key] = {op: _block(block, rnd) for op, block in value.items()}
        else:
            out[key] = value
    return _shuffled_keys(out, rnd)


def _block(block: Doc, rnd: random.Random) -> Doc:
    return {_case(k, rnd): _values(_listed(v), rnd) for k, v in block.items()}


def _values(values: list[Any], rnd: random.Random) -> Any:
    """Shuffled, perhaps with a repeat; one value perhaps as a bare string."""
    out = list(values)
    if rnd.random() < 0.3:
        out.append(rnd.choice(out))
    rnd.shuffle(out)
    if len(set(out)) == 1 and rnd.random() < 0.5:
        return out[0]
    return out


def _case(name: str, rnd: random.Random) -> str:
    """IAM matches action names and condition keys without regard to case."""
    return "".join(c.upper() if rnd.random() < 0.3 else c.lower() for c in name)


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _shuffled_keys(data: Doc, rnd: random.Random) -> Doc:
    keys = list(data)
    rnd.shuffle(keys)
    return {k: data[k] for k in keys}


def as_text(doc: Doc, rnd: random.Random) -> str:
    """JSON text with other whitespace; perhaps URL-encoded, as IAM returns it."""
    text = json.dumps(doc, indent=rnd.choice([None, 1, 4]), separators=_separators(rnd))
    return quote(text, safe="") if rnd.random() < 0.5 else text


def _separators(rnd: random.Random) -> tuple[str, str]:
    return rnd.choice([(",", ":"), (", ", ": "), (" ,\n", " :  ")])


# Rewrites that change the meaning -------------------------------------------------


def _add_action(doc: Doc, rnd: random.Random) -> Doc | None:
    """A new grant: an action of a service no statement names, on an Allow
    statement (a new Allow statement if there is none)."""
    allowed = [s for s in doc["Statement"] if s["Effect"] == "Allow"]
    if not allowed:
        doc["Statement"].append(
            {"Effect": "Allow", "Action": FRESH_ACTION, "Resource": "*"}
        )
        return doc
    stmt = rnd.choice(allowed)
    stmt["Action"] = [*_listed(stmt["Action"]), FRESH_ACTION]
    return doc


def _deny(doc: Doc, rnd: random.Random) -> Doc | None:
    """An Allow turned Deny, where no Deny exists (a Deny always wins, so
    what the statement allowed is now refused)."""
    if any(s["Effect"] == "Deny" for s in doc["Statement"]):
        return None
    rnd.choice(doc["Statement"])["Effect"] = "Deny"
    return doc


def _add_resource(doc: Doc, rnd: random.Random) -> Doc | None:
    """A resource of a service no statement names, where no statement is on
    ``*`` (which would already cover it)."""
    if any("*" in _listed(s.get("Resource", "*")) for s in doc["Statement"]):
        return None
    stmt = rnd.choice(doc["Statement"])
    stmt["Resource"] = [*_listed(stmt["Resource"]), FRESH_RESOURCE]
    return doc


def _other_condition_value(doc: Doc, rnd: random.Random) -> Doc | None:
    """Another value for a condition, in a document whose statements each
    allow what no other statement does (gtprov's own documents)."""
    conditioned = [s for s in doc["Statement"] if s.get("Condition")]
    if not conditioned:
        return None
    block = next(iter(rnd.choice(conditioned)["Condition"].values()))
    key = rnd.choice(sorted(block))
    block[key] = "arn:aws:sagemaker:eu-west-1:999999999999:other"
    return doc


Mutation = Callable[[Doc, random.Random], Doc | None]
ANY_DOCUMENT: list[Mutation] = [_add_action, _deny]
GTPROV_DOCUMENT: list[Mutation] = [*ANY_DOCUMENT, _add_resource, _other_condition_value]


def changed(doc: Doc, rnd: random.Random, mutations: list[Mutation]) -> Doc:
    """``doc`` allowing something else; adding an action always applies."""
    for mutate in rnd.sample(mutations, len(mutations)):
        result = mutate(json.loads(json.dumps(doc)), rnd)
        if result is not None:
            return result
    raise AssertionError("unreachable: _add_action always applies")


# Documents alone -------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(documents, st.randoms(use_true_random=False))
def test_a_rewritten_document_is_equivalent_in_every_form(
    doc: Doc, rnd: random.Random
) -> None:
    again = rewritten(doc, rnd)
    assert equivalent(doc, again)
    assert equivalent(as_text(again, rnd), doc)
    assert normalize(as_text(doc, rnd)) == normalize(again)


@settings(max_examples=60, deadline=None)
@given(documents, st.randoms(use_true_random=False))
def test_a_document_allowing_something_else_is_never_equivalent(
    doc: Doc, rnd: random.Random
) -> None:
    other = changed(doc, rnd, ANY_DOCUMENT)
    assert not equivalent(doc, other)
    assert not equivalent(as_text(rewritten(other, rnd), rnd), doc)
    assert not equivalent(doc, rewritten(other, rnd))


# The role planner -----------------------------------------------------------------


def holding(inputs: dict[str, Any], trust: Any, permissions: Any) -> FakeIam:
    """IAM with the role converged for ``inputs``, but holding these documents
    (parsed as ``IamClient`` parses what IAM returns)."""
    role = existing(**inputs)
    iam = FakeIam(roles={NAME: role})
    iam.roles[NAME] = type(role)(**{**role.__dict__, "trust_policy": parse(trust)})
    iam.inline[INLINE_POLICY] = parse(permissions)
    return iam


def desired(inputs: dict[str, Any]) -> tuple[Doc, Doc]:
    role = build_execution_role(role_values(**inputs), ACCOUNT)
    return desired_trust(role, ACCOUNT), execution_policy(role.permissions)


def writes(p: Plan) -> list[tuple[str, str]]:
    return [(c.action.value, c.kind) for c in p.changes if c.is_write]


@settings(max_examples=40, deadline=None)
@given(role_inputs, st.randoms(use_true_random=False))
def test_the_role_planner_plans_nothing_for_rewritten_policies(
    inputs: dict[str, Any], rnd: random.Random
) -> None:
    trust, permissions = desired(inputs)
    iam = holding(
        inputs,
        as_text(rewritten(trust, rnd), rnd),
        as_text(rewritten(permissions, rnd), rnd),
    )
    assert writes(plan(iam, **inputs)) == []


@settings(max_examples=40, deadline=None)
@given(role_inputs, st.randoms(use_true_random=False), st.booleans())
def test_the_role_planner_updates_a_policy_that_allows_something_else(
    inputs: dict[str, Any], rnd: random.Random, in_trust: bool
) -> None:
    trust, permissions = desired(inputs)
    if in_trust:
        trust = changed(trust, rnd, GTPROV_DOCUMENT)
    else:
        permissions = changed(permissions, rnd, GTPROV_DOCUMENT)
    iam = holding(
        inputs, rewritten(trust, rnd), as_text(rewritten(permissions, rnd), rnd)
    )
    result = plan(iam, **inputs)
    kind = KIND_TRUST if in_trust else KIND_INLINE
    assert writes(result) == [(Action.UPDATE.value, kind)]
    assert next(c for c in result.changes if c.kind == kind).diff
