"""An import killed with SIGKILL and started again ends as one clean run would."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

from huifang.core.tests.test_cli_and_settings import _env, run
from huifang.patients.tests.test_import_pipeline import row, write_csv

SNAPSHOT = """
import json
from huifang.patients.models import Encounter, Patient, PhoneNumber
patients = sorted(Patient.objects.values_list(
    "record_number", "name", "sex", "birth_date", "id_number_hash", "address"))
encounters = sorted(
    (e.number, e.patient.record_number, e.kind, e.department.name, str(e.discharged_on),
     e.source_hash, [(d.code, d.name, d.is_sensitive) for d in e.diagnoses.all()])
    for e in Encounter.objects.select_related("patient", "department").prefetch_related("diagnoses")
)
phones = sorted(PhoneNumber.objects.values_list(
    "patient__record_number", "number", "owner", "status", "is_primary"))
print(json.dumps([patients, encounters, phones], default=str, ensure_ascii=False))
"""


def _committed_encounters(database) -> int:
    try:
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)) as db:
            return db.execute("SELECT COUNT(*) FROM patients_encounter").fetchone()[0]
    except sqlite3.OperationalError:  # not migrated yet, or busy: try again
        return 0


def _rows(count):
    rows = []
    for i in range(count):
        patient = i // 2  # two stays per patient
        rows.append(
            row(
                **{
                    "病案号": f"P{patient:06d}",
                    "患者姓名": "张三丰" if i % 3 else "李秀英",
                    "住院号": f"ZY{i:07d}",
                    "联系电话": f"139{patient:08d}",
                    "身份证号": "",
                    "出院日期": f"2026-{(i % 10) + 1:02d}-{(i % 27) + 1:02d}",
                    "入院日期": "",
                }
            )
            if i % 97
            else row(**{"住院号": f"ZY{i:07d}", "患者姓名": ""})  # some rejects
        )
    return rows


def test_it_resumes_after_sigkill_without_loss_or_duplicates(tmp_path):
    csv_path = write_csv(tmp_path / "big.csv", _rows(4000))
    killed_env = _env(tmp_path / "killed", HUIFANG_ENV="demo")
    clean_env = _env(tmp_path / "clean", HUIFANG_ENV="demo")
    for env in (killed_env, clean_env):
        assert run(["migrate", "--verbosity", "0"], env).returncode == 0

    command = [
        sys.executable,
        "-m",
        "huifang",
        "import-encounters",
        str(csv_path),
        "--batch-size",
        "50",
        "--json",
    ]
    victim = subprocess.Popen(
        command,
        env=killed_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    # Read the database file directly: starting a Django shell per poll is slow
    # enough on a busy machine for the import to finish between two polls.
    database = tmp_path / "killed" / "var" / "db.sqlite3"
    deadline = time.monotonic() + 120
    written = 0
    while time.monotonic() < deadline and victim.poll() is None:
        written = _committed_encounters(database)
        if written >= 300:
            break
        time.sleep(0.02)
    assert victim.poll() is None, "the import finished before it could be killed"
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    assert 0 < written < 3950

    resumed = subprocess.run(
        command,
        env=killed_env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    second = json.loads(resumed.stdout)
    assert (
        second["rows"]
        == second["created"] + second["updated"] + second["unchanged"] + second["rejected"]
    )
    assert second["unchanged"] >= written  # what was committed is recognised, not doubled

    clean = subprocess.run(
        command,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    assert json.loads(clean.stdout)["unchanged"] == 0

    snapshot_killed = run(["shell", "--no-imports", "-c", SNAPSHOT], killed_env).stdout
    snapshot_clean = run(["shell", "--no-imports", "-c", SNAPSHOT], clean_env).stdout
    assert json.loads(snapshot_killed)[1]  # there is data to compare
    assert snapshot_killed == snapshot_clean
    # The killed run does not show "running" for ever: it says it was interrupted.
    runs = run(["shell", "--no-imports", "-c", RUNS], killed_env).stdout
    assert json.loads(runs) == [["failed", True], ["succeeded", False]]


RUNS = """
import json
from huifang.patients.models import ImportRun
print(json.dumps([[r.status, "导入中断" in r.error] for r in ImportRun.objects.order_by("id")]))
"""


WORKER_VICTIM = """
import os, signal, sys
import django
django.setup()
from datetime import date
from huifang.patients.importing.mapping import map_headers
from huifang.patients.importing.parallel import prepare_in_worker
from huifang.patients.importing.prepare import RowPreparer
from huifang.patients.importing.reader import RawRow
from huifang.patients.tests.test_import_pipeline import HEADER, row

def rows():
    for i in range(10**7):
        yield RawRow(number=i + 1, line=i + 2, cells=row(**{"住院号": f"ZY{i:08d}"}))

preparer = RowPreparer(map_headers(HEADER), default_kind="", today=date(2026, 11, 24))
outcomes = prepare_in_worker(rows, preparer)
next(outcomes)
import multiprocessing
print(multiprocessing.active_children()[0].pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return any(line.split()[:2] == ["State:", "Z"] for line in status)
    except FileNotFoundError:
        return True


def test_a_preparing_worker_ends_when_the_import_is_killed(tmp_path):
    env = _env(tmp_path, HUIFANG_ENV="test", DJANGO_SETTINGS_MODULE="huifang.settings")
    victim = subprocess.run(
        [sys.executable, "-c", WORKER_VICTIM], env=env, capture_output=True, text=True, timeout=120
    )
    assert victim.returncode == -signal.SIGKILL, victim.stderr
    worker = int(victim.stdout.split()[0])
    deadline = time.monotonic() + 30
    while not _gone(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _gone(worker), "the worker outlived the import"
