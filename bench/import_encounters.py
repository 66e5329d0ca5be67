"""Import benchmark: a generated GB18030 CSV through `huifang import-encounters`.

Prints, in one run: rows/s end to end, peak memory of the import process, and
the ratio to a raw reference on the same file (PostgreSQL: COPY of the same
rows into a bare table; SQLite: executemany into a bare table).

It also prints the schema floor: the rows the import wrote, loaded again into
a fresh copy of the product's own tables (indexes, constraints) by the
database alone, with no Python per row, and the import's ratio to it. The
raw reference measures a bare table; the floor shows how much of the gap is
the schema itself (unique keys, foreign keys, search indexes) rather than
the importer.

    python bench/import_encounters.py [--rows 1000000] [--database sqlite|postgres]

The database is a fresh one made for the run (a temporary SQLite file, or a
database `huifang_bench` on the PostgreSQL at $BENCH_POSTGRES, default
postgres://postgres@127.0.0.1:5432).
"""

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HEADER = [
    "病案号",
    "姓名",
    "性别",
    "年龄",
    "联系电话",
    "联系人及电话",
    "身份证号",
    "住院号",
    "出院科室",
    "主治医师",
    "入院日期",
    "出院日期",
    "出院诊断",
    "出院带药",
    "医保类型",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国志文斌"
DEPARTMENTS = ["内科", "外科", "妇产科", "儿科", "眼科", "心血管内科病区", "普外科病区", "骨科病区"]
DIAGNOSES = [
    "I10 原发性高血压",
    "E11.9 2型糖尿病",
    "J18.9 肺炎",
    "K80.2 胆囊结石",
    "I25.1 冠状动脉粥样硬化性心脏病；I10 原发性高血压",
    "C34.9 肺恶性肿瘤",
    "S72.0 股骨颈骨折",
]


def id_number(rng: random.Random, birth: date) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    body = f"110105{birth:%Y%m%d}{rng.randint(0, 999):03d}"
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    return body + check


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    today = date(2026, 11, 20)
    with path.open("w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            patient = i * 7 // 10  # about 1.4 stays per patient
            birth = date(1930, 1, 1) + timedelta(days=(patient * 7919) % 30000)
            discharged = today - timedelta(days=rng.randint(1, 700))
            name = SURNAMES[patient % len(SURNAMES)] + GIVEN[(patient // 7) % len(GIVEN)]
            writer.writerow(
                [
                    f"B{patient:08d}",
                    name,
                    "男" if patient % 2 else "女",
                    f"{(discharged - birth).days // 365}岁",
                    f"13{patient % 10}{patient:08d}"[:11],
                    f"家属{rng.choice(['配偶', '儿子', '女儿'])} 15{patient:09d}"[:16],
                    id_number(rng, birth) if patient % 5 else "",
                    f"ZY{i:09d}",
                    rng.choice(DEPARTMENTS),
                    "王医生",
                    (discharged - timedelta(days=rng.randint(2, 15))).isoformat(),
                    discharged.strftime("%Y/%m/%d"),
                    rng.choice(DIAGNOSES),
                    "阿托伐他汀钙片 20mg 每晚一次",
                    "职工医保",
                ]
            )


def raw_reference(path: Path, database: str, dsn: str, sqlite_path: Path) -> float:
    """Seconds to load the same rows into a bare table with the database's own fast path."""
    started = time.monotonic()
    with path.open(encoding="gb18030", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        if database == "postgres":
            import psycopg

            with psycopg.connect(dsn) as conn, conn.cursor() as cur:
                cur.execute("DROP TABLE IF EXISTS bench_raw")
                cur.execute(
                    "CREATE TABLE bench_raw ("
                    + ", ".join(f"c{i} text" for i in range(len(HEADER)))
                    + ")"
                )
                with cur.copy("COPY bench_raw FROM STDIN") as copy:
                    for values in reader:
                        copy.write_row(values)
                cur.execute("DROP TABLE bench_raw")
        else:
            import sqlite3

            conn = sqlite3.connect(sqlite_path)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("DROP TABLE IF EXISTS bench_raw")
            conn.execute(
                "CREATE TABLE bench_raw ("
                + ", ".join(f"c{i} text" for i in range(len(HEADER)))
                + ")"
            )
            placeholders = ", ".join("?" * len(HEADER))
            with conn:
                conn.executemany(f"INSERT INTO bench_raw VALUES ({placeholders})", reader)
            conn.execute("DROP TABLE bench_raw")
            conn.close()
    return time.monotonic() - started


# The tables an import writes, parents first.
IMPORT_TABLES = [
    "accounts_department",
    "patients_patient",
    "patients_phonenumber",
    "patients_encounter",
    "patients_diagnosis",
    "patients_procedure",
    "patients_abnormalfinding",
]


def schema_floor(database: str, env: dict, base: str, work: Path) -> float:
    """Seconds for the database alone to take in what the import wrote.

    The rows the import left (already normalised, matched and numbered) are
    loaded into a fresh copy of the product's own tables, with their indexes
    and constraints, in one transaction, by the database's fast path
    (PostgreSQL: binary COPY from files; SQLite: INSERT … SELECT from the
    attached database). No Python touches a row: no importer writing these
    tables can take less, so this is the floor under the import's time.
    """
    if database == "postgres":
        floor_env, _ = bench_environment(work, database, "huifang_bench_floor")
    else:
        target = work / "var" / "floor.sqlite3"
        floor_env = {**env, "DATABASE_URL": f"sqlite:///{target}"}
    migrate(floor_env)
    if database == "postgres":
        import psycopg

        dumps = work / "floor"
        dumps.mkdir(exist_ok=True)
        with psycopg.connect(env["DATABASE_URL"]) as conn, conn.cursor() as cur:
            for table in IMPORT_TABLES:
                with (
                    (dumps / f"{table}.bin").open("wb") as out,
                    cur.copy(f"COPY {table} TO STDOUT (FORMAT BINARY)") as copy,
                ):
                    for block in copy:
                        out.write(block)
        started = time.monotonic()
        with psycopg.connect(floor_env["DATABASE_URL"]) as conn, conn.cursor() as cur:
            cur.execute(f"TRUNCATE {', '.join(IMPORT_TABLES)} CASCADE")  # seeded departments
            for table in IMPORT_TABLES:
                with (
                    (dumps / f"{table}.bin").open("rb") as dump,
                    cur.copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as copy,
                ):
                    for block in iter(lambda d=dump: d.read(1 << 20), b""):
                        copy.write(block)
        seconds = time.monotonic() - started
        drop_database(base, "huifang_bench_floor")
        return seconds
    import sqlite3

    source = env["DATABASE_URL"].removeprefix("sqlite:///")
    started = time.monotonic()
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")  # as the product's connections have it
    conn.execute("ATTACH DATABASE ? AS imported", [source])
    conn.execute("BEGIN")
    for table in reversed(IMPORT_TABLES):
        conn.execute(f"DELETE FROM main.{table}")  # seeded departments
    for table in IMPORT_TABLES:
        conn.execute(f"INSERT INTO main.{table} SELECT * FROM imported.{table}")
    conn.execute("COMMIT")
    conn.close()
    return time.monotonic() - started


def bench_environment(work: Path, database: str, name: str) -> tuple[dict, str]:
    """Environment for `huifang` on a fresh database: SQLite under ``work`` or PostgreSQL ``name``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "HUIFANG_"))}
    env.update(
        HUIFANG_ENV="demo",
        HUIFANG_VAR_DIR=str(work / "var"),
        DJANGO_SETTINGS_MODULE="huifang.settings",
    )
    base = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    if database == "postgres":
        drop_database(base, name)
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        env["DATABASE_URL"] = f"{base}/{name}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{work / 'var' / 'bench.sqlite3'}"
    return env, base


def migrate(env: dict) -> None:
    subprocess.run(
        [sys.executable, "-m", "huifang", "migrate", "--verbosity", "0"], env=env, check=True
    )


def drop_database(base: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="huifang-bench-"))
    csv_path = work / "discharges.csv"
    t0 = time.monotonic()
    generate(csv_path, args.rows)
    print(
        f"generated {args.rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB GB18030) "
        f"in {time.monotonic() - t0:.1f}s"
    )

    env, base = bench_environment(work, args.database, "huifang_bench")
    huifang = [sys.executable, "-m", "huifang"]
    migrate(env)

    started = time.monotonic()
    done = subprocess.run(
        [*huifang, "import-encounters", str(csv_path), "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = json.loads(done.stdout)

    reference = raw_reference(
        csv_path, args.database, f"{base}/huifang_bench", work / "var" / "raw.sqlite3"
    )
    print(json.dumps(result, ensure_ascii=False))
    print(f"database:            {args.database}")
    print(f"import end to end:   {seconds:.1f}s  = {args.rows / seconds:,.0f} rows/s")
    print(f"peak memory:         {peak_mb:.0f} MB (import process)")
    label = "COPY" if args.database == "postgres" else "executemany"
    print(f"raw {label} reference: {reference:.1f}s  = {args.rows / reference:,.0f} rows/s")
    print(f"ratio import / raw:  {seconds / reference:.1f}x")
    floor = schema_floor(args.database, env, base, work)
    print(
        f"schema floor:        {floor:.1f}s  = {floor / reference:.1f}x raw "
        "(the imported rows loaded into the product's tables by the database alone)"
    )
    print(f"ratio import / floor: {seconds / floor:.1f}x")
    if args.database == "postgres":
        drop_database(base, "huifang_bench")
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
