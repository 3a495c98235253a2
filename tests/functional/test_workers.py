"""add-workers, remove-workers and re-invitations against the emulation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gtprov.emulation.control import EmulatorControl
from tests.functional.test_setup_workforce import (
    gtprov,
    gtprov_json,
    idp,
    members,
    operations,
    workforce,
)

FAST = ("--user-creation-rps", "1000", "--user-update-rps", "1000")


@pytest.fixture
def team(aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]) -> str:
    """A workforce with teams labelers (ann) and reviewers (empty); its pool."""
    args = ["setup-workforce", "--team", "labelers", "--team", "reviewers"]
    assert gtprov(capsys, *args)[0] == 0
    assert (
        gtprov(capsys, "add-workers", "--team", "labelers", "ann@example.com")[0] == 0
    )
    pool_id = str(workforce()["CognitoConfig"]["UserPool"])
    aws_env.clear_calls()
    return pool_id


def confirm(pool_id: str, email: str) -> None:
    """The worker signed in and chose a password (status CONFIRMED)."""
    idp().admin_set_user_password(
        UserPoolId=pool_id, Username=email, Password="Str0ng!Passw0rd", Permanent=True
    )


def user_exists(pool_id: str, email: str) -> bool:
    found = idp().list_users(UserPoolId=pool_id, Filter=f'email = "{email}"')
    return bool(found["Users"])


# -- add-workers ------------------------------------------------------------------


def test_add_workers_invites_only_who_is_missing(
    team: str, aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("add-workers", "--team", "labelers", "ann@example.com", "Bob@Example.com")
    code, envelope = gtprov_json(capsys, *args)
    assert code == 0
    assert operations(aws_env, writes=True) == {
        "AdminCreateUser": 1,
        "AdminAddUserToGroup": 1,
    }
    assert members(team, "labelers") == {"ann@example.com", "bob@example.com"}
    assert envelope["resources"]["workers"] == {"labelers": 2}
    assert envelope["resources"]["worker_changes"] == {
        "labelers": "1 already present, 1 invited"
    }
    aws_env.clear_calls()
    assert gtprov(capsys, *args)[0] == 0
    assert aws_env.writes() == []


def test_add_workers_reads_three_things(
    team: str, aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        gtprov(capsys, "add-workers", "--team", "labelers", "ann@example.com")[0] == 0
    )
    assert operations(aws_env) == {
        "DescribeWorkteam": 1,
        "DescribeUserPool": 1,
        "ListUsersInGroup": 1,
    }


def test_a_worker_of_another_team_is_added_not_invited_again(
    team: str, aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = gtprov(
        capsys, "add-workers", "--team", "reviewers", "ann@example.com"
    )
    assert code == 0
    assert members(team, "reviewers") == {"ann@example.com"}
    assert members(team, "labelers") == {"ann@example.com"}
    assert len(idp().list_users(UserPoolId=team)["Users"]) == 1
    assert "reviewers: 1 already present" in out


def test_resend_reinvites_only_workers_who_never_signed_in(
    team: str, aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    add = ("add-workers", "--team", "labelers", "bob@example.com")
    assert gtprov(capsys, *add)[0] == 0
    confirm(team, "ann@example.com")
    aws_env.clear_calls()
    args = ("add-workers", "--team", "labelers", "ann@example.com", "bob@example.com")
    code, out, _ = gtprov(capsys, *args, "--resend")
    assert code == 0
    assert operations(aws_env, writes=True) == {"AdminCreateUser": 1}
    assert "1 re-sent" in out
    aws_env.clear_calls()
    assert gtprov(capsys, *args)[0] == 0
    assert aws_env.writes() == []


def test_add_workers_to_a_missing_team_says_how_to_create_it(
    team: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, envelope = gtprov_json(
        capsys, "add-workers", "--team", "nobody", "x@example.com"
    )
    assert code == 1
    assert envelope["error"]["type"] == "NotFoundError"
    assert "setup-workforce --team nobody" in envelope["error"]["hint"]


def test_a_run_stopped_halfway_resumes_where_it_stopped(
    team: str,
    aws_env: EmulatorControl,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    path = tmp_path / "workers.txt"
    emails = [f"w{i:02d}@example.com" for i in range(30)]
    path.write_text("\n".join(emails) + "\n")
    args = ("add-workers", "--team", "reviewers", "--workers-file", str(path), *FAST)
    aws_env.set_faults([{"write": 21, "mode": "access-denied"}])
    assert gtprov(capsys, *args)[0] == 1
    aws_env.clear_faults()
    done = members(team, "reviewers")
    assert 0 < len(done) < len(emails)
    aws_env.clear_calls()
    assert gtprov(capsys, *args)[0] == 0
    assert members(team, "reviewers") == set(emails)
    assert operations(aws_env, writes=True)["AdminAddUserToGroup"] == 30 - len(done)
    aws_env.clear_calls()
    assert gtprov(capsys, *args)[0] == 0
    assert aws_env.writes() == []


def test_throttled_invitations_back_off_and_finish(
    team: str, aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    throttle = {"operation": "AdminCreateUser", "mode": "throttle", "times": 1}
    # gtprov retries itself (max_attempts=1): each retry is a new logical call
    aws_env.set_faults([throttle | {"call": 1}, throttle | {"call": 2}])
    code, _, _ = gtprov(capsys, "add-workers", "--team", "labelers", "c@example.com")
    assert code == 0
    assert operations(aws_env)["AdminCreateUser"] == 3
    assert members(team, "labelers") == {"ann@example.com", "c@example.com"}


def test_a_large_file_lands_every_worker_once(
    team: str,
    aws_env: EmulatorControl,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    path = tmp_path / "crowd.csv"
    rows = [
        f"p{i:03d}@example.com,{('labelers', 'reviewers')[i % 2]}" for i in range(120)
    ]
    path.write_text("email,team\n" + "\n".join(rows) + "\n")
    args = ["setup-workforce", "--team", "labelers", "--team", "reviewers"]
    code, envelope = gtprov_json(capsys, *args, "--workers-file", str(path), *FAST)
    assert code == 0
    assert envelope["resources"]["workers"] == {"labelers": 61, "reviewers": 60}
    assert len(members(team, "reviewers")) == 60
    assert operations(aws_env)["ListUsersInGroup"] == 3  # 61 + 60 members, 60 a page


# -- remove-workers --------------------------------------------------------------


def test_removing_a_gtprov_worker_in_no_other_team_deletes_the_user(
    team: str, aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("remove-workers", "--team", "labelers", "ann@example.com")
    code, envelope = gtprov_json(capsys, *args)
    assert code == 0
    assert members(team, "labelers") == set()
    assert not user_exists(team, "ann@example.com")
    assert envelope["resources"]["workers"] == {"labelers": 0}
    aws_env.clear_calls()
    code, _, err = gtprov(capsys, *args)
    assert code == 0
    assert aws_env.writes() == []
    assert "not in team labelers" in err


def test_removing_a_worker_still_in_another_team_keeps_the_user(
    team: str, aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        gtprov(capsys, "add-workers", "--team", "reviewers", "ann@example.com")[0] == 0
    )
    code, _, _ = gtprov(
        capsys, "remove-workers", "--team", "labelers", "ann@example.com"
    )
    assert code == 0
    assert user_exists(team, "ann@example.com")
    assert members(team, "reviewers") == {"ann@example.com"}


def test_users_of_a_pool_gtprov_did_not_make_are_never_deleted(
    aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    pool_id = idp().create_user_pool(PoolName="theirs")["UserPool"]["Id"]
    setup = ["setup-workforce", "--team", "labelers", "--user-pool-id", pool_id]
    assert gtprov(capsys, *setup, "--worker", "ann@example.com")[0] == 0
    aws_env.clear_calls()
    code, _, _ = gtprov(
        capsys, "remove-workers", "--team", "labelers", "ann@example.com"
    )
    assert code == 0
    assert members(pool_id, "labelers") == set()
    assert user_exists(pool_id, "ann@example.com")
    assert "AdminDeleteUser" not in operations(aws_env, writes=True)


def test_remove_workers_dry_run_lists_who_would_go(
    team: str, aws_env: EmulatorControl, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("remove-workers", "--team", "labelers", "ann@example.com", "--dry-run")
    code, out, _ = gtprov(capsys, *args)
    assert code == 0
    assert "- ann@example.com" in out
    assert aws_env.writes() == []


def test_remove_workers_needs_a_worker(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = gtprov(capsys, "remove-workers", "--team", "labelers")
    assert (code, out) == (2, "")
    assert "at least one worker" in err


def test_json_output_is_one_envelope(
    team: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("add-workers", "--team", "labelers", "z@example.com", "--output", "json")
    from gtprov.cli.main import run

    assert run(list(args)) == 0
    out, _ = capsys.readouterr()
    envelope = json.loads(out)
    assert envelope["command"] == "add-workers"
    assert envelope["api_calls"]["writes"] == 2
