"""gtprov.toml: the whole Ground Truth setup of one account and Region.

Pure apart from reading the file and the workers files it names: no AWS
calls. ``load`` first checks the file's shape (unknown keys, wrong types,
missing keys), then builds the desired resources with the builders the
commands use (``models.role.build_execution_role``,
``models.workforce.build_workforce``), passing key paths as field names, so
a file and the equivalent command lines give the same specs and the same
plan. Every error is a ``ConfigFileError`` (exit 2) naming the file, the
key path (``roles[1].buckets[0]``) and the rule. docs/config-file.md
describes every key.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from enum import Enum
from pathlib import Path
from typing import Any

from gtprov import validate
from gtprov.errors import InputError
from gtprov.models.role import (
    UNKNOWN_ACCOUNT,
    Account,
    ExecutionRole,
    RoleFields,
    RoleValues,
    build_execution_role,
)
from gtprov.models.workforce import (
    DEFAULT_WORKFORCE_NAME,
    Fields,
    Worker,
    WorkerSet,
    Workforce,
    build_workforce,
    read_workers_file,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the tomli backport is a dependency there
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]  # absent where tomllib exists

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class ConfigFileError(InputError):
    """A gtprov.toml (or a workers file it names) breaks a rule. Exit 2.

    ``field`` is the key path inside the file; the message starts with
    the file, so the user knows where to look without any other context.
    """

    def __init__(
        self, file: Path | str, field: str, rule: str, *, value: object = None
    ) -> None:
        super().__init__(field, rule, value=value)
        self.file = str(file)
        self._prefix_file()

    @classmethod
    def wrap(cls, file: Path | str, error: InputError) -> ConfigFileError:
        """``error`` (from a validator or builder) as an error in ``file``."""
        wrapped = cls(file, error.field, error.rule)
        wrapped.message = error.message
        wrapped._prefix_file()
        return wrapped

    def _prefix_file(self) -> None:
        self.message = f"{self.file}: {self.message}"
        self.args = (self.message,)

    def to_dict(self) -> dict[str, object]:
        data = super().to_dict()
        data["file"] = self.file
        return data


# -- the file's shape -------------------------------------------------------


class Kind(Enum):
    """A leaf value's TOML type; the value is the rule a wrong one breaks."""

    STRING = "must be a string"
    BOOLEAN = "must be true or false"
    INTEGER = "must be a whole number"
    STRINGS = "must be an array of strings"
    TAGS = 'must be a table of strings, like { team = "labeling" }'


@dataclass(frozen=True)
class Table:
    """A TOML table: the keys it may hold, and those it must."""

    keys: Mapping[str, Kind | Table | Tables]
    required: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Tables:
    """An array of tables (``[[roles]]``)."""

    table: Table


ROLE = Table(
    {
        "name": Kind.STRING,
        "path": Kind.STRING,
        "description": Kind.STRING,
        "permissions_boundary": Kind.STRING,
        "max_session_duration": Kind.INTEGER,
        "tags": Kind.TAGS,
        "source_account": Kind.BOOLEAN,
        "buckets": Kind.STRINGS,
        "input_uris": Kind.STRINGS,
        "output_uris": Kind.STRINGS,
        "lambdas": Kind.STRINGS,
        "kms_keys": Kind.STRINGS,
        "volume_kms_keys": Kind.STRINGS,
        "automated_labeling": Kind.BOOLEAN,
        "input_topics": Kind.STRINGS,
        "output_topics": Kind.STRINGS,
        "allow_tagged_objects": Kind.BOOLEAN,
        "grant_key_policy": Kind.BOOLEAN,
        "create_kms_key": Kind.STRING,
    },
    frozenset({"name"}),
)
TEAM = Table(
    {
        "name": Kind.STRING,
        "description": Kind.STRING,
        "workers": Kind.STRINGS,
        "workers_file": Kind.STRING,
    },
    frozenset({"name"}),
)
WORKFORCE = Table(
    {
        "name": Kind.STRING,
        "user_pool_id": Kind.STRING,
        "domain_prefix": Kind.STRING,
        "cidrs": Kind.STRINGS,
        "notification_topic": Kind.STRING,
        "create_topic": Kind.STRING,
        "tags": Kind.TAGS,
        "teams": Tables(TEAM),
    },
    frozenset({"teams"}),
)
FILE = Table(
    {
        "account": Kind.STRING,
        "region": Kind.STRING,
        "roles": Tables(ROLE),
        "workforce": WORKFORCE,
    },
    frozenset({"region"}),
)

_KIND_CHECKS: dict[Kind, Callable[[Any], bool]] = {
    Kind.STRING: lambda v: isinstance(v, str),
    Kind.BOOLEAN: lambda v: isinstance(v, bool),
    Kind.INTEGER: lambda v: isinstance(v, int) and not isinstance(v, bool),
    Kind.STRINGS: lambda v: isinstance(v, list),
    Kind.TAGS: lambda v: isinstance(v, dict),
}


def key_path(parent: str, key: str) -> str:
    """``parent.key``; keys that are not bare TOML keys are quoted."""
    shown = key if _BARE_KEY.fullmatch(key) else f'"{key}"'
    return f"{parent}.{shown}" if parent else shown


def check_shape(data: Mapping[str, Any], spec: Table, path: str) -> None:
    """Raise ``InputError`` at the first unknown, missing or mistyped key."""
    for key, value in data.items():
        where = key_path(path, key)
        if key not in spec.keys:
            raise InputError(where, f"unknown key; {_known_keys(spec, path)}")
        _check_value(value, spec.keys[key], where)
    missing = sorted(spec.required - data.keys())
    if missing:
        raise InputError(key_path(path, missing[0]), "is required")


def _known_keys(spec: Table, path: str) -> str:
    where = f"in {path}" if path else "at the top level"
    return f"the keys {where} are " + ", ".join(spec.keys)


def _check_value(value: Any, spec: Kind | Table | Tables, where: str) -> None:
    if isinstance(spec, Table):
        _check_table(value, spec, where)
    elif isinstance(spec, Tables):
        _check_tables(value, spec, where)
    elif not _KIND_CHECKS[spec](value):
        raise InputError(where, spec.value, value=value)
    elif spec is Kind.STRINGS:
        _check_strings(value, where)
    elif spec is Kind.TAGS:
        _check_tag_values(value, where)


def _check_table(value: Any, spec: Table, where: str) -> None:
    if not isinstance(value, dict):
        raise InputError(where, f"must be a table ([{where}])", value=value)
    check_shape(value, spec, where)


def _check_tables(value: Any, spec: Tables, where: str) -> None:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InputError(where, f"must be an array of tables ([[{where}]])")
    for index, item in enumerate(value):
        check_shape(item, spec.table, f"{where}[{index}]")


def _check_strings(values: list[Any], where: str) -> None:
    for index, item in enumerate(values):
        if not isinstance(item, str):
            raise InputError(f"{where}[{index}]", "must be a string", value=item)


def _check_tag_values(tags: dict[str, Any], where: str) -> None:
    for key, item in tags.items():
        if not isinstance(item, str):
            rule = "tag values must be strings"
            raise InputError(key_path(where, key), rule, value=item)


# -- what the file describes --------------------------------------------------


@dataclass(frozen=True)
class SetupFile:
    """A loaded, validated gtprov.toml.

    ``roles`` are the role inputs as the file gave them (with key paths as
    field names); ``execution_roles`` builds them for an account.
    ``membership_teams`` are the teams that list their workers: only their
    membership is the file's to enforce (``--prune`` removes the others).
    """

    path: Path
    region: str
    account_id: str | None = None
    roles: tuple[RoleValues, ...] = ()
    workforce: Workforce | None = None
    workers: WorkerSet = field(default_factory=WorkerSet)
    membership_teams: frozenset[str] = frozenset()

    @property
    def partition(self) -> str:
        return validate.partition_for_region(self.region)

    def account(self, account_id: str | None = None) -> Account:
        """The file's Region in ``account_id`` (default: the file's, if any)."""
        chosen = account_id or self.account_id or UNKNOWN_ACCOUNT
        return Account(chosen, self.region, self.partition)

    def execution_roles(
        self, account_id: str | None = None
    ) -> tuple[ExecutionRole, ...]:
        """Every ``[[roles]]`` entry built for ``account_id``.

        ``load`` already ran this offline; run it again with the caller's
        account once known (a Lambda ARN may name another account).
        """
        account = self.account(account_id)
        with _in_file(self.path):
            return tuple(_build_role(values, account) for values in self.roles)


def load(path: Path) -> SetupFile:
    """Read and validate ``path``; ``ConfigFileError`` on the first problem."""
    data = _read(path)
    with _in_file(path):
        check_shape(data, FILE, "")
        setup = _setup(path, data)
    setup.execution_roles()
    return setup


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigFileError(path, "(file)", f"cannot read it: {exc}") from None
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigFileError(path, "(file)", f"is not valid TOML: {exc}") from None
    return data


@contextmanager
def _in_file(path: Path) -> Iterator[None]:
    try:
        yield
    except ConfigFileError:
        raise
    except InputError as exc:
        raise ConfigFileError.wrap(path, exc) from None


def _setup(path: Path, data: Mapping[str, Any]) -> SetupFile:
    region = validate.region(data["region"], "region")
    account = data.get("account")
    roles = tuple(_role_values(t, i) for i, t in enumerate(data.get("roles", [])))
    _unique([r.name.lower() for r in roles], "roles", "name")
    setup = SetupFile(
        path=path,
        region=region,
        account_id=None if account is None else validate.account_id(account, "account"),
        roles=roles,
    )
    if "workforce" not in data:
        return setup
    return _with_workforce(setup, data["workforce"])


def _unique(values: Sequence[str], array: str, key: str) -> None:
    seen: dict[str, int] = {}
    for index, value in enumerate(values):
        if value in seen:
            first = f"{array}[{seen[value]}].{key}"
            rule = f"must differ from {first} (IAM and SageMaker names are unique)"
            raise InputError(f"{array}[{index}].{key}", rule, value=value)
        seen[value] = index


# -- roles ----------------------------------------------------------------------


_ROLE_ATTRIBUTES = {"allow_tagged_objects": "tagged_object_read"}
"""Keys named after the command's option where RoleValues differs."""


def _role_values(table: Mapping[str, Any], index: int) -> RoleValues:
    """The entry's values, unvalidated, with its key paths as field names."""
    names = {f.name for f in fields(RoleFields)}
    paths = {name: f"roles[{index}].{name}" for name in names}
    values = {_ROLE_ATTRIBUTES.get(k, k): _as_tuple(v) for k, v in table.items()}
    return RoleValues(fields=RoleFields(**paths), **values)


def _as_tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _build_role(values: RoleValues, account: Account) -> ExecutionRole:
    try:
        return build_execution_role(values, account)
    except InputError as exc:
        raise _located(values, account, exc) from None


def _located(values: RoleValues, account: Account, error: InputError) -> InputError:
    """``error`` pointing at the array item or tag that broke the rule.

    The builder names a list by its key (``roles[0].buckets``); building
    again with each item alone finds the one at fault (``buckets[2]``),
    without repeating any of the builder's rules here.
    """
    attribute = error.field.rsplit(".", 1)[-1]
    given = getattr(values, attribute, None)
    if isinstance(given, tuple):
        return _first_failing(values, account, error, attribute, given) or error
    if isinstance(given, dict):
        return _failing_tag(values, account, error, given) or error
    return error


def _first_failing(
    values: RoleValues,
    account: Account,
    error: InputError,
    attribute: str,
    items: tuple[Any, ...],
) -> InputError | None:
    for index, item in enumerate(items):
        only: dict[str, Any] = {attribute: (item,)}
        alone = replace(values, **only)
        failure = _failure(alone, account)
        if failure is not None and failure.field == error.field:
            return InputError(f"{error.field}[{index}]", failure.rule, value=item)
    return None


def _failing_tag(
    values: RoleValues, account: Account, error: InputError, tags: dict[str, str]
) -> InputError | None:
    for key, value in tags.items():
        failure = _failure(replace(values, tags={key: value}), account)
        if failure is not None and failure.field == error.field:
            return InputError(key_path(error.field, key), failure.rule, value=value)
    return None


def _failure(values: RoleValues, account: Account) -> InputError | None:
    try:
        build_execution_role(values, account)
    except InputError as exc:
        return exc
    return None


# -- workforce ------------------------------------------------------------------


@dataclass(frozen=True)
class _KeyPaths(Fields):
    """``build_workforce``'s field names as key paths of the file.

    Its indexed fields become ``workforce.teams[i].name``,
    ``workforce.cidrs[i]`` and ``workforce.tags.<key>``.
    """

    tag_keys: tuple[str, ...] = ()

    def item(self, name: str, index: int) -> str:
        if name == self.teams:
            return f"{name}[{index}].name"
        if name == self.tags:
            return key_path(name, self.tag_keys[index])
        return super().item(name, index)


def _with_workforce(setup: SetupFile, table: Mapping[str, Any]) -> SetupFile:
    teams = table["teams"]
    _unique([t["name"] for t in teams], "workforce.teams", "name")
    workforce = _workforce(table)
    workers = [_team_workers(setup.path.parent, t, i) for i, t in enumerate(teams)]
    return replace(
        setup,
        workforce=workforce,
        workers=WorkerSet.collect(w for team in workers if team for w in team),
        membership_teams=frozenset(
            t["name"]
            for t, listed in zip(teams, workers, strict=True)
            if listed is not None
        ),
    )


def _workforce(table: Mapping[str, Any]) -> Workforce:
    tags = table.get("tags", {})
    paths = _KeyPaths(
        **{
            f.name: f"workforce.{f.name}" for f in fields(Fields) if f.name != "indexed"
        },
        indexed=True,
        tag_keys=tuple(tags),
    )
    workforce = build_workforce(
        name=table.get("name", DEFAULT_WORKFORCE_NAME),
        teams=[t["name"] for t in table["teams"]],
        user_pool_id=table.get("user_pool_id"),
        domain_prefix=table.get("domain_prefix"),
        cidrs=table.get("cidrs"),
        notification_topic=table.get("notification_topic"),
        create_topic=table.get("create_topic"),
        tags=[f"{k}={v}" for k, v in tags.items()],
        fields=paths,
    )
    return _with_descriptions(workforce, table["teams"])


def _with_descriptions(
    workforce: Workforce, teams: Sequence[Mapping[str, Any]]
) -> Workforce:
    described = tuple(
        replace(team, description=_description(entry, index))
        if "description" in entry
        else team
        for index, (team, entry) in enumerate(zip(workforce.teams, teams, strict=True))
    )
    return replace(workforce, teams=described)


def _description(entry: Mapping[str, Any], index: int) -> str:
    where = f"workforce.teams[{index}].description"
    return validate.workteam_description(entry["description"], where)


def _team_workers(
    base: Path, entry: Mapping[str, Any], index: int
) -> list[Worker] | None:
    """The team's workers, or None when the entry lists none."""
    where = f"workforce.teams[{index}]"
    team = entry["name"]
    if "workers" in entry and "workers_file" in entry:
        rule = "give either workers or workers_file, not both"
        raise InputError(f"{where}.workers_file", rule)
    if "workers" in entry:
        emails = entry["workers"]
        return [
            Worker(validate.email(e, f"{where}.workers[{i}]"), team)
            for i, e in enumerate(emails)
        ]
    if "workers_file" in entry:
        return _workers_file(base, entry["workers_file"], team, f"{where}.workers_file")
    return None


def _workers_file(base: Path, name: str, team: str, where: str) -> list[Worker]:
    """Every worker in the file, read now so a bad row never reaches AWS."""
    path = base / name
    return list(
        read_workers_file(path, teams={team}, default_team=team, field_name=where)
    )
