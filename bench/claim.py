"""Workbench benchmark on PostgreSQL: claim-and-complete throughput and the workbench page.

1. ``--workers`` processes (default 32), each one agent, take "next task" and
   record "reached" as fast as they can for ``--seconds`` on a queue of
   ``--tasks`` due tasks. Printed: tasks completed per second, and the ratio
   to ``pgbench``'s built-in simple-update transactions per second with the
   same number of clients on the same server, measured in this run.
2. The server time of the workbench page for a patient with 50 earlier
   encounters and 30 earlier calls, through Django's test client (median of
   ``--pages`` requests), its query count, and the ratio to ``/healthz``
   (a view that does one trivial query) measured the same way.

    python bench/claim.py [--workers 32] [--tasks 20000] [--seconds 20]
"""

import argparse
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_encounters import bench_environment, drop_database

DATABASE = "huifang_bench_claim"
PGBENCH_DATABASE = "huifang_bench_pgbench"
# A working Monday, inside the morning call window.
NOW = datetime(2026, 11, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def setup_django(env: dict) -> None:
    os.environ.update(env)
    import django

    django.setup()


def prepare(tasks: int, workers: int) -> list[int]:
    """Departments, agents and the queue; returns the agents' ids."""
    from django.db import connection

    from huifang.accounts import roles
    from huifang.accounts.models import Department
    from huifang.accounts.services import department_create, user_create
    from huifang.testing.workload import due_tasks

    medicine = department_create(code="MED", name="内科", kind=Department.Kind.DEPARTMENT)
    due_tasks(count=tasks, department=medicine, now=NOW)
    with connection.cursor() as cursor:
        # A live database has planner statistics (autovacuum); a bulk load has none yet.
        cursor.execute("ANALYZE")
    agents = [
        user_create(
            username=f"bench{n:02d}", password=None, roles=[roles.AGENT], departments=[medicine]
        ).pk
        for n in range(workers)
    ]
    return agents


def work(agent_id: int, seconds: float, start, done) -> None:
    """One agent: claim and complete until time is up or the queue is empty."""
    from django.db import connection

    from huifang.accounts.models import User
    from huifang.followups.models import Outcome
    from huifang.followups.services.claims import task_claim_next
    from huifang.followups.services.outcomes import attempt_record

    connection.close()  # never share the parent's connection
    agent = User.objects.get(pk=agent_id)
    reached = Outcome.objects.get(code="reached_patient")
    completed = 0
    start.wait()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        task = task_claim_next(agent=agent, now=NOW)
        if task is None:
            break
        attempt_record(
            task=task, outcome=reached, agent=agent, at=NOW, expected_version=task.version
        )
        completed += 1
    with done.get_lock():
        done.value += completed
    connection.close()


def claim_throughput(agent_ids: list[int], seconds: float) -> tuple[int, float]:
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    start = context.Barrier(len(agent_ids) + 1)
    done = context.Value("i", 0)
    processes = [
        context.Process(target=work, args=(agent_id, seconds, start, done))
        for agent_id in agent_ids
    ]
    for process in processes:
        process.start()
    start.wait()
    began = time.monotonic()
    for process in processes:
        process.join()
    elapsed = time.monotonic() - began
    if any(process.exitcode for process in processes):
        raise SystemExit("a worker failed")
    return done.value, elapsed


def pgbench_tps(base: str, clients: int, seconds: int) -> float:
    drop_database(base, PGBENCH_DATABASE)
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {PGBENCH_DATABASE}")
    url = f"{base}/{PGBENCH_DATABASE}"
    pgbench = shutil.which("pgbench") or "/usr/bin/pgbench"
    subprocess.run([pgbench, "-i", "-q", "-s", "10", url], check=True, capture_output=True)
    result = subprocess.run(
        [
            pgbench,
            "-b",
            "simple-update",
            "-n",
            "-c",
            str(clients),
            "-j",
            "2",
            "-T",
            str(seconds),
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    drop_database(base, PGBENCH_DATABASE)
    match = re.search(r"tps = ([\d.]+)", result.stdout)
    if not match:
        raise SystemExit(f"pgbench printed no tps:\n{result.stdout}\n{result.stderr}")
    return float(match.group(1))


def page_times(pages: int) -> dict:
    """Median server time and query count of the workbench page and of /healthz."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from huifang.accounts.models import Department, User
    from huifang.followups.models import ContactAttempt, FollowUpTask, Outcome
    from huifang.patients.models import Diagnosis, Encounter
    from huifang.testing.workload import due_tasks

    setup_test_environment()
    department = Department.objects.get(code="MED")
    task_id = due_tasks(count=1, department=department, now=NOW, prefix="PAGE")[0]
    task = FollowUpTask.objects.select_related("patient").get(pk=task_id)
    earlier = Encounter.objects.bulk_create(
        [
            Encounter(
                patient=task.patient,
                kind=Encounter.Kind.INPATIENT,
                number=f"HIST{n:03d}",
                department=department,
                discharged_on=NOW.date() - timedelta(days=30 * (n + 1)),
            )
            for n in range(50)
        ]
    )
    Diagnosis.objects.bulk_create(
        [Diagnosis(encounter=e, code="I10", name="高血压", position=0) for e in earlier]
    )
    old_task = FollowUpTask.objects.exclude(pk=task.pk).filter(status="done").first()
    if old_task is not None:
        FollowUpTask.objects.filter(pk=old_task.pk).update(patient=task.patient)
        outcome = Outcome.objects.get(code="no_answer")
        ContactAttempt.objects.bulk_create(
            [
                ContactAttempt(task=old_task, outcome=outcome, at=NOW - timedelta(days=n + 1))
                for n in range(30)
            ]
        )
    agent = User.objects.get(username="bench00")
    client = Client(HTTP_HOST="localhost")
    client.force_login(agent)

    def measure(url: str) -> tuple[float, int]:
        client.get(url)  # warm caches (templates, calendar)
        times = []
        for _ in range(pages):
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return statistics.median(times) * 1000, len(queries)

    page_ms, page_queries = measure(f"/followups/tasks/{task.uuid}/")
    health_ms, health_queries = measure("/healthz")
    return {
        "page_ms": page_ms,
        "page_queries": page_queries,
        "health_ms": health_ms,
        "health_queries": health_queries,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--pages", type=int, default=50)
    args = parser.parse_args()

    work_dir = Path(tempfile.mkdtemp(prefix="huifang-bench-claim-"))
    env, base = bench_environment(work_dir, "postgres", DATABASE)
    for command in (["migrate"], ["collectstatic", "--noinput"]):
        subprocess.run(
            [sys.executable, "-m", "huifang", *command, "--verbosity", "0"], env=env, check=True
        )
    setup_django(env)
    agent_ids = prepare(args.tasks, args.workers)

    completed, elapsed = claim_throughput(agent_ids, args.seconds)
    ours = completed / elapsed
    reference = pgbench_tps(base, args.workers, int(args.seconds))
    print(
        f"claim-and-complete: {completed:,} tasks by {args.workers} agents in {elapsed:.1f} s "
        f"= {ours:,.0f} tasks/s"
    )
    print(f"pgbench simple-update, {args.workers} clients: {reference:,.0f} tps")
    print(f"ratio claim-and-complete / pgbench simple-update: {ours / reference:.3f}")

    from django.db import connections

    connections.close_all()
    pages = page_times(args.pages)
    print(
        f"workbench page, 50 earlier encounters: {pages['page_ms']:.1f} ms median, "
        f"{pages['page_queries']} queries"
    )
    print(f"/healthz: {pages['health_ms']:.1f} ms median, {pages['health_queries']} queries")
    print(f"ratio workbench page / healthz: {pages['page_ms'] / pages['health_ms']:.1f}")
    connections.close_all()
    drop_database(base, DATABASE)


if __name__ == "__main__":
    main()
