"""Reports benchmark: a month's dashboard numbers from the rollups, against DuckDB.

In one run, on a fresh database:

1. generates patients, encounters, follow-up tasks, about ``--attempts``
   contact attempts with outcomes, questionnaire answers and feedback cases
   over 25 months, with set-based SQL (``generate_series`` and
   ``INSERT … SELECT`` on PostgreSQL, recursive CTEs on SQLite; no ORM per
   row), and prints the time;
2. builds the rollups with the product's ``huifang reports rebuild-rollups``
   code (timed) and prints their size (rows, bytes);
3. computes one month's dashboard numbers (12-month trend, failure reasons,
   department × dimension heat map, complaint funnel, agent table) through
   the product's own read path, ``selectors.dashboard_numbers`` (timed);
4. exports the same raw tables (CSV from the database, converted to Parquet
   by DuckDB; export time printed), and times DuckDB's queries alone
   computing the same numbers from the Parquet files;
5. checks the two sets of numbers are equal (a mismatch is printed and the
   script exits 1) and prints the ratio ours / DuckDB (target ≤ 1).

    python bench/reports.py [--attempts 10000000] [--database postgres|sqlite]
                            [--month 2026-10] [--keep]

PostgreSQL (the default) uses the database ``huifang_bench_reports`` on
$BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432), dropped and
made again; SQLite a temporary file (default 200,000 attempts there).
DuckDB is an optional dependency: ``pip install -e '.[bench]'``.
"""

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DB_NAME = "huifang_bench_reports"
WARDS = 20
AGENTS = 30
# Attempts per task: 6 % of tasks none, the rest 1–4 (mean 2.5) → 2.35 a task.
ATTEMPTS_PER_TASK = 2.35
FIRST_DUE = date(2024, 11, 28)
DAYS = 730


def _require_duckdb():
    try:
        import duckdb
    except ImportError:
        sys.exit(
            "DuckDB is needed for the reference: pip install -e '.[bench]'  "
            "(or: pip install 'duckdb>=1.1')"
        )
    return duckdb


def _setup_django(database: str, work: Path) -> None:
    os.environ.update(
        HUIFANG_ENV="demo",
        HUIFANG_VAR_DIR=str(work / "var"),
        DJANGO_SETTINGS_MODULE="huifang.settings",
    )
    base = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    if database == "postgres":
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {DB_NAME}")
        os.environ["DATABASE_URL"] = f"{base}/{DB_NAME}"
    else:
        (work / "var").mkdir(parents=True, exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{work / 'var' / 'bench.sqlite3'}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _reference_rows() -> dict:
    """Departments, agents, a questionnaire: a few rows through the ORM."""
    from huifang.accounts.models import Department, User
    from huifang.followups.models import Outcome, Touchpoint
    from huifang.surveys.models import Item, ItemKind, Questionnaire

    campus = Department.objects.create(code="HQ", name="本院区", kind="campus")
    wards = []
    for d in range(4):
        department = Department.objects.create(
            code=f"D{d}", name=f"科室{d}", kind="department", parent=campus
        )
        for w in range(WARDS // 4):
            wards.append(
                Department.objects.create(
                    code=f"D{d}W{w}", name=f"病区{d}-{w}", kind="ward", parent=department
                ).pk
            )
    agents = [
        User.objects.create(
            username=f"agent{i:02d}",
            password="!",  # noqa: S106  (Django's mark of an unusable password)
            display_name=f"回访员{i}",
        ).pk
        for i in range(AGENTS)
    ]
    q = Questionnaire.objects.create(code="bench-sat", title="满意度", status="active")
    items = [
        Item.objects.create(
            questionnaire=q, code=code, kind=kind, text=code, dimension=dimension, position=i
        ).pk
        for i, (code, kind, dimension) in enumerate(
            [
                ("doctors", ItemKind.SATISFACTION5, "doctors"),
                ("nurses", ItemKind.SATISFACTION5, "nurses"),
                ("environment", ItemKind.SATISFACTION3, "environment"),
            ]
        )
    ]
    tp = {
        "discharge": Touchpoint.objects.get(plan__code="inpatient-discharge", code="first-call"),
        "satisfaction": Touchpoint.objects.get(
            plan__code="inpatient-discharge", code="satisfaction"
        ),
        "surgery": Touchpoint.objects.get(plan__code="outpatient-surgery", code="first-call"),
    }
    return {
        "wards": wards,
        "agents": agents,
        "questionnaire": q.pk,
        "items": items,
        "outcomes": dict(Outcome.objects.values_list("code", "pk")),
        "tp": {k: (t.pk, t.plan_id) for k, t in tp.items()},
    }


def _arr(values) -> str:
    return "ARRAY[" + ",".join(str(v) for v in values) + "]::bigint[]"


def _generate_postgres(cursor, ref: dict, tasks: int) -> None:
    encounters = tasks // 2
    patients = max(1, encounters * 10 // 14)
    o = ref["outcomes"]
    wards, agents = _arr(ref["wards"]), _arr(ref["agents"])
    tp = ref["tp"]
    # Final outcome of a task not reached, and outcomes of the attempts before the last.
    finals = _arr(
        [
            o[c]
            for c in (
                "no_answer",
                "number_suspended",
                "number_invalid",
                "refused",
                "deceased",
                "no_phone",
                "busy",
                "switched_off",
            )
        ]
    )
    earlier = _arr([o[c] for c in ("no_answer", "busy", "switched_off", "not_convenient")])
    steps = [
        (
            "patients",
            f"""
            INSERT INTO patients_patient (id, uuid, record_number, name, name_pinyin,
                name_initials, sex, ethnicity, occupation, address, id_number, id_number_hash,
                do_not_contact, preferred_time_note, created_at, updated_at, deceased_on)
            SELECT g, gen_random_uuid(), 'B' || g, '患者' || g, '', '', CASE WHEN g % 2 = 0
                THEN 'F' ELSE 'M' END, '', '', '', '', '', '[]'::jsonb, '', now(), now(),
                CASE WHEN g % 150 = 0 THEN DATE '{FIRST_DUE}' + (g * 37 % {DAYS + 40})::int END
            FROM generate_series(1::bigint, {patients}) g
            """,
        ),
        (
            "encounters",
            f"""
            INSERT INTO patients_encounter (id, uuid, kind, number, attending_doctor,
                responsible_nurse, chief_complaint, treatment, discharge_orders,
                discharge_medication, source_system, source_record, created_at, updated_at,
                department_id, patient_id, source_hash, discharged_on)
            SELECT g, gen_random_uuid(),
                CASE WHEN g % 10 = 0 THEN 'day_surgery' ELSE 'inpatient' END, 'ZY' || g,
                '医生' || (g * 7 % 200), '护士' || (g * 11 % 200), '', '', '', '', 'bench',
                '{{}}'::jsonb, now(), now(), ({wards})[1 + g * 13 % {len(ref["wards"])}],
                1 + (g * 7919) % {patients}, '', DATE '{FIRST_DUE}' + (g * 31 % {DAYS})::int
            FROM generate_series(1::bigint, {encounters}) g
            """,
        ),
        (
            "tasks",
            f"""
            INSERT INTO followups_followuptask (id, uuid, plan_version, sequence, channel,
                status, due_from, due_until, first_slot, next_attempt_at, attempts,
                max_attempts, priority, reason, closed_reason, created_at, updated_at,
                encounter_id, patient_id, plan_id, touchpoint_id, version, assigned_to_id)
            SELECT id, gen_random_uuid(), 1, CASE WHEN kind = 'day_surgery' THEN k ELSE 0 END,
                'phone',
                CASE WHEN h < 2 THEN 'merged' WHEN h < 3 THEN 'cancelled'
                     WHEN h < 4 THEN 'pending' WHEN h < 5 THEN 'no_phone'
                     WHEN h < 6 THEN 'window_passed'
                     WHEN success THEN 'done' ELSE 'unreachable' END,
                due, due + 4,
                (due + TIME '10:00') AT TIME ZONE 'Asia/Shanghai',
                (due + TIME '10:00') AT TIME ZONE 'Asia/Shanghai',
                n, 4, 0, '{{}}'::jsonb,
                CASE WHEN h = 2 AND id % 3 = 0 THEN 'deceased'
                     WHEN h = 2 THEN 'plan_changed' ELSE '' END,
                now(), now(), encounter_id, patient_id,
                CASE WHEN kind = 'day_surgery' THEN {tp["surgery"][1]}
                     ELSE {tp["discharge"][1]} END,
                CASE WHEN kind = 'day_surgery' THEN {tp["surgery"][0]}
                     WHEN k = 0 THEN {tp["discharge"][0]} ELSE {tp["satisfaction"][0]} END,
                0,
                CASE WHEN id * 17 % 10 < 6 THEN ({agents})[1 + id % {len(ref["agents"])}] END
            FROM (
                SELECT e.id * 2 - 1 + k AS id, k, e.kind, e.id AS encounter_id, e.patient_id,
                    e.discharged_on + 3 + k * 27 AS due,
                    (e.id * 2 - 1 + k) * 7919 % 100 AS h,
                    (e.id * 2 - 1 + k) * 104729 % 100 < 70 AS success,
                    CASE WHEN (e.id * 2 - 1 + k) * 7919 % 100 < 6 THEN 0
                         ELSE 1 + (e.id * 2 - 1 + k) * 31 % 4 END AS n
                FROM patients_encounter e CROSS JOIN (VALUES (0), (1)) s(k)
            ) t
            """,
        ),
        (
            "attempts",
            f"""
            INSERT INTO followups_contactattempt (at, started_at, note, created_at, task_id,
                outcome_id, answers, education, education_note, red_flag, agent_name,
                source_hash, source_key, agent_id)
            SELECT at, CASE WHEN j % 4 <> 0 THEN at - make_interval(secs => (id * j) % 600 + 30.25)
                END,
                '', now(), id,
                CASE WHEN j = n AND success THEN CASE WHEN id % 5 = 0 THEN {o["reached_family"]}
                                                      ELSE {o["reached_patient"]} END
                     WHEN j = n THEN ({finals})[1 + id * 13 % 8]
                     ELSE ({earlier})[1 + (id + j) % 4] END,
                CASE WHEN j = n AND success AND id % 3 = 0 THEN
                    jsonb_build_object('satisfaction', (ARRAY['satisfied', 'satisfied',
                        'satisfied', 'satisfied', 'fairly_satisfied', 'fairly_satisfied',
                        'dissatisfied'])[1 + id % 7])
                    ELSE '{{}}'::jsonb END,
                '[]'::jsonb, '', '', '', '', '',
                CASE WHEN assigned_to_id IS NOT NULL AND j % 3 <> 0 THEN assigned_to_id
                     WHEN (id + j) % 11 = 0 THEN NULL
                     ELSE ({agents})[1 + (id + j) % {len(ref["agents"])}] END
            FROM (
                SELECT t.id, t.assigned_to_id, j, t.attempts AS n,
                    t.id * 104729 % 100 < 70 AS success,
                    ((t.due_from + (j - 1) + CASE WHEN t.id % 9 = 0 THEN 5 ELSE 0 END)
                        + TIME '10:00' + (j * 37 % 300) * INTERVAL '1 minute')
                        AT TIME ZONE 'Asia/Shanghai' AS at
                FROM followups_followuptask t, generate_series(1, t.attempts) j
            ) a
            """,
        ),
        (
            "responses",
            f"""
            INSERT INTO surveys_response (id, uuid, channel, submitted_at, void_reason,
                patient_id, questionnaire_id, encounter_id, task_id, voided_at)
            SELECT id, gen_random_uuid(), 'phone',
                ((due_from + 1) + TIME '15:00') AT TIME ZONE 'Asia/Shanghai', '', patient_id,
                {ref["questionnaire"]}, encounter_id, id,
                CASE WHEN id % 100 = 0 THEN now() END
            FROM followups_followuptask
            WHERE status = 'done' AND id % 4 = 0
            """,
        ),
        (
            "answers",
            f"""
            INSERT INTO surveys_answer (value, number, opens_feedback, red_flag, item_id,
                response_id)
            SELECT to_jsonb(v), v, false, false, item, id
            FROM (
                SELECT r.id, i.item,
                    CASE WHEN i.levels = 5 THEN
                        (ARRAY[1, 2, 3, 3, 4, 4, 4, 5, 5, 5])[1 + (r.id * i.p) % 10]
                    ELSE (ARRAY[1, 2, 2, 3, 3, 3, 3])[1 + (r.id * i.p) % 7] END AS v
                FROM surveys_response r CROSS JOIN (VALUES
                    ({ref["items"][0]}, 5, 7), ({ref["items"][1]}, 5, 13),
                    ({ref["items"][2]}, 3, 17)) i(item, levels, p)
            ) x
            """,
        ),
        (
            "cases",
            """
            INSERT INTO feedback_case (uuid, kind, source, status, category, severity,
                description, created_at, updated_at, cause, channel, rectification,
                reopen_count, reply, staff_named, verification_result, patient_id,
                department_id, answered_at)
            SELECT gen_random_uuid(),
                CASE WHEN t.id % 5 = 0 THEN 'suggestion' ELSE 'complaint' END, 'agent',
                (ARRAY['new', 'with_department', 'answered', 'verifying', 'closed',
                       'closed'])[1 + t.id % 6],
                (ARRAY['attitude', 'technique', 'cost', 'environment', 'process',
                       'food'])[1 + t.id % 6],
                'normal', '…',
                ((t.due_from + 2) + TIME '11:00') AT TIME ZONE 'Asia/Shanghai', now(),
                '', 'phone', '', 0, '', '',
                CASE WHEN t.id % 6 >= 4 THEN 'satisfied' ELSE '' END,
                t.patient_id, CASE WHEN t.id % 10 <> 1 THEN e.department_id END,
                CASE WHEN t.id % 6 >= 2 THEN ((t.due_from + 5) + TIME '11:00')
                    AT TIME ZONE 'Asia/Shanghai' END
            FROM followups_followuptask t JOIN patients_encounter e ON e.id = t.encounter_id
            WHERE t.id % 97 = 0
            """,
        ),
    ]
    # Secondary indexes are dropped for the load and built again after it: a
    # sorted build is several times faster than maintaining them row by row.
    big = (
        "patients_patient",
        "patients_encounter",
        "followups_followuptask",
        "followups_contactattempt",
        "surveys_response",
        "surveys_answer",
    )
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.tablename = ANY(%s) AND NOT EXISTS (
            SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        [list(big)],
    )
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    # The generated rows are consistent by construction: no per-row foreign-key
    # triggers during the load (the bench connects as a superuser).
    cursor.execute("SET LOCAL session_replication_role = replica")
    for name, sql in steps:
        started = time.monotonic()
        cursor.execute(sql)
        print(f"  {name:<10} {cursor.rowcount:>12,} rows  {time.monotonic() - started:6.1f}s")
    cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    started = time.monotonic()
    for _name, definition in indexes:
        cursor.execute(definition)
    print(f"  {len(indexes)} indexes built again in {time.monotonic() - started:.1f}s")
    for table in (
        "patients_patient",
        "patients_encounter",
        "followups_followuptask",
        "surveys_response",
    ):
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))"
        )
    cursor.execute("ANALYZE")


def _pick(values, index: str) -> str:
    """SQLite has no arrays: the value at ``index`` (0-based) of a JSON list."""
    return f"json_extract('{json.dumps(list(values))}', '$[' || ({index}) || ']')"


def _generate_sqlite(cursor, ref: dict, tasks: int) -> None:
    """The same rows as on PostgreSQL, with recursive CTEs (times stored in UTC)."""
    encounters = tasks // 2
    patients = max(1, encounters * 10 // 14)
    o = ref["outcomes"]
    tp = ref["tp"]
    wards, agents = ref["wards"], ref["agents"]
    finals = [
        o[c]
        for c in (
            "no_answer",
            "number_suspended",
            "number_invalid",
            "refused",
            "deceased",
            "no_phone",
            "busy",
            "switched_off",
        )
    ]
    earlier = [o[c] for c in ("no_answer", "busy", "switched_off", "not_convenient")]
    uuid = "lower(hex(randomblob(16)))"
    now = "strftime('%Y-%m-%d %H:%M:%f', 'now')"

    def series(n: int) -> str:
        return f"WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {n})"

    def local(day: str, hours: str) -> str:  # local time on ``day`` → UTC text (UTC+8)
        return f"strftime('%Y-%m-%d %H:%M:%S', {day}, '{hours}')"

    satisfaction = ["satisfied"] * 4 + ["fairly_satisfied"] * 2 + ["dissatisfied"]
    steps = [
        (
            "patients",
            f"""
            {series(patients)}
            INSERT INTO patients_patient (id, uuid, record_number, name, name_pinyin,
                name_initials, sex, ethnicity, occupation, address, id_number, id_number_hash,
                do_not_contact, preferred_time_note, created_at, updated_at, deceased_on)
            SELECT g, {uuid}, 'B' || g, '患者' || g, '', '', CASE WHEN g % 2 = 0 THEN 'F'
                ELSE 'M' END, '', '', '', '', '', '[]', '', {now}, {now},
                CASE WHEN g % 150 = 0
                    THEN date('{FIRST_DUE}', '+' || (g * 37 % {DAYS + 40}) || ' days') END
            FROM s""",
        ),
        (
            "encounters",
            f"""
            {series(encounters)}
            INSERT INTO patients_encounter (id, uuid, kind, number, attending_doctor,
                responsible_nurse, chief_complaint, treatment, discharge_orders,
                discharge_medication, source_system, source_record, created_at, updated_at,
                department_id, patient_id, source_hash, discharged_on)
            SELECT g, {uuid}, CASE WHEN g % 10 = 0 THEN 'day_surgery' ELSE 'inpatient' END,
                'ZY' || g, '医生' || (g * 7 % 200), '护士' || (g * 11 % 200), '', '', '', '',
                'bench', '{{}}', {now}, {now}, {_pick(wards, f"g * 13 % {len(wards)}")},
                1 + (g * 7919) % {patients}, '',
                date('{FIRST_DUE}', '+' || (g * 31 % {DAYS}) || ' days')
            FROM s""",
        ),
        (
            "tasks",
            f"""
            INSERT INTO followups_followuptask (id, uuid, plan_version, sequence, channel,
                status, due_from, due_until, first_slot, next_attempt_at, attempts,
                max_attempts, priority, reason, closed_reason, created_at, updated_at,
                encounter_id, patient_id, plan_id, touchpoint_id, version, assigned_to_id)
            SELECT id, {uuid}, 1, CASE WHEN kind = 'day_surgery' THEN k ELSE 0 END, 'phone',
                CASE WHEN h < 2 THEN 'merged' WHEN h < 3 THEN 'cancelled'
                     WHEN h < 4 THEN 'pending' WHEN h < 5 THEN 'no_phone'
                     WHEN h < 6 THEN 'window_passed'
                     WHEN success THEN 'done' ELSE 'unreachable' END,
                due, date(due, '+4 days'), {local("due", "+2 hours")},
                {local("due", "+2 hours")}, n, 4, 0, '{{}}',
                CASE WHEN h = 2 AND id % 3 = 0 THEN 'deceased'
                     WHEN h = 2 THEN 'plan_changed' ELSE '' END,
                {now}, {now}, encounter_id, patient_id,
                CASE WHEN kind = 'day_surgery' THEN {tp["surgery"][1]}
                     ELSE {tp["discharge"][1]} END,
                CASE WHEN kind = 'day_surgery' THEN {tp["surgery"][0]}
                     WHEN k = 0 THEN {tp["discharge"][0]} ELSE {tp["satisfaction"][0]} END,
                0,
                CASE WHEN id * 17 % 10 < 6 THEN {_pick(agents, f"id % {len(agents)}")} END
            FROM (
                SELECT e.id * 2 - 1 + k AS id, k, e.kind, e.id AS encounter_id, e.patient_id,
                    date(e.discharged_on, '+' || (3 + k * 27) || ' days') AS due,
                    (e.id * 2 - 1 + k) * 7919 % 100 AS h,
                    (e.id * 2 - 1 + k) * 104729 % 100 < 70 AS success,
                    CASE WHEN (e.id * 2 - 1 + k) * 7919 % 100 < 6 THEN 0
                         ELSE 1 + (e.id * 2 - 1 + k) * 31 % 4 END AS n
                FROM patients_encounter e CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1)
            )""",
        ),
        (
            "attempts",
            f"""
            INSERT INTO followups_contactattempt (at, started_at, note, created_at, task_id,
                outcome_id, answers, education, education_note, red_flag, agent_name,
                source_hash, source_key, agent_id)
            SELECT at, CASE WHEN j % 4 <> 0 THEN
                    strftime('%Y-%m-%d %H:%M:%S', at, '-' || ((id * j) % 600 + 30) || ' seconds')
                END,
                '', {now}, id,
                CASE WHEN j = n AND success THEN CASE WHEN id % 5 = 0 THEN {o["reached_family"]}
                                                      ELSE {o["reached_patient"]} END
                     WHEN j = n THEN {_pick(finals, "id * 13 % 8")}
                     ELSE {_pick(earlier, "(id + j) % 4")} END,
                CASE WHEN j = n AND success AND id % 3 = 0 THEN
                    json_object('satisfaction', {_pick(satisfaction, "id % 7")})
                    ELSE '{{}}' END,
                '[]', '', '', '', '', '',
                CASE WHEN assigned_to_id IS NOT NULL AND j % 3 <> 0 THEN assigned_to_id
                     WHEN (id + j) % 11 = 0 THEN NULL
                     ELSE {_pick(agents, f"(id + j) % {len(agents)}")} END
            FROM (
                SELECT t.id, t.assigned_to_id, j.j, t.attempts AS n,
                    t.id * 104729 % 100 < 70 AS success,
                    strftime('%Y-%m-%d %H:%M:%S', t.due_from,
                        '+' || (j.j - 1 + CASE WHEN t.id % 9 = 0 THEN 5 ELSE 0 END) || ' days',
                        '+2 hours', '+' || (j.j * 37 % 300) || ' minutes') AS at
                FROM followups_followuptask t JOIN (SELECT 1 AS j UNION ALL SELECT 2
                    UNION ALL SELECT 3 UNION ALL SELECT 4) j ON j.j <= t.attempts
            )""",
        ),
        (
            "responses",
            f"""
            INSERT INTO surveys_response (id, uuid, channel, submitted_at, void_reason,
                patient_id, questionnaire_id, encounter_id, task_id, voided_at)
            SELECT id, {uuid}, 'phone', {local("due_from", "+31 hours")}, '', patient_id,
                {ref["questionnaire"]}, encounter_id, id,
                CASE WHEN id % 100 = 0 THEN {now} END
            FROM followups_followuptask WHERE status = 'done' AND id % 4 = 0""",
        ),
        (
            "answers",
            f"""
            INSERT INTO surveys_answer (value, number, opens_feedback, red_flag, item_id,
                response_id)
            SELECT v, v, 0, 0, item, id FROM (
                SELECT r.id, i.item,
                    CASE WHEN i.levels = 5
                        THEN {_pick([1, 2, 3, 3, 4, 4, 4, 5, 5, 5], "(r.id * i.p) % 10")}
                        ELSE {_pick([1, 2, 2, 3, 3, 3, 3], "(r.id * i.p) % 7")} END AS v
                FROM surveys_response r CROSS JOIN (
                    SELECT {ref["items"][0]} AS item, 5 AS levels, 7 AS p
                    UNION ALL SELECT {ref["items"][1]}, 5, 13
                    UNION ALL SELECT {ref["items"][2]}, 3, 17) i
            )""",
        ),
        (
            "cases",
            f"""
            INSERT INTO feedback_case (uuid, kind, source, status, category, severity,
                description, created_at, updated_at, cause, channel, rectification,
                reopen_count, reply, staff_named, verification_result, patient_id,
                department_id, answered_at)
            SELECT {uuid}, CASE WHEN t.id % 5 = 0 THEN 'suggestion' ELSE 'complaint' END,
                'agent',
                {
                _pick(
                    ["new", "with_department", "answered", "verifying", "closed", "closed"],
                    "t.id % 6",
                )
            },
                {
                _pick(
                    ["attitude", "technique", "cost", "environment", "process", "food"], "t.id % 6"
                )
            },
                'normal', '…', {local("t.due_from", "+51 hours")}, {now}, '', 'phone', '', 0,
                '', '', CASE WHEN t.id % 6 >= 4 THEN 'satisfied' ELSE '' END, t.patient_id,
                CASE WHEN t.id % 10 <> 1 THEN e.department_id END,
                CASE WHEN t.id % 6 >= 2 THEN {local("t.due_from", "+123 hours")} END
            FROM followups_followuptask t JOIN patients_encounter e ON e.id = t.encounter_id
            WHERE t.id % 97 = 0""",
        ),
    ]
    for name, sql in steps:
        started = time.monotonic()
        cursor.execute(sql)
        print(f"  {name:<10} {cursor.rowcount:>12,} rows  {time.monotonic() - started:6.1f}s")
    cursor.execute("ANALYZE")


# Export ---------------------------------------------------------------------

# What DuckDB gets: the raw rows, times in local time (Asia/Shanghai) as the
# product's reports count days and months in local time.
EXPORTS = {
    "departments": "SELECT id, code FROM accounts_department",
    "users": "SELECT id, username FROM accounts_user",
    "outcomes": "SELECT id, code, counts_as_success, patient_effect FROM followups_outcome",
    "patients": "SELECT id, deceased_on FROM patients_patient",
    "encounters": "SELECT id, department_id, kind FROM patients_encounter",
    "tasks": "SELECT id, encounter_id, patient_id, status, closed_reason, due_from, due_until,"
    " assigned_to_id FROM followups_followuptask",
    "attempts": "SELECT id, task_id, outcome_id, agent_id, {at} AS called_at,"
    " {started_at} AS started"
    " FROM followups_contactattempt",
    "items": "SELECT id, kind, dimension FROM surveys_item",
    "responses": "SELECT id, encounter_id, {submitted_at} AS submitted_at, voided_at IS NOT NULL"
    " AS voided FROM surveys_response",
    "answers": "SELECT id, response_id, item_id, number FROM surveys_answer",
    "cases": "SELECT id, kind, department_id, status, {created_at} AS created_at,"
    " answered_at IS NOT NULL AS answered, verification_result FROM feedback_case",
}
TIMES = ("at", "started_at", "submitted_at", "created_at")


def _local(database: str, column: str) -> str:
    if database == "postgres":
        return f"({column} AT TIME ZONE 'Asia/Shanghai')"
    return f"datetime({column}, '+8 hours')"


def export(database: str, work: Path, duckdb) -> Path:
    """Every table above to CSV (COPY on PostgreSQL), then to Parquet with DuckDB."""
    from django.db import connection

    out = work / "export"
    out.mkdir(exist_ok=True)
    names = {t: _local(database, t) for t in TIMES}
    with connection.cursor() as cursor:
        for name, query in EXPORTS.items():
            sql = query.format(**names)
            path = out / f"{name}.csv"
            if database == "postgres":
                raw = cursor.connection  # psycopg 3
                copy_sql = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)"
                with (
                    raw.cursor() as cur,
                    path.open("wb") as handle,
                    cur.copy(copy_sql) as copy,
                ):
                    for data in copy:
                        handle.write(data)
            else:
                cursor.execute(sql)
                with path.open("w", newline="") as handle:
                    writer = csv.writer(handle)
                    writer.writerow([c[0] for c in cursor.description])
                    writer.writerows(cursor.fetchall())
    con = duckdb.connect()
    for name in EXPORTS:
        con.execute(
            f"COPY (SELECT * FROM read_csv('{out / name}.csv', header = true))"
            f" TO '{out / name}.parquet' (FORMAT parquet)"
        )
    con.close()
    return out


# The reference ---------------------------------------------------------------

DUCK_TASKS = """
CREATE OR REPLACE TEMP VIEW due AS
WITH a AS (
    SELECT a.*, o.code, CAST(o.counts_as_success AS BOOLEAN) AS success, o.patient_effect,
        u.username
    FROM attempts a JOIN outcomes o ON o.id = a.outcome_id
    LEFT JOIN users u ON u.id = a.agent_id
    WHERE a.task_id IN (SELECT id FROM tasks WHERE due_from BETWEEN $from AND $to)
), per_task AS (
    SELECT task_id,
        bool_or(code <> 'no_phone') AS attempted,
        bool_or(success) AS reached,
        CAST(min(called_at) FILTER (WHERE code <> 'no_phone') AS DATE) AS first_day,
        arg_max(code, struct_pack(t := called_at, i := id)) AS last_code,
        bool_or(patient_effect = 'deceased') AS died_on_call,
        bool_or(code = 'no_phone') AS no_phone_outcome,
        arg_min(username, struct_pack(t := called_at, i := id))
            FILTER (WHERE code <> 'no_phone' AND agent_id IS NOT NULL) AS first_agent
    FROM a GROUP BY task_id
)
SELECT t.id, t.due_from, t.due_until, date_trunc('month', t.due_from) AS month,
    coalesce(p.attempted, false) AS attempted, coalesce(p.reached, false) AS reached,
    coalesce(p.attempted, false) AND p.first_day BETWEEN t.due_from AND t.due_until AS on_time,
    coalesce(p.last_code, t.status) AS last_outcome,
    coalesce(p.died_on_call, false)
        OR coalesce(pa.deceased_on <= t.due_until, false) AS died,
    coalesce(p.no_phone_outcome, false) OR t.status = 'no_phone' AS no_phone,
    coalesce(u.username, p.first_agent) AS agent
FROM tasks t
LEFT JOIN per_task p ON p.task_id = t.id
LEFT JOIN patients pa ON pa.id = t.patient_id
LEFT JOIN users u ON u.id = t.assigned_to_id
WHERE t.due_from BETWEEN $from AND $to
  AND t.status <> 'merged'
  AND NOT (t.status = 'cancelled' AND coalesce(t.closed_reason, '') <> 'deceased'
       AND p.task_id IS NULL)
"""

DUCK_QUERIES = {
    "trend": """
        SELECT month, count(*) AS due, count(*) FILTER (attempted) AS attempted,
            count(*) FILTER (reached) AS reached
        FROM due GROUP BY month ORDER BY month""",
    "failures": """
        SELECT last_outcome, count(*) AS n FROM due
        WHERE month = $month AND NOT reached GROUP BY last_outcome""",
    "agents": """
        SELECT agent, count(*) AS due, count(*) FILTER (attempted) AS attempted,
            count(*) FILTER (reached) AS reached
        FROM due WHERE month = $month AND agent IS NOT NULL GROUP BY agent""",
    "handling": """
        SELECT u.username, count(*) AS calls, sum(epoch_us(a.called_at - a.started)) AS us
        FROM attempts a JOIN users u ON u.id = a.agent_id
        WHERE a.task_id IN (SELECT id FROM due WHERE month = $month)
          AND a.started IS NOT NULL AND a.started <= a.called_at
        GROUP BY u.username""",
    "heatmap": """
        SELECT d.code, i.dimension, i.kind, an.number, count(*) AS n
        FROM answers an JOIN responses r ON r.id = an.response_id
        JOIN items i ON i.id = an.item_id
        LEFT JOIN encounters e ON e.id = r.encounter_id
        LEFT JOIN departments d ON d.id = e.department_id
        WHERE r.submitted_at >= $month AND r.submitted_at < $next AND NOT CAST(r.voided AS BOOLEAN)
          AND an.number IS NOT NULL AND i.dimension <> ''
          AND i.kind IN ('satisfaction5', 'satisfaction3', 'frequency4', 'rating10')
        GROUP BY ALL""",
    "funnel": """
        SELECT count(*) AS recorded, count(department_id) AS forwarded,
            count(*) FILTER (CAST(answered AS BOOLEAN)) AS answered,
            count(*) FILTER (verification_result <> '') AS verified,
            count(*) FILTER (status = 'closed') AS closed
        FROM cases WHERE kind = 'complaint' AND created_at >= $month AND created_at < $next""",
}


def duckdb_numbers(duckdb, out: Path, period, trend_from: date) -> tuple[dict, float]:
    """The dashboard's numbers computed by DuckDB from the export; seconds of its queries."""
    from datetime import datetime

    from huifang.reports import metrics
    from huifang.reports.rollups import next_month
    from huifang.surveys import scoring

    con = duckdb.connect()
    for name in EXPORTS:
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM '{out / name}.parquet'")
    month = period.start
    params = {
        "from": trend_from,
        "to": period.end,
        "month": month,
        "next": datetime.combine(next_month(month), datetime.min.time()),
    }
    started = time.monotonic()
    month_start = datetime.combine(month, datetime.min.time())
    con.execute(
        DUCK_TASKS.replace("$from", f"DATE '{params['from']}'").replace(
            "$to", f"DATE '{params['to']}'"
        )
    )
    rows = {}
    for name, sql in DUCK_QUERIES.items():
        sql = sql.replace("$month", f"TIMESTAMP '{month_start}'")
        sql = sql.replace("$next", f"TIMESTAMP '{params['next']}'")
        rows[name] = con.execute(sql).fetchall()
    seconds = time.monotonic() - started
    con.close()

    trend = [
        (m.date() if isinstance(m, datetime) else m, due, att, rea)
        for m, due, att, rea in rows["trend"]
    ]
    failures = sorted(rows["failures"], key=lambda r: (-r[1], r[0]))
    times = {
        agent: {"calls_timed": calls, "mean_handling_seconds": round(us / 10**6 / calls, 1)}
        for agent, calls, us in rows["handling"]
    }
    required = metrics.required_agent_rate()
    agents = []
    for agent, due, attempted, reached in sorted(rows["agents"]):
        agents.append(
            {
                "agent": agent,
                "assigned": due,
                "attempted": attempted,
                "reached": reached,
                "completion_rate": metrics.rate(attempted, due),
                "required_rate": float(required),
                "deductions": metrics.deductions(
                    achieved=attempted, assigned=due, required=required
                ),
                **times.get(agent, {"calls_timed": 0, "mean_handling_seconds": None}),
            }
        )
    flat: dict[str, list] = {}
    for code, dimension, kind, number, n in rows["heatmap"]:
        flat.setdefault(code or "", []).extend([(dimension, "", kind, number)] * n)
    funnel = dict(
        zip(
            ("recorded", "forwarded", "answered", "verified", "closed"),
            rows["funnel"][0],
            strict=True,
        )
    )
    numbers = {
        "months": [f"{m:%Y-%m}" for m, *_ in trend],
        "follow_up_rate": [metrics.rate(att, due) for _m, due, att, _r in trend],
        "success_rate": [metrics.rate(rea, due) for _m, due, _a, rea in trend],
        "failure_reasons": {code: n for code, n in failures},
        "heatmap": {
            department: {d.dimension: d.score for d in scoring.dimension_scores(answers)}
            for department, answers in sorted(flat.items())
        },
        "funnel": {k: v or 0 for k, v in funnel.items()},
        "agents": agents,
    }
    return numbers, seconds


def _differences(ours: dict, theirs: dict) -> list[str]:
    problems = []
    for key in ours:
        if ours[key] != theirs.get(key):
            problems.append(
                f"{key}:\n    ours   {ours[key]!r:.600}\n    duckdb {theirs.get(key)!r:.600}"
            )
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--attempts",
        type=int,
        default=None,
        help="contact attempts to generate (default 10,000,000; SQLite 200,000)",
    )
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--month", default="2026-10", help="the dashboard's month")
    parser.add_argument("--keep", action="store_true", help="keep the database and the export")
    args = parser.parse_args()
    attempts = args.attempts or (10_000_000 if args.database == "postgres" else 200_000)
    duckdb = _require_duckdb()
    work = Path(tempfile.mkdtemp(prefix="huifang-bench-reports-"))
    _setup_django(args.database, work)

    from django.db import connection, transaction

    from huifang.reports import rollups, selectors
    from huifang.reports.periods import parse_period, trailing_months

    tasks = int(attempts / ATTEMPTS_PER_TASK)
    print(f"database {args.database}; generating ~{attempts:,} attempts on {tasks:,} tasks …")
    started = time.monotonic()
    with transaction.atomic():
        ref = _reference_rows()
        with connection.cursor() as cursor:
            if args.database == "postgres":
                _generate_postgres(cursor, ref, tasks)
            else:
                _generate_sqlite(cursor, ref, tasks)
    generate_seconds = time.monotonic() - started
    from huifang.followups.models import ContactAttempt

    made = ContactAttempt.objects.count()
    print(f"generated {made:,} attempts in {generate_seconds:.1f}s")

    started = time.monotonic()
    built = rollups.rollups_rebuild()
    rebuild_seconds = time.monotonic() - started
    print(f"rollups rebuilt ({built['months']} months) in {rebuild_seconds:.1f}s")
    sizes = rollups.rollup_sizes()
    total_rows = sum(s["rows"] for s in sizes)
    total_bytes = sum(s["bytes"] or 0 for s in sizes)
    for s in sizes:
        size = "?" if s["bytes"] is None else f"{s['bytes'] / 1e6:.2f} MB"
        print(f"  {s['table']:<28} {s['rows']:>10,} rows  {size}")
    print(f"  {'rollups in all':<28} {total_rows:>10,} rows  {total_bytes / 1e6:.2f} MB")

    period = parse_period(args.month)
    scope = selectors.Scope(department_ids=None)
    selectors.dashboard_numbers(scope=scope, period=period)  # warm: imports, first query plans
    runs = []
    for _ in range(3):
        started = time.monotonic()
        ours = selectors.dashboard_numbers(scope=scope, period=period)
        runs.append(time.monotonic() - started)
    ours_seconds = min(runs)
    source = selectors.figure_source(scope=scope, date_from=period.start, date_to=period.end)
    print(
        f"dashboard {period.label} through the product (rollups: {source.from_rollups}): "
        f"{ours_seconds * 1000:.1f} ms (best of 3)"
    )

    started = time.monotonic()
    out = export(args.database, work, duckdb)
    export_seconds = time.monotonic() - started
    print(f"export to CSV and Parquet: {export_seconds:.1f}s (not part of DuckDB's time)")
    trend_from, _ = trailing_months(period)
    duck_runs = []
    for _ in range(3):
        theirs, seconds = duckdb_numbers(duckdb, out, period, trend_from)
        duck_runs.append(seconds)
    duck_seconds = min(duck_runs)
    print(
        f"DuckDB {duckdb.__version__}, its queries only, on the Parquet export: "
        f"{duck_seconds * 1000:.1f} ms (best of 3)"
    )

    problems = _differences(ours, theirs)
    print(
        json.dumps(
            {
                "month": {
                    "due_months": len(ours["months"]),
                    "failure_reasons": ours["failure_reasons"],
                    "funnel": ours["funnel"],
                    "agents": len(ours["agents"]),
                }
            },
            ensure_ascii=False,
        )
    )
    if args.database == "postgres" and not args.keep:
        connection.close()
        import psycopg

        base = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    print(f"attempts:             {made:,}")
    print(f"generation:           {generate_seconds:.1f}s")
    print(f"rollup rebuild:       {rebuild_seconds:.1f}s")
    print(f"rollup size:          {total_rows:,} rows, {total_bytes / 1e6:.2f} MB")
    print(f"dashboard (ours):     {ours_seconds * 1000:.1f} ms")
    print(f"dashboard (DuckDB):   {duck_seconds * 1000:.1f} ms")
    print(f"ratio ours / DuckDB:  {ours_seconds / duck_seconds:.3f} (target ≤ 1)")
    if problems:
        print("MISMATCH between the product's numbers and DuckDB's:")
        for problem in problems:
            print("  " + problem)
        sys.exit(1)
    print("numbers: EQUAL")


if __name__ == "__main__":
    main()
