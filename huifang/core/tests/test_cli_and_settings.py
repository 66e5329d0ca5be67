"""The ``huifang`` command as an operator meets it: real processes, real files."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

HUIFANG = [sys.executable, "-m", "huifang"]
FERNET_KEY = "o1xVn0iDtm3u9Qa5C3E1xYKpZ8J7n4dD2nqvG4Zc3Wk="


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HUIFANG_", "DJANGO_", "HUEY_", "SECRET_KEY", "DATABASE_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="huifang.settings",
        HUIFANG_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'var' / 'db.sqlite3'}",
    )
    env.update(extra)
    return env


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return _env(
        tmp_path,
        HUIFANG_ENV="production",
        SECRET_KEY="a-production-secret-" + "k" * 50,
        HUIFANG_FIELD_KEYS=FERNET_KEY,
        HUIFANG_LOOKUP_KEY="lookup-key-for-tests",
        ALLOWED_HOSTS="followup.hospital.example",
        **extra,
    )


def run(args, env, timeout=120):
    return subprocess.run(
        [*HUIFANG, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_it_passes_the_deploy_check_with_production_settings(tmp_path):
    result = run(["check", "--deploy"], _production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_it_reads_the_secret_key_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file-" + "s" * 50 + "\n")
    env = _production_env(tmp_path, SECRET_KEY_FILE=str(secret))
    del env["SECRET_KEY"]
    result = run(
        [
            "shell",
            "--no-imports",
            "-c",
            "from django.conf import settings; print(settings.SECRET_KEY)",
        ],
        env,
    )
    assert result.stdout.strip() == "from-a-file-" + "s" * 50


@pytest.mark.parametrize("secret", ["SECRET_KEY", "HUIFANG_FIELD_KEYS", "HUIFANG_LOOKUP_KEY"])
def test_it_refuses_to_serve_without_secrets(tmp_path, secret):
    env = _production_env(tmp_path)
    del env[secret]
    check = run(["check", "--deploy"], env)
    assert check.returncode != 0
    assert secret in check.stderr
    for command in (["serve", "--port", "0"], ["worker"]):
        result = run(command, env)
        assert result.returncode != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, lines
        assert secret in lines[0]


def test_it_explains_a_bad_environment_in_one_line(tmp_path):
    result = run(["check"], _env(tmp_path, HUIFANG_ENV="staging"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "HUIFANG_ENV must be production, demo or test" in lines[0]


def test_it_turns_sqlite_wal_on(tmp_path):
    env = _env(tmp_path, HUIFANG_ENV="demo")
    code = (
        "from django.db import connection\n"
        "c = connection.cursor()\n"
        "print(c.execute('PRAGMA journal_mode').fetchone()[0],"
        " c.execute('PRAGMA busy_timeout').fetchone()[0])"
    )
    result = run(["shell", "--no-imports", "-c", code], env)
    assert result.stdout.split() == ["wal", "20000"], result.stderr


def test_it_builds_the_demo_twice_safely(tmp_path):
    env = _env(tmp_path, HUIFANG_ENV="demo")
    first = run(["demo", "--no-serve", "--patients", "40"], env, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "seeded 40 patients" in first.stdout
    assert "agent" in first.stdout and "Password:" in first.stdout
    second = run(["demo", "--no-serve", "--patients", "40"], env, timeout=300)
    assert second.returncode == 0, second.stderr
    assert "already present (40 patients)" in second.stdout


def _wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def _redis_available() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_it_runs_queued_jobs_in_a_separate_worker_process(tmp_path, backend):
    """The path a nightly job takes: enqueued by one process, run by ``huifang worker``."""
    if backend == "redis" and not _redis_available():
        if os.environ.get("CI"):
            pytest.fail("Redis is required in CI at 127.0.0.1:6379")
        pytest.skip("no Redis at 127.0.0.1:6379")
    extra = {"HUIFANG_ENV": "demo", "HUEY_IMMEDIATE": "0", "HUEY_BACKEND": backend}
    if backend == "redis":
        extra["HUEY_NAME"] = f"huifang-test-{os.getpid()}-{time.monotonic_ns()}"
    env = _env(tmp_path, **extra)
    assert run(["migrate", "--verbosity", "0"], env).returncode == 0
    worker = subprocess.Popen(
        [*HUIFANG, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        enqueue = run(
            [
                "shell",
                "--no-imports",
                "-c",
                "from huifang.core.tasks import housekeeping_now; housekeeping_now()",
            ],
            env,
        )
        assert enqueue.returncode == 0, enqueue.stderr
        count = (
            "from huifang.core.models import JobRun;"
            "print(JobRun.objects.filter(name='housekeeping', status='succeeded').count())"
        )
        assert _wait_for(
            lambda: run(["shell", "--no-imports", "-c", count], env).stdout.strip() == "1", 60
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def test_it_prints_application_errors_in_one_line(tmp_path):
    env = _env(tmp_path, HUIFANG_ENV="demo")
    assert run(["migrate", "--verbosity", "0"], env).returncode == 0
    result = run(["api_token", "create", "nobody-here", "HIS"], env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["CommandError: no user named 'nobody-here'"]
    make_inactive = (
        "from huifang.accounts.services import user_create;"
        "u = user_create(username='left', password=None); u.is_active = False; u.save()"
    )
    assert run(["shell", "--no-imports", "-c", make_inactive], env).returncode == 0
    result = run(["api_token", "create", "left", "HIS"], env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "huifang: 该用户已停用，不能签发令牌 [user_inactive]"
    ]
