"""Importing HIS exports as a clerk meets them: dirty files, counts that add up."""

import csv
import datetime
import io
import json
import sys
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from huifang.core.models import AuditEntry
from huifang.patients.importing.pipeline import ImportOptions, import_encounters
from huifang.patients.importing.reader import UnreadableFile
from huifang.patients.models import Encounter, ImportRun, Patient, PhoneNumber

TODAY = datetime.date(2026, 11, 24)
HEADER = [
    "病案号",
    "患者姓名",
    "性别",
    "年龄",
    "民族",
    "联系电话",
    "联系人及电话",
    "身份证号",
    "住院号",
    "出院科室",
    "主治医师",
    "责任护士",
    "入院日期",
    "出院日期",
    "出院诊断",
    "手术名称",
    "出院带药",
    "医保类型",
]


def row(**overrides):
    base = {
        "病案号": "A0001",
        "患者姓名": "张三丰",
        "性别": "男",
        "年龄": "67岁",
        "民族": "汉族",
        "联系电话": "13812345678",
        "联系人及电话": "李秀英(配偶) 13987654321",
        "身份证号": "11010519491231002X",
        "住院号": "ZY0001",
        "出院科室": "内科",
        "主治医师": "王医生",
        "责任护士": "刘护士",
        "入院日期": "2026-11-01",
        "出院日期": "2026/11/10",
        "出院诊断": "I10 原发性高血压；E11.9 2型糖尿病",
        "手术名称": "",
        "出院带药": "氨氯地平片 5mg 每日一次",
        "医保类型": "职工医保",
    }
    base.update(overrides)
    return [base[h] for h in HEADER]


def write_csv(path: Path, rows, *, encoding="gb18030", delimiter=",", header=HEADER) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def run_import(path, **options):
    options.setdefault("today", TODAY)
    options.setdefault("output_dir", Path(path).parent / "out")
    return import_encounters(Path(path), ImportOptions(**options))


@pytest.fixture
def medicine(departments):
    return departments["medicine"]


DIRTY_ROWS = [
    row(),
    # full-width digits, Chinese date, two numbers in one cell, the second a son's
    row(
        **{
            "病案号": "Ａ0002",
            "患者姓名": "李 四",
            "性别": "女",
            "住院号": "ZY0002",
            "联系电话": "１３９１２３４５６７８/儿子:13712345678",
            "出院日期": "2026年11月12日",
            "入院日期": "20261105",
            "身份证号": "",
            "联系人及电话": "",
        }
    ),
    # no name: rejected
    row(**{"病案号": "A0003", "患者姓名": "", "住院号": "ZY0003"}),
    # discharge before admission: rejected
    row(
        **{
            "病案号": "A0004",
            "患者姓名": "王五",
            "住院号": "ZY0004",
            "入院日期": "2026-11-10",
            "出院日期": "2026-11-01",
        }
    ),
    # impossible date: rejected
    row(**{"病案号": "A0005", "患者姓名": "赵六", "住院号": "ZY0005", "出院日期": "2026-02-30"}),
    # future date: rejected
    row(**{"病案号": "A0006", "患者姓名": "钱七", "住院号": "ZY0006", "出院日期": "2026-12-30"}),
    # invalid phone (kept, marked), bad ID checksum (not stored), unknown department
    row(
        **{
            "病案号": "A0007",
            "患者姓名": "孙八",
            "住院号": "ZY0007",
            "联系电话": "12345",
            "身份证号": "110105194912310021",
            "出院科室": "神经内科二病区",
            "联系人及电话": "",
        }
    ),
    # malignant tumour: sensitive; a second stay of the first patient
    row(
        **{
            "住院号": "ZY0008",
            "出院诊断": "C34.9 肺恶性肿瘤",
            "出院日期": "2026-11-20",
            "入院日期": "2026-11-15",
        }
    ),
    # no encounter number: rejected
    row(**{"病案号": "A0009", "患者姓名": "周九", "住院号": ""}),
]


def test_it_imports_a_dirty_gb18030_file_and_accounts_for_every_row(tmp_path, medicine):
    path = write_csv(tmp_path / "出院登记.csv", DIRTY_ROWS)
    result = run_import(path)
    c = result.counts
    assert (c.rows, c.created, c.updated, c.unchanged, c.rejected) == (9, 4, 0, 0, 5)
    assert c.rows == c.created + c.updated + c.unchanged + c.rejected
    assert c.patients_created == 3

    zhang = Patient.objects.get(record_number="A0001")
    assert zhang.encounters.count() == 2
    assert zhang.id_number == "11010519491231002X"
    assert zhang.name_initials == "zsf"
    phones = {p.number: p for p in zhang.phones.all()}
    assert phones["+8613812345678"].owner == "self" and phones["+8613812345678"].is_primary
    assert phones["+8613987654321"].owner == "family"
    assert phones["+8613987654321"].relation == "配偶"
    first = Encounter.objects.get(number="ZY0001")
    assert first.discharged_on == datetime.date(2026, 11, 10)
    assert [(d.code, d.is_sensitive) for d in first.diagnoses.all()] == [
        ("I10", False),
        ("E11.9", False),
    ]
    assert first.source_record["row"]["医保类型"] == "职工医保"  # unknown column kept
    assert Encounter.objects.get(number="ZY0008").diagnoses.get().is_sensitive

    li = Patient.objects.get(record_number="A0002")
    assert li.name == "李四"
    assert li.sex == "F"
    assert {p.number: p.owner for p in li.phones.all()} == {
        "+8613912345678": "self",
        "+8613712345678": "family",
    }
    assert Encounter.objects.get(number="ZY0002").admitted_on == datetime.date(2026, 11, 5)

    sun = Patient.objects.get(record_number="A0007")
    assert sun.id_number == ""
    assert [(p.number, p.status) for p in sun.phones.all()] == [("12345", "invalid")]
    unmapped = Encounter.objects.get(number="ZY0007").department
    assert unmapped.name == "神经内科二病区"
    assert unmapped.parent.code == "UNMAPPED"


def test_it_writes_rejected_rows_verbatim_with_a_reason(tmp_path, medicine):
    path = write_csv(tmp_path / "in.csv", DIRTY_ROWS)
    result = run_import(path)
    data = Path(result.rejects_file).read_bytes().decode("gb18030")
    rejected = list(csv.reader(io.StringIO(data)))
    assert rejected[0] == [*HEADER, "拒绝原因"]
    by_number = {r[HEADER.index("住院号")]: r for r in rejected[1:]}
    assert set(by_number) == {"ZY0003", "ZY0004", "ZY0005", "ZY0006", ""}
    assert by_number["ZY0003"][-1] == "姓名为空"
    assert "早于入院日期" in by_number["ZY0004"][-1]
    assert "2026-02-30" in by_number["ZY0005"][-1]
    assert "未来" in by_number["ZY0006"][-1]
    assert by_number["ZY0005"][:-1] == DIRTY_ROWS[4]  # exactly as read
    warnings = Path(result.warnings_file).read_text(encoding="utf-8-sig")
    assert "身份证号校验不通过" in warnings
    assert "电话号码无效" in warnings
    assert "神经内科二病区" in warnings
    assert "12345" not in warnings.replace("ZY0007", "")  # masked in the warning


def test_it_changes_nothing_when_the_same_file_comes_again(tmp_path, medicine):
    path = write_csv(tmp_path / "in.csv", DIRTY_ROWS)
    run_import(path)
    before = (Patient.objects.count(), Encounter.objects.count(), PhoneNumber.objects.count())
    audit_before = AuditEntry.objects.filter(action="update").count()
    again = run_import(path)
    assert (again.counts.unchanged, again.counts.created, again.counts.updated) == (4, 0, 0)
    assert again.counts.rejected == 5
    assert (
        Patient.objects.count(),
        Encounter.objects.count(),
        PhoneNumber.objects.count(),
    ) == before
    assert AuditEntry.objects.filter(action="update").count() == audit_before
    # The department still waits for an administrator: the warning says so again.
    warnings = Path(again.warnings_file).read_text(encoding="utf-8-sig")
    assert "科室“神经内科二病区”未在系统中登记" in warnings


def test_it_updates_a_corrected_row_and_audits_what_changed(tmp_path, medicine):
    run_import(write_csv(tmp_path / "a.csv", [row()]))
    corrected = write_csv(tmp_path / "b.csv", [row(**{"主治医师": "陈医生", "民族": "回族"})])
    result = run_import(corrected)
    assert (result.counts.updated, result.counts.unchanged) == (1, 0)
    encounter = Encounter.objects.get(number="ZY0001")
    assert encounter.attending_doctor == "陈医生"
    entry = AuditEntry.objects.get(action="update", target_type="patients.encounter")
    assert entry.changes["attending_doctor"] == ["王医生", "陈医生"]
    patient_entry = AuditEntry.objects.get(action="update", target_type="patients.patient")
    assert patient_entry.changes["ethnicity"] == ["汉族", "回族"]
    assert encounter.diagnoses.count() == 2  # children replaced, not doubled


def test_a_corrected_number_becomes_the_one_dialled_and_the_audit_log_says_so(tmp_path, medicine):
    run_import(write_csv(tmp_path / "a.csv", [row(**{"联系人及电话": ""})]))
    corrected = row(
        **{
            "联系人及电话": "",
            "联系电话": "13812345679",
            "出院日期": "2026-11-11",
            "出院诊断": "I10 原发性高血压；E11.9 2型糖尿病；C34.9 肺恶性肿瘤",
        }
    )
    result = run_import(write_csv(tmp_path / "b.csv", [corrected]))
    assert result.counts.updated == 1
    phones = dict(PhoneNumber.objects.values_list("number", "is_primary"))
    assert phones == {"+8613812345679": True, "+8613812345678": False}
    phone_entry = AuditEntry.objects.get(field="phone")
    assert phone_entry.changes == {"primary": ["138****5678", "138****5679"]}
    entry = AuditEntry.objects.get(action="update", target_type="patients.encounter")
    assert entry.changes["diagnoses"] == [
        "I10 原发性高血压；E11.9 2型糖尿病",
        "I10 原发性高血压；E11.9 2型糖尿病；C34.9（敏感诊断）",
    ]
    assert entry.changes["import"] == {"run": str(result.run.uuid), "line": 2}
    # The older export again: the old number is known, the new one stays first.
    run_import(write_csv(tmp_path / "a-again.csv", [row(**{"联系人及电话": ""})]))
    assert PhoneNumber.objects.get(is_primary=True).number == "+8613812345679"


def test_it_reads_utf8_tsv_with_bom_and_quoted_newlines(tmp_path, medicine):
    rows = [row(**{"出院带药": "阿司匹林\n每日一次"})]
    path = write_csv(tmp_path / "in.tsv", rows, encoding="utf-8-sig", delimiter="\t")
    result = run_import(path)
    assert result.counts.created == 1
    assert Encounter.objects.get().discharge_medication.startswith("阿司匹林")


def test_it_reads_xlsx_with_excel_dates_from_a_named_sheet(tmp_path, medicine):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "说明"
    workbook.active.append(["本表由HIS导出"])
    sheet = workbook.create_sheet("出院患者")
    sheet.append(["导出时间：2026-11-23"])  # a title row above the header
    sheet.append(HEADER)
    values = row(**{"出院日期": None, "入院日期": None})
    values[HEADER.index("出院日期")] = datetime.datetime(2026, 11, 10, 9, 30)
    values[HEADER.index("入院日期")] = datetime.date(2026, 11, 1)
    sheet.append(values)
    bad = row(**{"住院号": "ZY0002", "患者姓名": ""})
    sheet.append(bad)
    path = tmp_path / "in.xlsx"
    workbook.save(path)

    result = run_import(path, sheet="出院患者")
    assert (result.counts.created, result.counts.rejected) == (1, 1)
    assert Encounter.objects.get().discharged_on == datetime.date(2026, 11, 10)
    assert result.rejects_file.endswith(".xlsx")
    from openpyxl import load_workbook

    rejects = list(load_workbook(result.rejects_file).active.iter_rows(values_only=True))
    assert rejects[0][-1] == "拒绝原因"
    assert rejects[1][-1] == "姓名为空"


def test_it_matches_patients_without_record_numbers(tmp_path, medicine):
    rows = [
        row(**{"病案号": "", "住院号": "MZ1", "出院日期": "2026-11-02", "入院日期": ""}),
        # same ID number: the same person
        row(**{"病案号": "", "住院号": "MZ2", "出院日期": "2026-11-03", "入院日期": ""}),
        # no ID: name + birth + phone
        row(
            **{
                "病案号": "",
                "身份证号": "",
                "患者姓名": "吴十",
                "年龄": "",
                "住院号": "MZ3",
                "联系电话": "13600001111",
                "联系人及电话": "",
            }
        ),
        row(
            **{
                "病案号": "",
                "身份证号": "",
                "患者姓名": "吴十",
                "年龄": "",
                "住院号": "MZ4",
                "联系电话": "13600001111",
                "联系人及电话": "",
            }
        ),
    ]
    result = run_import(write_csv(tmp_path / "in.csv", rows))
    assert result.counts.created == 4
    assert result.counts.patients_created == 2
    assert Patient.objects.get(name="吴十").encounters.count() == 2


def _unnumbered(**fields):
    return row(**{"身份证号": "", "年龄": "", "联系人及电话": "", "入院日期": "", **fields})


def test_a_stay_with_a_record_number_joins_the_same_persons_stay_without_one(tmp_path, medicine):
    """Name, birth date and phone decide when the record number finds nobody, in one file or two."""
    header = [*HEADER, "出生日期"]
    person = {"患者姓名": "吕一", "联系电话": "13844556677"}
    rows = [
        [*_unnumbered(**{"病案号": "", "住院号": "ZL001", **person}), "1960-01-02"],
        [*_unnumbered(**{"病案号": "L100", "住院号": "ZL002", **person}), "1960-01-02"],
    ]
    result = run_import(write_csv(tmp_path / "one-file.csv", rows, header=header))
    assert result.counts.patients_created == 1
    patient = Patient.objects.get(name="吕一")
    assert patient.record_number == "L100"
    assert sorted(patient.encounters.values_list("number", flat=True)) == ["ZL001", "ZL002"]

    # Across files: first met without a record number, then with one.
    other = {"患者姓名": "尤二一", "联系电话": "13833330000"}
    first = [_unnumbered(**{"病案号": "", "住院号": "ZL101", **other})]
    run_import(write_csv(tmp_path / "first.csv", first))
    second = [_unnumbered(**{"病案号": "K777", "住院号": "ZL102", **other})]
    result = run_import(write_csv(tmp_path / "second.csv", second))
    assert result.counts.patients_created == 0
    patient = Patient.objects.get(name="尤二一")
    assert patient.record_number == "K777"
    assert patient.encounters.count() == 2
    assert AuditEntry.objects.filter(patient_id=patient.pk, action="update").exists()


def test_two_record_numbers_are_two_patients_whatever_their_names(tmp_path, medicine):
    same = {"患者姓名": "周一", "联系电话": "13822220000"}
    rows = [
        _unnumbered(**{"病案号": "P1", "住院号": "ZP1", "出院日期": "2026-11-01", **same}),
        _unnumbered(**{"病案号": "P2", "住院号": "ZP2", "出院日期": "2026-11-02", **same}),
    ]
    result = run_import(write_csv(tmp_path / "in.csv", rows))
    assert result.counts.patients_created == 2


def test_a_number_repeated_in_the_file_takes_the_last_row_and_reimports_unchanged(
    tmp_path, medicine
):
    """A correction appended below the row it corrects: the later row wins, once."""
    rows = [
        row(**{"住院号": "ZY9001", "出院日期": "2026-11-05"}),
        row(**{"病案号": "B002", "身份证号": "", "住院号": "ZY9002", "出院日期": "2026-11-06"}),
        row(**{"住院号": "ZY9001", "出院日期": "2026-11-07"}),
    ]
    path = write_csv(tmp_path / "dup.csv", rows)
    first = run_import(path, output_dir=tmp_path / "one")
    assert (first.counts.created, first.counts.updated) == (2, 1)
    assert Encounter.objects.get(number="ZY9001").discharged_on == datetime.date(2026, 11, 7)
    with open(first.warnings_file, encoding="utf-8-sig") as f:
        warned = [line for line in csv.reader(f) if "出现不止一次" in line[-1]]
    assert [(line[1], line[2], line[3]) for line in warned] == [("4", "ZY9001", "住院号/门诊号")]
    updates = AuditEntry.objects.filter(action="update").count()
    for attempt in ("two", "three"):
        again = run_import(path, output_dir=tmp_path / attempt)
        assert (again.counts.unchanged, again.counts.updated) == (3, 0), attempt
    assert Encounter.objects.get(number="ZY9001").discharged_on == datetime.date(2026, 11, 7)
    assert AuditEntry.objects.filter(action="update").count() == updates


def test_it_dry_runs_without_writing(tmp_path, medicine):
    result = run_import(write_csv(tmp_path / "in.csv", DIRTY_ROWS), dry_run=True)
    assert result.counts.created == 4
    assert not Encounter.objects.exists()
    assert not Patient.objects.exists()


def test_it_prints_one_json_object(tmp_path, medicine, capsys):
    path = write_csv(tmp_path / "in.csv", DIRTY_ROWS)
    call_command("import-encounters", str(path), "--json")
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {
        "file",
        "rows",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "warnings",
        "patients_created",
        "rejects_file",
        "seconds",
    }
    assert out["rows"] == out["created"] + out["updated"] + out["unchanged"] + out["rejected"]
    assert ImportRun.objects.get().status == "succeeded"


def test_it_refuses_a_file_without_a_recognisable_header(tmp_path, medicine):
    path = tmp_path / "junk.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("import-encounters", str(path), "--json")
    assert "表头" in str(info.value) and "\n" not in str(info.value)


def test_it_accepts_a_mapping_for_headers_it_does_not_know(tmp_path, medicine):
    header = ["病人", "单号", "离院", "科"]
    path = tmp_path / "odd.csv"
    write_csv(path, [["张三", "X1", "2026-11-11", "内科"]], header=header, encoding="utf-8")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {
                "病人": "name",
                "单号": "encounter_number",
                "离院": "discharged_on",
                "科": "department",
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    call_command("import-encounters", str(path), "--mapping", str(mapping), "--kind", "inpatient")
    assert Encounter.objects.get(number="X1").department == medicine


def test_it_keeps_first_or_return_visit_for_the_follow_up_plans(tmp_path, medicine):
    header = ["姓名", "门诊号", "就诊日期", "科室", "初复诊", "诊断"]
    path = write_csv(
        tmp_path / "mz.csv",
        [
            ["张三", "MZ1", "2026-11-20", "内科", "初诊病人", "J06.9 急性上呼吸道感染"],
            ["李四", "MZ2", "2026-11-20", "内科", "复诊", ""],
        ],
        header=header,
    )
    run_import(path, kind="outpatient")
    assert Encounter.objects.get(number="MZ1").source_record["visit_type"] == "初诊"
    assert Encounter.objects.get(number="MZ2").source_record["visit_type"] == "复诊"


def _database_snapshot():
    patients = sorted(
        Patient.objects.values_list(
            "record_number", "name", "name_pinyin", "sex", "birth_date", "id_number_hash"
        )
    )
    encounters = sorted(
        (
            e.number,
            e.patient.record_number,
            e.kind,
            e.department.name,
            e.discharged_on,
            e.source_hash,
            json.dumps(e.source_record, ensure_ascii=False, sort_keys=True),
            [(d.code, d.name, d.is_primary, d.is_sensitive) for d in e.diagnoses.all()],
        )
        for e in Encounter.objects.select_related("patient", "department")
    )
    phones = sorted(
        PhoneNumber.objects.values_list(
            "patient__record_number", "number", "owner", "relation", "status", "is_primary"
        )
    )
    return patients, encounters, phones


@pytest.mark.parametrize("preparing", ["thread", "worker"])
def test_it_imports_the_same_with_rows_prepared_ahead(tmp_path, medicine, preparing):
    path = write_csv(tmp_path / "in.csv", DIRTY_ROWS)
    here = run_import(path, preparing="inline", output_dir=tmp_path / "here")
    expected = _database_snapshot()
    Encounter.objects.all().delete()
    Patient.objects.all().delete()
    ahead = run_import(path, preparing=preparing, output_dir=tmp_path / "ahead")
    assert ahead.counts == here.counts
    assert _database_snapshot() == expected
    assert Path(ahead.rejects_file).read_bytes() == Path(here.rejects_file).read_bytes()
    assert Path(ahead.warnings_file).read_bytes() == Path(here.warnings_file).read_bytes()
    again = run_import(path, preparing=preparing, output_dir=tmp_path / "again")
    assert (again.counts.unchanged, again.counts.created, again.counts.updated) == (4, 0, 0)


@pytest.mark.parametrize("preparing", ["inline", "thread", "worker"])
def test_it_reports_a_file_that_breaks_midway_also_when_prepared_ahead(
    tmp_path, medicine, preparing
):
    rows = [row(**{"住院号": f"ZY{i:05d}"}) for i in range(400)]
    good = write_csv(tmp_path / "good.csv", rows, encoding="utf-8").read_bytes()
    path = tmp_path / "in.csv"
    path.write_bytes(good + b"\xff\xfe\xfa broken,\r\n")
    message = f"第 402 行不是 UTF-8 编码（字节位置 {len(good)}）"
    with pytest.raises(UnreadableFile, match=message):
        run_import(path, preparing=preparing, encoding="utf-8", batch_size=100)
    run = ImportRun.objects.get()
    assert run.status == "failed"
    # Whole batches from before the bad bytes are in, as in any failed run.
    written = Encounter.objects.count()
    assert written > 0 and written % 100 == 0


def test_the_preparing_thread_stops_when_the_import_stops_reading():
    from huifang.patients.importing.mapping import map_headers
    from huifang.patients.importing.parallel import prepare_ahead
    from huifang.patients.importing.prepare import RowPreparer
    from huifang.patients.importing.reader import RawRow

    def endless():
        i = 0
        while True:
            i += 1
            yield RawRow(number=i, line=i + 1, cells=row(**{"住院号": f"ZY{i:08d}"}))

    preparer = RowPreparer(map_headers(HEADER), default_kind="", today=datetime.date(2026, 11, 24))
    outcomes = prepare_ahead(endless(), preparer)
    first_row, prepared, reason = next(outcomes)
    assert (first_row.number, prepared.number, reason) == (1, "ZY00000001", "")
    assert any(t.name == "import-prepare" for t in threading.enumerate())
    outcomes.close()
    assert not any(t.name == "import-prepare" for t in threading.enumerate())
    assert sys.getswitchinterval() == pytest.approx(0.005)


# What the previous fingerprint (SHA-256 of the parts' ``json.dumps``) gave for
# these two rows, computed with that version's code.
LEGACY_FINGERPRINTS = {
    "ZY0001": "327ee7fd4b1add9c51b86890f0fdf410cee520e23b3b72bc7932c9dac0b57618",
    "ZY0002": "d7fe37074a83b93699be9787cbd86423167bc25cbc0fd5c6591bc79bd71eac69",
}


def test_rows_imported_by_the_previous_version_come_back_unchanged(tmp_path, medicine):
    header = [*HEADER, "初复诊"]
    rows = [
        [*row(), "复诊"],
        [*row(**{"住院号": "ZY0002", "联系电话": "１３８１２３４５６７８"}), ""],
    ]
    path = write_csv(tmp_path / "in.csv", rows, header=header)
    first = run_import(path)
    assert first.counts.created == 2
    assert all(e.source_hash.startswith("v2") for e in Encounter.objects.all())
    for number, legacy in LEGACY_FINGERPRINTS.items():
        Encounter.objects.filter(number=number).update(source_hash=legacy)

    again = run_import(path, output_dir=tmp_path / "again")
    assert (again.counts.unchanged, again.counts.updated) == (2, 0)

    rows[1][HEADER.index("主治医师")] = "赵医生"
    corrected = run_import(
        write_csv(tmp_path / "fixed.csv", rows, header=header), output_dir=tmp_path / "fixed"
    )
    assert (corrected.counts.unchanged, corrected.counts.updated) == (1, 1)
    assert Encounter.objects.get(number="ZY0002").attending_doctor == "赵医生"


def test_a_corrected_row_without_record_number_or_phone_updates_its_patient(tmp_path, medicine):
    # No record number, no ID number, no phone: the patient's number is made
    # from the name, birth date and encounter number, and found again by it.
    anonymous = {"病案号": "", "身份证号": "", "联系电话": "", "联系人及电话": ""}
    first = run_import(write_csv(tmp_path / "a.csv", [row(**anonymous)]))
    assert (first.counts.created, first.counts.patients_created) == (1, 1)
    fixed = row(**anonymous, **{"主治医师": "赵医生"})
    again = run_import(write_csv(tmp_path / "b.csv", [fixed]), output_dir=tmp_path / "b")
    assert (again.counts.updated, again.counts.rejected, again.counts.patients_created) == (1, 0, 0)
    assert Patient.objects.count() == 1
    assert Encounter.objects.get(number="ZY0001").attending_doctor == "赵医生"


def test_it_reads_every_phone_column_and_keeps_repeated_headers_in_the_raw_record(
    tmp_path, medicine
):
    header = [
        "姓名",
        "住院号",
        "出院日期",
        "手机号码",
        "联系电话",
        "备注",
        "备注",
        "科室",
        "出院日期",
    ]
    values = [
        "钱一",
        "Q001",
        "2026-11-20",
        "13877770001",
        "0755-88886666",
        "第一条备注",
        "第二条备注",
        "骨科",
        "2026-11-21",
    ]
    path = write_csv(tmp_path / "in.csv", [values], header=header, encoding="utf-8")
    result = run_import(path)
    assert result.counts.created == 1
    patient = Patient.objects.get(name="钱一")
    assert sorted(patient.phones.values_list("number", "owner")) == [
        ("+8613877770001", "self"),
        ("+8675588886666", "self"),
    ]
    encounter = Encounter.objects.get(number="Q001")
    assert encounter.discharged_on == datetime.date(2026, 11, 20)  # the first column
    raw = encounter.source_record["row"]
    assert raw["备注"] == "第一条备注"
    assert raw["备注(2)"] == "第二条备注"
    assert raw["出院日期(2)"] == "2026-11-21"
    assert sorted(raw.values()) == sorted(values)


def test_it_reads_two_columns_of_one_phone_header_without_doubling_a_number(tmp_path, medicine):
    header = ["姓名", "住院号", "出院日期", "电话", "电话", "家属电话", "紧急联系电话"]
    values = [
        "钱二",
        "Q002",
        "2026-11-20",
        "13877770002",
        "13877770002/0755-88886667",
        "儿子 13977770002",
        "13677770002",
    ]
    path = write_csv(tmp_path / "in.csv", [values], header=header, encoding="utf-8")
    run_import(path)
    phones = Patient.objects.get(name="钱二").phones.values_list("number", "owner", "relation")
    assert sorted(phones) == [
        ("+8613677770002", "family", ""),
        ("+8613877770002", "self", ""),
        ("+8613977770002", "family", "儿子"),
        ("+8675588886667", "self", ""),
    ]


def test_it_refuses_a_mapping_to_a_field_it_does_not_know(tmp_path, medicine):
    header = ["患者名", "单号", "离院日"]
    path = write_csv(tmp_path / "odd.csv", [["张三", "X1", "2026-11-11"]], header=header)
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {"患者名": "name", "单号": "encounter_number", "离院日": "discharge_date"},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as info:
        call_command("import-encounters", str(path), "--mapping", str(mapping))
    message = str(info.value)
    assert "未知的字段：discharge_date（列“离院日”）" in message
    assert "discharged_on" in message and "encounter_number" in message  # the valid names
    assert "\n" not in message
    assert not ImportRun.objects.exists()  # refused before anything was read or written


def test_it_refuses_a_saved_mapping_to_a_field_it_does_not_know(tmp_path, medicine):
    from django.core.exceptions import ValidationError

    from huifang.patients.models import ImportSource

    source = ImportSource.objects.create(name="his", mapping={"离院日": "discharge_date"})
    with pytest.raises(ValidationError, match="discharge_date"):
        source.full_clean()  # the admin's form refuses it
    with pytest.raises(CommandError, match="来源“his”保存的列映射中有未知的字段：discharge_date"):
        call_command("import-encounters", str(write_csv(tmp_path / "in.csv", [row()])))
    assert not Encounter.objects.exists()


def test_it_stores_the_switchboard_number_and_warns_about_the_extension(tmp_path, medicine):
    cells = ["010-62345678-8021", "010-6234-5678转8021", "021 6234 5678 ext 12"]
    rows = [
        row(**{"住院号": f"EXT{i}", "联系电话": cell, "联系人及电话": ""})
        for i, cell in enumerate(cells)
    ]
    result = run_import(write_csv(tmp_path / "in.csv", rows))
    assert result.counts.created == 3
    phones = sorted(
        PhoneNumber.objects.values_list("number", "status").filter(patient__record_number="A0001")
    )
    # no extension became a number of its own, valid or not
    assert phones == [("+861062345678", "unknown"), ("+862162345678", "unknown")]
    warnings = list(csv.reader(io.StringIO(Path(result.warnings_file).read_text("utf-8-sig"))))
    by_number = {w[2]: w[4] for w in warnings[1:] if w[3] == "联系电话"}
    assert by_number == {
        "EXT0": "分机号 8021 未能拨打，已保存总机号码：010****5678",
        "EXT1": "分机号 8021 未能拨打，已保存总机号码：010****5678",
        "EXT2": "分机号 12 未能拨打，已保存总机号码：021****5678",
    }


def test_it_removes_stray_spaces_in_chinese_names_and_keeps_the_lines_of_free_text(
    tmp_path, medicine
):
    orders = "低盐饮食\r\n按时服药，１月后复查（心内科门诊）"
    first = row(**{"患者姓名": "李 四", "出院带药": "阿司匹林 100mg\n每日一次"})
    header = [*HEADER, "出院医嘱"]
    result = run_import(write_csv(tmp_path / "a.csv", [[*first, orders]], header=header))
    assert result.counts.created == 1
    assert Patient.objects.get().name == "李四"
    encounter = Encounter.objects.get()
    assert encounter.discharge_orders == "低盐饮食\n按时服药，1月后复查（心内科门诊）"
    assert encounter.discharge_medication == "阿司匹林 100mg\n每日一次"

    # The same stay in a file that spells the name without the space: no change.
    second = row(**{"患者姓名": "李四", "出院带药": "阿司匹林 100mg\n每日一次"})
    again = run_import(
        write_csv(tmp_path / "b.csv", [[*second, orders]], header=header),
        output_dir=tmp_path / "again",
    )
    assert (again.counts.unchanged, again.counts.updated) == (0, 1)  # the raw record differs
    assert not AuditEntry.objects.filter(action="update", target_type="patients.patient").exists()


def test_a_bare_code_in_the_diagnosis_cell_gives_the_code_as_the_name(tmp_path, medicine):
    rows = [
        row(**{"住院号": "DX1", "出院诊断": "B24"}),
        row(**{"住院号": "DX2", "出院诊断": "I10；E11.9 2型糖尿病"}),
    ]
    run_import(write_csv(tmp_path / "in.csv", rows))
    bare = Encounter.objects.get(number="DX1").diagnoses.get()
    assert (bare.code, bare.name, bare.is_sensitive) == ("B24", "B24", True)
    mixed = Encounter.objects.get(number="DX2").diagnoses.all()
    assert [(d.code, d.name) for d in mixed] == [("I10", "I10"), ("E11.9", "2型糖尿病")]


def _utf8_file_with_one_gbk_row(tmp_path) -> tuple[Path, int]:
    """A UTF-8 file whose 9th line was saved as GBK; and the offset of its first odd byte."""
    header = ["姓名", "住院号", "出院日期", "科室"]
    lines = [",".join(header)] + [f"患者{i},ZY{i:03d},2026-11-20,内科" for i in range(1, 8)]
    good = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    odd = "ZY009,张三,2026-11-20,内科\r\n".encode("gbk")
    rest = "患者10,ZY010,2026-11-20,内科\r\n".encode()
    path = tmp_path / "mixed.csv"
    path.write_bytes(good + odd + rest)
    return path, len(good) + odd.index("张".encode("gbk"))


@pytest.mark.parametrize("encoding", ["auto", "utf-8"])
def test_it_says_which_line_is_not_in_the_file_s_encoding(tmp_path, medicine, encoding):
    path, offset = _utf8_file_with_one_gbk_row(tmp_path)
    with pytest.raises(CommandError) as info:
        call_command("import-encounters", str(path), "--encoding", encoding)
    message = str(info.value)
    assert f"第 9 行不是 UTF-8 编码（字节位置 {offset}）" in message
    assert "同一种编码另存" in message and "\n" not in message


@pytest.mark.parametrize("block", [1, 2, 3, 5, 64])
def test_it_finds_the_odd_byte_across_blocks_of_any_size(tmp_path, monkeypatch, block):
    from huifang.patients.importing import reader

    path, offset = _utf8_file_with_one_gbk_row(tmp_path)
    monkeypatch.setattr(reader, "SAMPLE_BYTES", block)
    assert reader._first_bad_byte(path, "utf-8") == (offset, 9)


def test_an_import_silent_for_ten_minutes_is_marked_interrupted(tmp_path, medicine):
    from huifang.patients.importing.pipeline import import_runs_mark_interrupted

    now = timezone.now()
    stale = ImportRun.objects.create(
        source="his",
        file_name="a.csv",
        status=ImportRun.Status.RUNNING,
        heartbeat_at=now - datetime.timedelta(minutes=11),
    )
    busy = ImportRun.objects.create(
        source="his",
        file_name="b.csv",
        status=ImportRun.Status.RUNNING,
        heartbeat_at=now - datetime.timedelta(minutes=1),
    )
    assert import_runs_mark_interrupted() == 1
    stale.refresh_from_db()
    busy.refresh_from_db()
    assert stale.status == ImportRun.Status.FAILED
    assert "再导入一次同一文件即可补全" in stale.error
    assert busy.status == ImportRun.Status.RUNNING


def test_a_rejected_row_names_every_problem_at_once(tmp_path, medicine):
    rows = [row(**{"患者姓名": "", "住院号": "ZY0100", "出院日期": "2026-02-30"})]
    result = run_import(write_csv(tmp_path / "in.csv", rows))
    assert result.counts.rejected == 1
    data = Path(result.rejects_file).read_bytes().decode("gb18030")
    reason = list(csv.reader(io.StringIO(data)))[1][-1]
    assert reason.startswith("姓名为空；")
    assert "2026-02-30" in reason
    assert "出院日期为空" not in reason  # the date was given: said once, as wrong


def test_the_raw_record_keeps_id_numbers_masked(tmp_path, medicine):
    """ID numbers are encrypted at rest: the raw record of the row has them masked."""
    header = [*HEADER, "家属证件"]
    rows = [[*row(), "家属 11010519491231002X"]]
    path = write_csv(tmp_path / "in.csv", rows, header=header)
    run_import(path)
    record = Encounter.objects.get(number="ZY0001").source_record["row"]
    assert record["身份证号"] == "110***********002X"
    assert record["家属证件"] == "家属 110***********002X"
    assert record["医保类型"] == "职工医保"  # the rest as read
    assert "11010519491231002X" not in json.dumps(record, ensure_ascii=False)
    assert run_import(path).counts.unchanged == 1


def test_the_command_line_says_to_map_columns_with_its_own_option(tmp_path, medicine):
    path = tmp_path / "no-header.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        call_command("import-encounters", str(path))
    message = str(raised.value)
    assert "找不到可识别的表头" in message and "--mapping" in message
    assert "\n" not in message
