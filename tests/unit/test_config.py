"""gtprov.toml loading: every bad file is exit 2 naming the file, key and rule.

Pure: ``load`` reads only the files it is given and makes no AWS call (the
CLI-level check that no call is made is in tests/functional).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from gtprov.config import ConfigFileError, SetupFile, key_path, load
from gtprov.exitcodes import ExitCode
from gtprov.models.role import Account, RoleValues, build_execution_role

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TOPIC = "arn:aws:sns:us-east-1:123456789012:work"
HEAD = 'region = "us-east-1"\n'
ROLE = HEAD + '[[roles]]\nname = "gt"\noutput_uris = ["s3://out1/labels"]\n'
TEAM = HEAD + '[workforce]\n[[workforce.teams]]\nname = "images"\n'


def _workforce(keys: str) -> str:
    """A file whose [workforce] holds ``keys`` and one team, t."""
    return HEAD + "[workforce]\n" + keys + '[[workforce.teams]]\nname = "t"\n'


INVALID: list[tuple[str, str, str]] = [
    # (test id, file text, key path the error names)
    ("unknown top-level key", 'regoin = "us-east-1"\n', "regoin"),
    ("region missing", 'account = "123456789012"\n', "region"),
    ("region not a string", "region = 1\n", "region"),
    ("region not a Region", 'region = "mars-1"\n', "region"),
    ("account not 12 digits", HEAD + 'account = "12345"\n', "account"),
    ("roles not tables", HEAD + 'roles = "gt"\n', "roles"),
    ("role unknown key", ROLE + 'bucket = ["b1b"]\n', "roles[0].bucket"),
    ("role name missing", HEAD + '[[roles]]\nbuckets = ["b1b"]\n', "roles[0].name"),
    ("role without S3 location", HEAD + '[[roles]]\nname = "gt"\n', "roles[0].buckets"),
    ("role name not a string", HEAD + "[[roles]]\nname = 7\n", "roles[0].name"),
    ("role name too long", HEAD + f'[[roles]]\nname = "{"r" * 65}"\n', "roles[0].name"),
    ("buckets not an array", ROLE + 'buckets = "b1b"\n', "roles[0].buckets"),
    ("bucket not a string", ROLE + 'buckets = ["b1b", 3]\n', "roles[0].buckets[1]"),
    (
        "bad bucket in second role",
        ROLE + '[[roles]]\nname = "gt2"\nbuckets = ["ok-bucket", "Bad_Bucket"]\n',
        "roles[1].buckets[1]",
    ),
    (
        "input uri not s3",
        ROLE + 'input_uris = ["http://b1b/x"]\n',
        "roles[0].input_uris[0]",
    ),
    (
        "input uri with a pattern",
        ROLE + 'input_uris = ["s3://b1b/ok", "s3://b1b/a*"]\n',
        "roles[0].input_uris[1]",
    ),
    (
        "lambda in another Region",
        ROLE + 'lambdas = ["arn:aws:lambda:eu-west-1:123456789012:function:f"]\n',
        "roles[0].lambdas[0]",
    ),
    (
        "input topic in another Region",
        ROLE + 'input_topics = ["arn:aws:sns:eu-west-1:123456789012:t"]\n',
        "roles[0].input_topics[0]",
    ),
    ("kms key not a key", ROLE + 'kms_keys = ["not-a-key"]\n', "roles[0].kms_keys[0]"),
    (
        "volume key AWS managed",
        ROLE + 'volume_kms_keys = ["alias/aws/s3"]\n',
        "roles[0].volume_kms_keys[0]",
    ),
    (
        "new key AWS alias",
        ROLE + 'create_kms_key = "alias/aws/x"\n',
        "roles[0].create_kms_key",
    ),
    ("path without slashes", ROLE + 'path = "labeling"\n', "roles[0].path"),
    (
        "boundary not a policy ARN",
        ROLE + 'permissions_boundary = "arn:aws:iam::123456789012:role/x"\n',
        "roles[0].permissions_boundary",
    ),
    (
        "session duration a string",
        ROLE + 'max_session_duration = "3600"\n',
        "roles[0].max_session_duration",
    ),
    (
        "session duration too short",
        ROLE + "max_session_duration = 60\n",
        "roles[0].max_session_duration",
    ),
    (
        "session duration a boolean",
        ROLE + "max_session_duration = true\n",
        "roles[0].max_session_duration",
    ),
    (
        "flag not a boolean",
        ROLE + 'automated_labeling = "yes"\n',
        "roles[0].automated_labeling",
    ),
    ("tags not a table", ROLE + 'tags = ["team=ml"]\n', "roles[0].tags"),
    ("tag value not a string", ROLE + "tags = { team = 1 }\n", "roles[0].tags.team"),
    (
        "tag key gtprov's",
        ROLE + 'tags = { "gtprov:x" = "y" }\n',
        'roles[0].tags."gtprov:x"',
    ),
    ("tag key AWS's", ROLE + 'tags = { "aws:x" = "y" }\n', 'roles[0].tags."aws:x"'),
    ("role names equal case-blind", ROLE + '[[roles]]\nname = "GT"\n', "roles[1].name"),
    (
        "description not Latin-1",
        ROLE + 'description = "\u2603"\n',
        "roles[0].description",
    ),
    ("workforce not a table", HEAD + 'workforce = "default"\n', "workforce"),
    ("workforce without teams", HEAD + '[workforce]\nname = "w"\n', "workforce.teams"),
    ("workforce teams empty", HEAD + "[workforce]\nteams = []\n", "workforce.teams"),
    (
        "workforce teams a table",
        HEAD + '[workforce.teams]\nname = "t"\n',
        "workforce.teams",
    ),
    ("workforce unknown key", TEAM + 'team = "x"\n', "workforce.teams[0].team"),
    (
        "workforce key misspelt",
        HEAD + '[workforce]\ncidr = ["10.0.0.0/8"]\n',
        "workforce.cidr",
    ),
    (
        "workforce name bad",
        _workforce('name = "-w"\n'),
        "workforce.name",
    ),
    (
        "team name bad",
        HEAD + '[workforce]\n[[workforce.teams]]\nname = "t-"\n',
        "workforce.teams[0].name",
    ),
    (
        "team name missing",
        HEAD + "[workforce]\n[[workforce.teams]]\n",
        "workforce.teams[0].name",
    ),
    (
        "team names repeated",
        TEAM + '[[workforce.teams]]\nname = "images"\n',
        "workforce.teams[1].name",
    ),
    (
        "cidr with host bits",
        _workforce('cidrs = ["10.0.0.0/8", "10.0.0.7/24"]\n'),
        "workforce.cidrs[1]",
    ),
    (
        "both topic keys",
        _workforce(f'notification_topic = "{TOPIC}"\ncreate_topic = "t"\n'),
        "workforce.create_topic",
    ),
    (
        "domain prefix reserved word",
        _workforce('domain_prefix = "my-aws-portal"\n'),
        "workforce.domain_prefix",
    ),
    (
        "user pool id malformed",
        _workforce('user_pool_id = "pool"\n'),
        "workforce.user_pool_id",
    ),
    (
        "workforce tag gtprov's",
        _workforce('tags = { "gtprov:x" = "y" }\n'),
        'workforce.tags."gtprov:x"',
    ),
    (
        "team description too long",
        TEAM + f'description = "{"d" * 201}"\n',
        "workforce.teams[0].description",
    ),
    (
        "worker not an email",
        TEAM + 'workers = ["a@example.com", "b"]\n',
        "workforce.teams[0].workers[1]",
    ),
    ("worker not a string", TEAM + "workers = [1]\n", "workforce.teams[0].workers[0]"),
    (
        "workers and workers_file",
        TEAM + 'workers = ["a@example.com"]\nworkers_file = "w.csv"\n',
        "workforce.teams[0].workers_file",
    ),
    (
        "workers file missing",
        TEAM + 'workers_file = "absent.csv"\n',
        "workforce.teams[0].workers_file",
    ),
]


def _write(tmp_path: Path, text: str, name: str = "gtprov.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "field"), [pytest.param(t, f, id=i) for i, t, f in INVALID]
)
def test_load__should_refuse_with_file_and_key_path__when_file_is_bad(
    tmp_path: Path, text: str, field: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigFileError) as caught:
        load(path)
    error = caught.value
    assert error.exit_code == ExitCode.USAGE
    assert (error.file, error.field) == (str(path), field)
    assert error.message.startswith(f"{path}: {field}: ")
    assert error.to_dict()["file"] == str(path)


def test_load__should_name_the_line__when_a_workers_file_row_is_bad(
    tmp_path: Path,
) -> None:
    _write(tmp_path, "email\nok@example.com\nnot-an-address\n", "w.csv")
    path = _write(tmp_path, TEAM + 'workers_file = "w.csv"\n')
    with pytest.raises(ConfigFileError) as caught:
        load(path)
    assert caught.value.field.startswith("workforce.teams[0].workers_file")
    assert caught.value.field.endswith("line 3")


def test_load__should_refuse_a_worker_of_another_team_in_a_team_file(
    tmp_path: Path,
) -> None:
    _write(tmp_path, "email,team\nok@example.com,text\n", "w.csv")
    path = _write(tmp_path, TEAM + 'workers_file = "w.csv"\n')
    with pytest.raises(ConfigFileError) as caught:
        load(path)
    assert caught.value.field.endswith("line 2")


@pytest.mark.parametrize(
    "text",
    ['region = "us-east-1"\n[[roles]\n', 'region = "us-east-1"\nregion = "x"\n'],
    ids=["broken table header", "repeated key"],
)
def test_load__should_refuse_invalid_toml_naming_the_file(
    tmp_path: Path, text: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigFileError) as caught:
        load(path)
    assert caught.value.field == "(file)"
    assert "not valid TOML" in caught.value.rule


def test_load__should_refuse_a_file_that_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError) as caught:
        load(tmp_path / "absent.toml")
    assert caught.value.exit_code == ExitCode.USAGE


def test_execution_roles__should_name_the_key__when_the_account_breaks_a_rule(
    tmp_path: Path,
) -> None:
    lambda_arn = "arn:aws:lambda:us-east-1:210987654321:function:pre"
    setup = load(_write(tmp_path, ROLE + f'lambdas = ["{lambda_arn}"]\n'))
    with pytest.raises(ConfigFileError) as caught:
        setup.execution_roles("123456789012")
    assert caught.value.field == "roles[0].lambdas[0]"


def test_minimal_example_loads_one_role_and_no_workforce() -> None:
    setup = load(EXAMPLES / "minimal.gtprov.toml")
    (role,) = setup.execution_roles()
    assert (setup.region, setup.workforce) == ("us-east-1", None)
    assert role.name == "GroundTruthLabeling"
    assert role.permissions.buckets == ("example-labeling-data",)


def test_complete_example_loads_every_section() -> None:
    setup = load(EXAMPLES / "complete.gtprov.toml")
    labeling, streaming = setup.execution_roles()
    assert setup.account_id == "123456789012"
    assert labeling.new_key is not None
    assert labeling.permissions.automated_labeling
    assert labeling.trust.source_account
    assert labeling.tags == {"team": "data", "cost center": "ml-4711"}
    assert streaming.permissions.tagged_object_read
    assert setup.workforce is not None
    assert setup.workforce.cidrs == ("198.51.100.0/24", "203.0.113.0/24")
    assert setup.workforce.team("images").description is not None
    assert setup.workforce.team("text").description is None
    assert setup.membership_teams == {"images", "text"}
    assert setup.workers.by_team["text"] == (
        "ana@example.com",
        "carla@example.com",
        "dev@example.com",
    )


def test_file_role__should_equal_the_command_line_role__for_the_same_values(
    tmp_path: Path,
) -> None:
    text = ROLE + (
        'buckets = ["b1b"]\ninput_uris = ["s3://in1/x"]\nlambdas = ["pre"]\n'
        'tags = { team = "ml" }\nmax_session_duration = 7200\n'
    )
    setup = load(_write(tmp_path, text))
    account = Account("123456789012", "us-east-1", "aws")
    command_line = RoleValues(
        name="gt",
        output_uris=["s3://out1/labels"],
        buckets=["b1b"],
        input_uris=["s3://in1/x"],
        lambdas=["pre"],
        tags=["team=ml"],
        max_session_duration=7200,
    )
    (from_file,) = setup.execution_roles(account.account_id)
    assert from_file == build_execution_role(command_line, account)


def test_account__should_default_to_the_files_account() -> None:
    setup = SetupFile(Path("x.toml"), "cn-north-1", account_id="123456789012")
    assert setup.account() == Account("123456789012", "cn-north-1", "aws-cn")
    assert replace(setup, account_id=None).account("210987654321").account_id == (
        "210987654321"
    )


@pytest.mark.parametrize(
    ("parent", "key", "path"),
    [
        ("", "region", "region"),
        ("roles[0].tags", "cost center", 'roles[0].tags."cost center"'),
    ],
)
def test_key_path_quotes_keys_that_are_not_bare(
    parent: str, key: str, path: str
) -> None:
    assert key_path(parent, key) == path
