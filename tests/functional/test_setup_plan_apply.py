"""gtprov plan / apply / export -f FILE against the emulation (moto's IAM,
KMS, Cognito and SNS, gtprov's SageMaker fake): round trips, drift, prune,
and the same plan as the individual commands. Writes are counted in the
emulator's call log."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
import pytest

from gtprov.cli.main import run
from gtprov.emulation.control import EmulatorControl
from gtprov.exitcodes import ExitCode

ACCOUNT, REGION = "123456789012", "us-east-1"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ROLE = '[[roles]]\nname = "{name}"\nbuckets = [{buckets}]\n'
WORKFORCE = '[workforce]\nname = "labeling"\ndomain_prefix = "gtprov-test-portal"\n'
TEAM = '[[workforce.teams]]\nname = "{name}"\nworkers = [{workers}]\n'


def setup_file(
    tmp_path: Path,
    roles: dict[str, list[str]],
    teams: dict[str, list[str]] | None = None,
    head: str = f'region = "{REGION}"\n',
) -> Path:
    """A gtprov.toml with ``roles`` (name: buckets) and ``teams`` (name: workers)."""
    parts = [head]
    parts += [ROLE.format(name=n, buckets=_quoted(b)) for n, b in roles.items()]
    if teams is not None:
        parts.append(WORKFORCE)
        parts += [TEAM.format(name=n, workers=_quoted(w)) for n, w in teams.items()]
    path = tmp_path / "gtprov.toml"
    path.write_text("".join(parts), encoding="utf-8")
    return path


def _quoted(values: list[str]) -> str:
    return ", ".join(f'"{v}"' for v in values)


def gtprov(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    code = run([str(a) for a in args])
    out, _ = capsys.readouterr()
    return code, out


def plan_json(capsys: pytest.CaptureFixture[str], *args: str | Path) -> dict[str, Any]:
    code, out = gtprov(capsys, *args, "--output", "json")
    assert code == ExitCode.OK, out
    return dict(json.loads(out))


def writes(emulator: EmulatorControl) -> Counter[str]:
    return Counter(c["operation"] for c in emulator.writes())


def role_names() -> set[str]:
    roles = boto3.client("iam").list_roles()["Roles"]
    return {r["RoleName"] for r in roles}


def team_names() -> set[str]:
    teams = boto3.client("sagemaker", region_name=REGION).list_workteams()
    return {t["WorkteamName"] for t in teams["Workteams"]}


def group_members(team: str) -> set[str]:
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    described = sagemaker.describe_workteam(WorkteamName=team)["Workteam"]
    member = described["MemberDefinitions"][0]["CognitoMemberDefinition"]
    users = boto3.client("cognito-idp", region_name=REGION).list_users_in_group(
        UserPoolId=member["UserPool"], GroupName=member["UserGroup"]
    )["Users"]
    return {a["Value"] for u in users for a in u["Attributes"] if a["Name"] == "email"}


# -- round trips -------------------------------------------------------------------


def test_plan_apply_replan__should_go_from_pending_to_in_sync(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], aws_env: EmulatorControl
) -> None:
    path = setup_file(
        tmp_path, {"gt-labeling": ["labels-in"]}, {"images": ["ann@example.com"]}
    )
    code, _ = gtprov(capsys, "plan", "-f", path, "--detailed-exitcode")
    assert code == ExitCode.CHANGES_PENDING
    assert writes(aws_env) == Counter()
    code, out = gtprov(capsys, "apply", "-f", path, "--yes")
    assert code == ExitCode.OK, out
    assert "gt-labeling" in role_names()
    assert group_members("images") == {"ann@example.com"}
    aws_env.clear_calls()
    code, out = gtprov(capsys, "plan", "-f", path, "--detailed-exitcode")
    assert code == ExitCode.OK, out
    assert gtprov(capsys, "apply", "-f", path, "--yes")[0] == ExitCode.OK
    assert writes(aws_env) == Counter()


def test_changed_file__should_plan_an_update_and_apply_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], aws_env: EmulatorControl
) -> None:
    setup_file(tmp_path, {"gt-labeling": ["labels-in"]})
    assert gtprov(capsys, "apply", "-f", tmp_path / "gtprov.toml", "-y")[0] == 0
    path = setup_file(tmp_path, {"gt-labeling": ["labels-in", "labels-out"]})
    aws_env.clear_calls()
    code, out = gtprov(capsys, "plan", "-f", path, "--detailed-exitcode")
    assert code == ExitCode.CHANGES_PENDING
    assert "~ iam-role-policy gt-labeling/gtprov-execution" in out
    added = [line for line in out.splitlines() if line.lstrip().startswith("+")]
    assert any("arn:aws:s3:::labels-out" in line for line in added)
    assert writes(aws_env) == Counter()
    assert gtprov(capsys, "apply", "-f", path, "--yes")[0] == ExitCode.OK
    assert writes(aws_env) == Counter({"PutRolePolicy": 1})
    assert gtprov(capsys, "plan", "-f", path, "--detailed-exitcode")[0] == 0


def test_apply_dry_run__should_print_the_plan_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], aws_env: EmulatorControl
) -> None:
    path = setup_file(tmp_path, {"gt-labeling": ["labels-in"]})
    code, out = gtprov(capsys, "apply", "-f", path, "--dry-run")
    assert code == ExitCode.OK
    assert "+ iam-role gt-labeling" in out
    assert writes(aws_env) == Counter()


# -- prune --------------------------------------------------------------------------


def test_prune__should_remove_roles_and_teams_the_file_no_longer_has(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], aws_env: EmulatorControl
) -> None:
    both = {"gt-a": ["labels-a"], "gt-b": ["labels-b"]}
    teams = {"images": ["ann@example.com"], "text": ["bob@example.com"]}
    assert (
        gtprov(capsys, "apply", "-f", setup_file(tmp_path, both, teams), "-y")[0] == 0
    )
    path = setup_file(tmp_path, {"gt-a": ["labels-a"]}, {"images": ["ann@example.com"]})
    assert gtprov(capsys, "plan", "-f", path, "--detailed-exitcode")[0] == 0
    code, out = gtprov(capsys, "plan", "-f", path, "--prune", "--detailed-exitcode")
    assert code == ExitCode.CHANGES_PENDING
    assert "- iam-role gt-b" in out
    assert "- sagemaker-workteam text" in out
    assert gtprov(capsys, "apply", "-f", path, "--yes")[0] == ExitCode.OK
    assert {"gt-a", "gt-b"} <= role_names()
    assert gtprov(capsys, "apply", "-f", path, "--yes", "--prune")[0] == 0
    assert "gt-b" not in role_names()
    assert team_names() == {"images"}
    code, _ = gtprov(capsys, "plan", "-f", path, "--prune", "--detailed-exitcode")
    assert code == ExitCode.OK


def test_prune__should_leave_roles_gtprov_did_not_make(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], aws_env: EmulatorControl
) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam = boto3.client("iam")
    iam.create_role(
        RoleName="someone-elses", AssumeRolePolicyDocument=json.dumps(trust)
    )
    path = setup_file(tmp_path, {"gt-a": ["labels-a"]})
    assert gtprov(capsys, "apply", "-f", path, "--yes", "--prune")[0] == 0
    assert {"gt-a", "someone-elses"} <= role_names()


def test_prune__should_remove_workers_a_team_no_longer_lists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], aws_env: EmulatorControl
) -> None:
    roles = {"gt-a": ["labels-a"]}
    two = {"images": ["ann@example.com", "bob@example.com"]}
    assert gtprov(capsys, "apply", "-f", setup_file(tmp_path, roles, two), "-y")[0] == 0
    path = setup_file(tmp_path, roles, {"images": ["ann@example.com"]})
    code, out = gtprov(capsys, "plan", "-f", path, "--prune")
    assert code == ExitCode.OK
    assert "- cognito-users team images" in out
    assert gtprov(capsys, "apply", "-f", path, "--yes", "--prune")[0] == 0
    assert group_members("images") == {"ann@example.com"}


# -- one engine ---------------------------------------------------------------------


def test_file_plan__should_equal_the_commands_plans__for_the_same_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], aws_env: EmulatorControl
) -> None:
    path = setup_file(
        tmp_path, {"gt-labeling": ["labels-in"]}, {"images": ["ann@example.com"]}
    )
    role = plan_json(
        capsys, "create-execution-role", "gt-labeling", "--bucket", "labels-in",
        "--dry-run",
    )  # fmt: skip
    workforce = plan_json(
        capsys, "setup-workforce", "--workforce-name", "labeling", "--team", "images",
        "--worker", "ann@example.com", "--domain-prefix", "gtprov-test-portal",
        "--dry-run",
    )  # fmt: skip
    from_file = plan_json(capsys, "plan", "-f", path)
    assert from_file["plan"] == role["plan"] + workforce["plan"]
    assert from_file["command"] == "plan"
    assert writes(aws_env) == Counter()


def test_examples__should_plan_against_the_emulation_and_complete_should_apply(
    capsys: pytest.CaptureFixture[str], aws_env: EmulatorControl
) -> None:
    minimal = plan_json(capsys, "plan", "-f", EXAMPLES / "minimal.gtprov.toml")
    assert {c["kind"] for c in minimal["plan"]} == {"iam-role", "iam-role-policy"}
    complete = EXAMPLES / "complete.gtprov.toml"
    code, out = gtprov(capsys, "apply", "-f", complete, "--yes")
    assert code == ExitCode.OK, out
    assert {"GroundTruthLabeling", "GroundTruthStreaming"} <= role_names()
    assert team_names() == {"images", "text"}
    assert group_members("text") == {
        "ana@example.com",
        "carla@example.com",
        "dev@example.com",
    }
    assert gtprov(capsys, "plan", "-f", complete, "--detailed-exitcode")[0] == 0


# -- refusals before any write ----------------------------------------------------


@pytest.mark.parametrize("command", ["plan", "apply", "export"])
def test_bad_file__should_exit_2_with_no_aws_call_and_empty_stdout(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    aws_env: EmulatorControl,
    command: str,
) -> None:
    path = setup_file(tmp_path, {"gt": ["Bad_Bucket"]})
    extra = ["--format", "cloudformation"] if command == "export" else ["--yes"]
    code = run([command, "-f", str(path), *extra][: 3 if command == "plan" else None])
    out, err = capsys.readouterr()
    assert code == ExitCode.USAGE
    assert out == ""
    assert f"{path}: roles[0].buckets[0]:" in err
    assert aws_env.calls() == []


def test_apply__should_refuse_without_yes_when_no_terminal_can_confirm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], aws_env: EmulatorControl
) -> None:
    path = setup_file(tmp_path, {"gt-labeling": ["labels-in"]})
    code, _ = gtprov(capsys, "apply", "-f", path)
    assert code == ExitCode.USAGE
    assert writes(aws_env) == Counter()
    assert "gt-labeling" not in role_names()


def test_apply__should_refuse_another_accounts_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], aws_env: EmulatorControl
) -> None:
    head = f'account = "999999999999"\nregion = "{REGION}"\n'
    path = setup_file(tmp_path, {"gt": ["labels-in"]}, head=head)
    code, _ = gtprov(capsys, "apply", "-f", path, "--yes")
    assert code == ExitCode.FAILED
    assert writes(aws_env) == Counter()


def test_plan__should_refuse_a_region_option_that_contradicts_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], aws_env: EmulatorControl
) -> None:
    path = setup_file(tmp_path, {"gt": ["labels-in"]})
    code, out = gtprov(capsys, "plan", "-f", path, "--region", "eu-west-1")
    assert (code, out) == (ExitCode.USAGE, "")
    assert aws_env.calls() == []


# -- export ---------------------------------------------------------------------------


def test_export__should_write_the_template_without_any_aws_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], aws_env: EmulatorControl
) -> None:
    out = tmp_path / "template.yaml"
    code, _ = gtprov(
        capsys, "export", "-f", EXAMPLES / "complete.gtprov.toml",
        "--format", "cloudformation", "--out", out,
    )  # fmt: skip
    assert code == ExitCode.OK
    assert out.read_text().count('Type: "AWS::SageMaker::Workteam"') == 2
    envelope = plan_json(
        capsys, "export", "-f", EXAMPLES / "minimal.gtprov.toml",
        "--format", "cloudformation",
    )  # fmt: skip
    assert envelope["resources"]["template"].startswith("# Amazon SageMaker")
    assert aws_env.calls() == []


def test_two_roles_with_new_keys__should_each_use_their_own_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], aws_env: EmulatorControl
) -> None:
    path = tmp_path / "gtprov.toml"
    path.write_text(
        f'region = "{REGION}"\n'
        + "".join(
            ROLE.format(name=f"gt-{n}", buckets=f'"labels-{n}"')
            + f'create_kms_key = "alias/labels-{n}"\n'
            for n in ("a", "b")
        ),
        encoding="utf-8",
    )
    assert gtprov(capsys, "apply", "-f", path, "--yes")[0] == ExitCode.OK
    kms, iam = boto3.client("kms", region_name=REGION), boto3.client("iam")
    for name in ("a", "b"):
        key = kms.describe_key(KeyId=f"alias/labels-{name}")["KeyMetadata"]["Arn"]
        policy = iam.get_role_policy(
            RoleName=f"gt-{name}", PolicyName="gtprov-execution"
        )
        assert key in json.dumps(policy["PolicyDocument"])
    assert gtprov(capsys, "plan", "-f", path, "--detailed-exitcode")[0] == 0
