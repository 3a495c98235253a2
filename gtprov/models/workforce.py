"""The private workforce gtprov is asked for, as frozen data. Pure: no I/O
except reading the workers file the user names.

A workforce is one Cognito user pool with one app client and a domain, bound
to SageMaker's single private workforce of the Region; each work team is a
Cognito group of that pool. ``build_workforce`` turns plain values into a
``Workforce``, naming in every ``InputError`` the field the value came from,
so the command line and a future ``gtprov.toml`` loader share it.
https://docs.aws.amazon.com/sagemaker/latest/dg/sms-workforce-private-use-cognito.html
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gtprov import validate
from gtprov.errors import InputError
from gtprov.ownership import TAG_KEY

MAX_TEAMS = 25
"""SageMaker: at most 25 work teams per account and Region."""
MAX_CIDRS = 10
"""SageMaker: SourceIpConfig holds 1 to 10 CIDRs."""
MAX_USER_TAGS = 48
"""Cognito, SageMaker and SNS accept 50 tags; gtprov adds its two."""
NAME_PREFIX = "gtprov-"
"""gtprov names its user pool and app client ``gtprov-<workforce name>``."""
DEFAULT_WORKFORCE_NAME = "default"
"""What the SageMaker console names the workforce it creates."""

_TOPIC_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}")
_RESERVED_TAG_PREFIX = "gtprov:"


@dataclass(frozen=True)
class UserPoolSpec:
    """The Cognito user pool: gtprov's own (``existing_id`` None) or the user's.

    ``domain_prefix`` None lets the planner derive one (or keep the pool's).
    """

    name: str
    existing_id: str | None = None
    domain_prefix: str | None = None


@dataclass(frozen=True)
class AppClientSpec:
    """The confidential app client the workforce signs workers in with."""

    name: str


@dataclass(frozen=True)
class Workteam:
    """A work team and the Cognito group that holds its workers.

    ``description`` and ``notification_topic_arn`` None mean "leave an
    existing team's as it is"; a new team gets ``default_description``.
    """

    name: str
    group: str
    description: str | None = None
    notification_topic_arn: str | None = None

    @property
    def default_description(self) -> str:
        return f"Ground Truth work team {self.name} (managed by gtprov)"


@dataclass(frozen=True)
class Workforce:
    """Everything ``setup-workforce`` makes true; ``cidrs`` None leaves the
    workforce's IP allow list alone, ``()`` would lift it."""

    name: str
    user_pool: UserPoolSpec
    app_client: AppClientSpec
    teams: tuple[Workteam, ...]
    cidrs: tuple[str, ...] | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    create_topic: str | None = None

    def team(self, name: str) -> Workteam:
        return next(t for t in self.teams if t.name == name)


@dataclass(frozen=True)
class Worker:
    email: str
    team: str


@dataclass(frozen=True)
class WorkerSet:
    """Unique workers by team (emails lower-cased and sorted)."""

    by_team: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    duplicates: int = 0

    def __len__(self) -> int:
        return sum(len(emails) for emails in self.by_team.values())

    @classmethod
    def collect(cls, workers: Iterable[Worker]) -> WorkerSet:
        """Group ``workers`` by team, dropping repeats (counted)."""
        seen: dict[str, set[str]] = {}
        duplicates = 0
        for worker in workers:
            emails = seen.setdefault(worker.team, set())
            duplicates += worker.email in emails
            emails.add(worker.email)
        by_team = {team: tuple(sorted(emails)) for team, emails in seen.items()}
        return cls(by_team, duplicates)


@dataclass(frozen=True)
class Fields:
    """Where each input came from, for error messages.

    The defaults are the command-line options; a configuration-file loader
    passes key paths and ``indexed=True`` (``workforce.teams[2]``).
    """

    name: str = "--workforce-name"
    teams: str = "--team"
    user_pool_id: str = "--user-pool-id"
    domain_prefix: str = "--domain-prefix"
    cidrs: str = "--cidr"
    notification_topic: str = "--notification-topic"
    create_topic: str = "--create-topic"
    description: str = "--description"
    tags: str = "--tag"
    indexed: bool = False

    def item(self, name: str, index: int) -> str:
        return f"{name}[{index}]" if self.indexed else name


CLI_FIELDS = Fields()


def build_workforce(
    *,
    name: str,
    teams: Sequence[str],
    user_pool_id: str | None = None,
    domain_prefix: str | None = None,
    cidrs: Sequence[str] | None = None,
    notification_topic: str | None = None,
    create_topic: str | None = None,
    description: str | None = None,
    tags: Sequence[str] = (),
    fields: Fields = CLI_FIELDS,
) -> Workforce:
    """Validate plain values into a ``Workforce``; raise ``InputError``."""
    workforce = validate.workforce_name(name, fields.name)
    topic_arn = _topic_choice(notification_topic, create_topic, fields)
    return Workforce(
        name=workforce,
        user_pool=_user_pool(workforce, user_pool_id, domain_prefix, fields),
        app_client=AppClientSpec(NAME_PREFIX + workforce),
        teams=_teams(teams, description, topic_arn, fields),
        cidrs=_cidrs(cidrs, fields),
        tags=_tags(tags, fields),
        create_topic=create_topic,
    )


def _user_pool(
    workforce: str, pool_id: str | None, prefix: str | None, fields: Fields
) -> UserPoolSpec:
    return UserPoolSpec(
        name=NAME_PREFIX + workforce,
        existing_id=(
            None
            if pool_id is None
            else validate.user_pool_id(pool_id, fields.user_pool_id)
        ),
        domain_prefix=(
            None
            if prefix is None
            else validate.domain_prefix(prefix, fields.domain_prefix)
        ),
    )


def _teams(
    names: Sequence[str],
    description: str | None,
    topic_arn: str | None,
    fields: Fields,
) -> tuple[Workteam, ...]:
    if not names:
        raise InputError(fields.teams, "give at least one work team")
    if len(set(names)) > MAX_TEAMS:
        raise InputError(fields.teams, f"SageMaker allows at most {MAX_TEAMS} teams")
    text = (
        None
        if description is None
        else validate.workteam_description(description, fields.description)
    )
    return tuple(_team(team, i, text, topic_arn, fields) for i, team in _unique(names))


def _team(
    name: str, index: int, text: str | None, topic_arn: str | None, fields: Fields
) -> Workteam:
    where = fields.item(fields.teams, index)
    team = validate.workteam_name(name, where)
    return Workteam(team, validate.group_name(team, where), text, topic_arn)


def _unique(values: Sequence[str]) -> Iterator[tuple[int, str]]:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value not in seen:
            seen.add(value)
            yield index, value


def _cidrs(values: Sequence[str] | None, fields: Fields) -> tuple[str, ...] | None:
    if values is None or not values:
        return None
    blocks = {
        validate.cidr(v, fields.item(fields.cidrs, i)) for i, v in enumerate(values)
    }
    if len(blocks) > MAX_CIDRS:
        rule = f"SageMaker accepts at most {MAX_CIDRS} CIDR blocks"
        raise InputError(fields.cidrs, rule, value=len(blocks))
    return tuple(sorted(blocks))


def _topic_choice(arn: str | None, name: str | None, fields: Fields) -> str | None:
    """The topic ARN given, after checking at most one topic option is used."""
    if arn is not None and name is not None:
        rule = f"give either {fields.notification_topic} or {fields.create_topic}"
        raise InputError(fields.create_topic, rule)
    if name is not None and _TOPIC_NAME.fullmatch(name) is None:
        rule = "topic names are 1-256 letters, digits, - and _ (standard topics)"
        raise InputError(fields.create_topic, rule, value=name)
    if arn is None:
        return None
    return validate.sns_topic_arn(arn, fields.notification_topic)


def _tags(values: Sequence[str], fields: Fields) -> dict[str, str]:
    tags: dict[str, str] = {}
    for index, text in enumerate(values):
        where = fields.item(fields.tags, index)
        key, value = validate.tag(text, where)
        if key.startswith(_RESERVED_TAG_PREFIX) or key == TAG_KEY:
            raise InputError(where, "tag keys starting gtprov: are gtprov's own")
        tags[key] = value
    if len(tags) > MAX_USER_TAGS:
        raise InputError(fields.tags, f"give at most {MAX_USER_TAGS} tags")
    return tags


# -- workers -----------------------------------------------------------------


def workers_from_emails(
    emails: Iterable[str], team: str, field_name: str = "--worker"
) -> Iterator[Worker]:
    for index, text in enumerate(emails):
        where = field_name if index == 0 else f"{field_name} (#{index + 1})"
        yield Worker(validate.email(text, where), team)


def read_workers_file(
    path: Path,
    *,
    teams: Collection[str],
    default_team: str | None,
    field_name: str = "--workers-file",
) -> Iterator[Worker]:
    """Stream the workers in ``path``, validating every row.

    See ``iter_workers`` for the format. An unreadable file is an
    ``InputError`` too, so a bad file never reaches AWS.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield from iter_workers(
                handle,
                source=f"{field_name} {path}",
                teams=teams,
                default_team=default_team,
            )
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(field_name, f"cannot read {path}: {exc}") from None


def iter_workers(
    lines: Iterable[str],
    *,
    source: str,
    teams: Collection[str],
    default_team: str | None,
) -> Iterator[Worker]:
    """Workers from text lines, one row at a time (flat memory).

    Two formats (docs/workers-file.md): a CSV whose first line is a header
    naming an ``email`` column and optionally a ``team`` column, or one email
    address per line for the single team ``default_team``. Blank lines and
    lines starting with ``#`` are skipped. Every error names the line.
    """
    rows = _meaningful(lines)
    first = next(rows, None)
    if first is None:
        return
    number, text = first
    if "," in text or _is_header(text):
        yield from _csv_rows(number, text, rows, source, teams, default_team)
        return
    team = _single_team(default_team, source, number)
    yield _worker(text, team, source, number)
    for number, text in rows:
        yield _worker(text, team, source, number)


def _meaningful(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if text and not text.startswith("#"):
            yield number, text


def _is_header(text: str) -> bool:
    return text.strip().lower() in ("email", "email,team", "team,email")


def _csv_rows(
    number: int,
    header: str,
    rows: Iterator[tuple[int, str]],
    source: str,
    teams: Collection[str],
    default_team: str | None,
) -> Iterator[Worker]:
    email_at, team_at = _columns(header, source, number)
    if team_at is None:
        default_team = _single_team(default_team, source, number)
    for number, text in rows:
        cells = next(csv.reader([text]))
        email = _cell(cells, email_at, "email", source, number)
        team = (
            default_team
            if team_at is None
            else _cell(cells, team_at, "team", source, number)
        )
        yield _worker(email, _team_of(team, teams, source, number), source, number)


def _columns(header: str, source: str, number: int) -> tuple[int, int | None]:
    names = [c.strip().lower() for c in next(csv.reader([header]))]
    if "email" not in names:
        rule = "the first line must be a header naming the columns: email,team"
        raise InputError(f"{source}, line {number}", rule, value=header)
    team = names.index("team") if "team" in names else None
    return names.index("email"), team


def _cell(cells: list[str], index: int, what: str, source: str, number: int) -> str:
    if index >= len(cells) or not cells[index].strip():
        raise InputError(f"{source}, line {number}", f"the {what} column is empty")
    return cells[index].strip()


def _team_of(team: str | None, teams: Collection[str], source: str, number: int) -> str:
    where = f"{source}, line {number}"
    if team is None:
        raise InputError(where, "no team: add a team column or give one --team")
    if team not in teams:
        listed = ", ".join(sorted(teams)) or "none"
        raise InputError(
            where, f"team must be one of the --team values ({listed})", value=team
        )
    return team


def _single_team(default_team: str | None, source: str, number: int) -> str:
    if default_team is None:
        rule = "one email per line needs exactly one --team; or use an email,team CSV"
        raise InputError(f"{source}, line {number}", rule)
    return default_team


def _worker(email: str, team: str, source: str, number: int) -> Worker:
    return Worker(validate.email(email, f"{source}, line {number}"), team)


# -- the app client's OAuth settings ---------------------------------------

PORTAL_FLOWS = ("code", "implicit")
PORTAL_SCOPES = ("email", "openid", "profile")
PORTAL_PROVIDERS = ("COGNITO",)


def portal_urls(subdomain: str) -> dict[str, str]:
    """The callback and sign-out URLs of the labeling portal at ``subdomain``.

    ``/oauth2/idpresponse`` and ``/logout`` on the portal host, as AWS's CDK
    sample for Cognito workforces sets them and the OIDC workforce page
    documents the callback:
    https://docs.aws.amazon.com/sagemaker/latest/dg/sms-workforce-create-private-oidc.html
    """
    return {
        "CallbackURLs": f"https://{subdomain}/oauth2/idpresponse",
        "LogoutURLs": f"https://{subdomain}/logout",
    }


def missing_client_settings(
    current: Mapping[str, object], subdomain: str
) -> dict[str, object]:
    """The app-client fields to send so the portal can sign workers in.

    A field is changed only when something required is missing, and then
    to the union of what is there and what is required: URLs, flows and
    scopes that SageMaker or an administrator added are kept, never drift.
    """
    required: dict[str, tuple[str, ...]] = {
        "AllowedOAuthFlows": PORTAL_FLOWS,
        "AllowedOAuthScopes": PORTAL_SCOPES,
        "SupportedIdentityProviders": PORTAL_PROVIDERS,
        **{key: (url,) for key, url in portal_urls(subdomain).items()},
    }
    changes: dict[str, object] = {}
    for key, values in required.items():
        have = [str(v) for v in _as_list(current.get(key))]
        if not set(values) <= set(have):
            changes[key] = have + [v for v in values if v not in have]
    if current.get("AllowedOAuthFlowsUserPoolClient") is not True:
        changes["AllowedOAuthFlowsUserPoolClient"] = True
    return changes


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []
