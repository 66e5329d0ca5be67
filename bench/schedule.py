"""Scheduling benchmark: plan follow-up tasks for imported encounters.

Generates the import benchmark's GB18030 file, imports it with
`huifang import-encounters` (timed: the reference), then plans the tasks of
every imported encounter as `huifang plan-tasks --all` does, in a separate
process (timed; calls of 50,000 encounters, which generation works through in
chunks, on PostgreSQL in two lanes by patient, the second a forked
process), and prints encounters/s, the peak memory of that process or a
lane's, and the ratio scheduling / import for the same
rows (target: at most 0.25).

    python bench/schedule.py [--rows 1000000] [--database sqlite|postgres]
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_encounters import bench_environment, drop_database, generate, migrate

SCHEDULE = r"""
import json, resource, time
from huifang.followups.services.generation import encounters_for_backfill, tasks_generate_backfill
from huifang.followups.models import FollowUpTask
ids = encounters_for_backfill()  # what `huifang plan-tasks --all` plans
started = time.monotonic()
def cpu_now():  # this process and its finished lane processes
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))
cpu_started = cpu_now()
totals = tasks_generate_backfill(ids).as_dict()
seconds = time.monotonic() - started
cpu = cpu_now() - cpu_started
by_status = {}
for status in FollowUpTask.objects.values_list("status", flat=True).iterator():
    by_status[status] = by_status.get(status, 0) + 1
print(json.dumps({"encounters": len(ids), "seconds": seconds, "cpu_seconds": cpu,
                  "result": totals,
                  "tasks_by_status": by_status,
                  "peak_mb": max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="huifang-bench-schedule-"))
    csv_path = work / "discharges.csv"
    generate(csv_path, args.rows)
    env, base = bench_environment(work, args.database, "huifang_bench_schedule")
    huifang = [sys.executable, "-m", "huifang"]
    migrate(env)

    started = time.monotonic()
    subprocess.run(
        [*huifang, "import-encounters", str(csv_path), "--json"],
        env=env,
        check=True,
        capture_output=True,
    )
    import_seconds = time.monotonic() - started

    done = subprocess.run(
        [*huifang, "shell", "--no-imports", "-c", SCHEDULE],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    seconds = report["seconds"]
    print(json.dumps(report, ensure_ascii=False))
    print(f"database:          {args.database}")
    print(f"encounters:        {report['encounters']:,}")
    print(f"import:            {import_seconds:.1f}s")
    print(f"scheduling:        {seconds:.1f}s = {report['encounters'] / seconds:,.0f} encounters/s")
    print(
        f"CPU:               {report['cpu_seconds']:.1f}s in the scheduling process and its lanes "
        "(their own share; on PostgreSQL the server's comes on top)"
    )
    print(
        f"peak memory:       {report['peak_mb']:.0f} MB (scheduling process or a lane, the larger)"
    )
    print(f"ratio schedule / import: {seconds / import_seconds:.2f} (target ≤ 0.25)")
    if args.database == "postgres":
        drop_database(base, "huifang_bench_schedule")


if __name__ == "__main__":
    main()
