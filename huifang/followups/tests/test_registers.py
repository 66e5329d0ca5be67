"""Importing historical follow-up registers (回访登记本) as a clerk keeps them."""

import csv
import datetime
import json
import subprocess
import sys

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from huifang.core.tests.test_cli_and_settings import _env, run
from huifang.followups.models import ContactAttempt, FollowUpTask
from huifang.followups.registers import outcomes as words
from huifang.followups.registers.pipeline import (
    HISTORY_PLAN,
    followups_import,
)
from huifang.patients.models import Encounter, Patient

NOW = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)
HEADER = ["回访日期", "患者姓名", "联系电话", "出院科室", "出院日期", "住院号", "回访结果", "满意度", "回访人", "备注"]  # fmt: skip


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def dirty_rows():
    return [
        # full-width digits in the phone and the encounter number
        [
            "2026/3/5",
            "张三丰",
            "１３８１２３４５６７８",
            "内科",
            "2026-03-01",
            "ＺＹ１００１",
            "成功",
            "满意",
            "agent",
            "恢复良好",
        ],
        [
            "2026年3月6日",
            "李秀英",
            "13987654321",
            "外科",
            "2026-03-02",
            "ZY1002",
            "无人接听",
            "",
            "王护士",
            "",
        ],
        [
            "2026-03-07 15:30",
            "李秀英",
            "13987654321",
            "外科",
            "2026-03-02",
            "ZY1002",
            "家属接听",
            "4",
            "agent",
            "女儿代答",
        ],
        [
            "2026-03-08",
            "赵六",
            "13700001111",
            "外科",
            "2026-03-03",
            "",
            "空号",
            "",
            "",
            "",
        ],
        [
            "2026-03-09",
            "钱七",
            "13600002222",
            "内科",
            "2026-03-04",
            "ZY1004",
            "不知道",
            "",
            "",
            "",
        ],
        [
            "2026-03-09",
            "孙八",
            "13500003333",
            "内科",
            "2026-03-04",
            "ZY1005",
            "成功",
            "超级满意",
            "",
            "",
        ],
        [
            "",
            "周九",
            "13400004444",
            "内科",
            "2026-03-04",
            "ZY1006",
            "成功",
            "",
            "",
            "",
        ],
        [
            "2026-03-10",
            "吴十",
            "13300005555",
            "内科",
            "2026-03-04",
            "ZY1007",
            "死亡",
            "",
            "",
            "家属告知",
        ],
    ]


def write_csv(path, rows, encoding="gb18030"):
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def write_xlsx(path, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2026年 出院患者回访登记本"])  # a title line above the header
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def assert_adds_up(c):
    assert c.rows == c.created + c.updated + c.unchanged + c.rejected


@pytest.fixture
def register(tmp_path, personas):
    return write_csv(tmp_path / "登记本.csv", dirty_rows())


def test_it_imports_a_gb18030_register_with_dirty_values(register):
    result = followups_import(register)
    c = result.counts
    assert (c.rows, c.created, c.rejected) == (8, 5, 3)
    assert_adds_up(c)
    assert c.tasks_created == 5  # two calls on different days for ZY1002: two tasks
    assert c.attempts_created == 5
    zhang = Patient.objects.get(name="张三丰")
    assert zhang.phones.get().number == "+8613812345678"
    encounter = Encounter.objects.get(number="ZY1001")
    assert encounter.discharged_on == datetime.date(2026, 3, 1)
    assert encounter.department.name == "内科"
    attempt = ContactAttempt.objects.get(task__encounter=encounter)
    assert attempt.outcome.code == "reached_patient"
    assert attempt.at == datetime.datetime(2026, 3, 5, 4, 0, tzinfo=datetime.UTC)  # noon Shanghai
    assert attempt.answers == {"satisfaction": "satisfied", "satisfaction_label": "满意"}
    assert attempt.task.status == FollowUpTask.Status.DONE
    assert attempt.task.plan.code == HISTORY_PLAN
    assert not attempt.task.plan.is_active


def test_it_matches_agents_and_keeps_unknown_ones_as_text(register, personas):
    result = followups_import(register)
    by_note = {a.note: a for a in ContactAttempt.objects.all()}
    assert by_note["恢复良好"].agent == personas["agent"]
    unknown = ContactAttempt.objects.get(outcome__code="no_answer")
    assert unknown.agent is None and unknown.agent_name == "王护士"
    assert any("王护士" in w for w in result.warnings)


def test_task_status_follows_the_last_attempt_and_keeps_times(register):
    followups_import(register)
    li = FollowUpTask.objects.filter(encounter__number="ZY1002").order_by("sequence")
    assert [t.status for t in li] == ["unreachable", "done"]
    assert [t.sequence for t in li] == [0, 1]
    family = li[1].attempts_made.get()
    assert family.at == datetime.datetime(2026, 3, 7, 7, 30, tzinfo=datetime.UTC)
    assert family.answers["satisfaction"] == "satisfied"
    assert family.answers["satisfaction_score"] == 4
    invalid = FollowUpTask.objects.get(patient__name="赵六")
    assert invalid.status == "unreachable"


def test_history_marks_the_deceased_but_leaves_phone_status_alone(register):
    followups_import(register)
    assert Patient.objects.get(name="吴十").deceased_on == datetime.date(2026, 3, 10)
    zhao = Patient.objects.get(name="赵六")
    assert zhao.phones.get().status != "invalid"  # 空号 then is no proof of 空号 now
    assert FollowUpTask.objects.get(patient__name="吴十").status == "cancelled"


def test_rejects_file_keeps_every_column_and_says_why(register):
    result = followups_import(register)
    assert result.rejects_file.endswith("登记本.rejects.csv")
    with open(result.rejects_file, encoding="gb18030", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == [*HEADER, "拒绝原因"]
    reasons = {row[1]: row[-1] for row in rows[1:]}
    assert set(reasons) == {"钱七", "孙八", "周九"}
    assert "回访结果无法识别：“不知道”" in reasons["钱七"]
    assert "满意度无法识别" in reasons["孙八"]
    assert reasons["周九"] == "缺少回访日期"
    assert rows[1][:-1] == dirty_rows()[4]


def test_a_second_run_changes_nothing_and_says_so(register, capsys):
    call_command("import-followups", str(register))
    before = (Patient.objects.count(), FollowUpTask.objects.count(), ContactAttempt.objects.count())
    call_command("import-followups", str(register), "--json")
    second = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert second["unchanged"] == 5 and second["created"] == second["updated"] == 0
    assert second["rejected"] == 3 and second["rows"] == 8
    assert second["patients_created"] == second["tasks_created"] == 0
    assert second["attempts_created"] == 0
    after = (Patient.objects.count(), FollowUpTask.objects.count(), ContactAttempt.objects.count())
    assert after == before
    call_command("import-followups", str(register))
    assert "没有变化" in capsys.readouterr().out  # 没有变化：所有行都已导入过。


def test_a_corrected_row_is_updated_in_place(tmp_path, personas):
    rows = dirty_rows()[:1]
    path = write_csv(tmp_path / "r.csv", rows)
    followups_import(path)
    rows[0][6] = "家属接听"
    write_csv(path, rows)
    c = followups_import(path).counts
    assert (c.created, c.updated, c.unchanged) == (0, 1, 0)
    assert ContactAttempt.objects.get().outcome.code == "reached_family"


def test_rejects_after_a_fix_import_cleanly(register):
    first = followups_import(register)
    with open(first.rejects_file, encoding="gb18030", newline="") as handle:
        fixed = [row[:-1] for row in list(csv.reader(handle))[1:]]
    for row in fixed:
        row[0] = row[0] or "2026-03-11"
        row[6] = "成功" if row[6] == "不知道" else row[6]
        row[7] = "" if row[7] == "超级满意" else row[7]
    again = followups_import(write_csv(register.with_name("fixed.csv"), fixed)).counts
    assert (again.created, again.rejected) == (3, 0)


def test_it_reads_an_xlsx_register_with_excel_dates(tmp_path, personas, departments):
    rows = [
        [
            datetime.datetime(2026, 4, 1, 10, 15),
            "张三丰",
            13812345678,
            "内科",
            datetime.date(2026, 3, 28),
            "ZY2001",
            "本人接听",
            5,
            "agent",
            "",
        ],
        [
            46114,
            "李秀英",
            "13987654321",
            "外科",
            46110,
            "ZY2002",
            "关机",
            None,
            None,
            None,
        ],
        [
            "2026-04-03",
            "李秀英",
            "13987654321",
            "外科",
            46110,
            "ZY2002",
            "拒访",
            "不满意",
            "",
            "不愿多谈",
        ],
        [
            "2026-04-04",
            "王五",
            "13800000000",
            "外科",
            "2026-04-01",
            "ZY2003",
            "???",
            "",
            "",
            "",
        ],
    ]
    path = write_xlsx(tmp_path / "register.xlsx", rows)
    result = followups_import(path)
    c = result.counts
    assert (c.rows, c.created, c.rejected) == (4, 3, 1)
    assert_adds_up(c)
    first = ContactAttempt.objects.get(task__encounter__number="ZY2001")
    assert first.at == datetime.datetime(2026, 4, 1, 2, 15, tzinfo=datetime.UTC)
    assert first.answers["satisfaction_score"] == 5
    li = Encounter.objects.get(number="ZY2002")
    assert li.discharged_on == datetime.date(2026, 3, 29)  # Excel serial 46110
    assert [t.status for t in li.tasks.order_by("sequence")] == ["unreachable", "cancelled"]
    sheet = load_workbook(result.rejects_file).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][-1] == "拒绝原因"
    assert values[1][1] == "王五" and "???" in values[1][-1]


def test_it_matches_the_patient_and_stay_the_his_import_made(register, patient_medicine):
    rows = [["2026-11-20", "张三丰", "13812345678", "", "", "ZY200001", "成功", "", "", ""]]
    path = write_csv(register.with_name("his.csv"), rows)
    c = followups_import(path).counts
    assert (c.created, c.patients_created) == (1, 0)
    assert ContactAttempt.objects.get().task.patient == patient_medicine
    wrong = [["2026-11-20", "李四", "13812345678", "", "", "ZY200001", "成功", "", "", ""]]
    c = followups_import(write_csv(register.with_name("wrong.csv"), wrong)).counts
    assert c.rejected == 1


def test_it_refuses_a_file_without_a_register_header(tmp_path, db):
    path = tmp_path / "other.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(CommandError, match="register_no_header"):
        call_command("import-followups", str(path))
    path.write_text("姓名,住院号\n张三,ZY1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="回访日期"):
        call_command("import-followups", str(path))


def test_it_runs_as_a_command_line_program(tmp_path):
    env = _env(tmp_path, HUIFANG_ENV="demo")
    assert run(["migrate", "--verbosity", "0"], env).returncode == 0
    path = write_csv(tmp_path / "r.csv", dirty_rows())
    command = [sys.executable, "-m", "huifang", "import-followups", str(path), "--json"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["rows"] == 8 and result["rejected"] == 3
    assert result["rows"] == sum(result[k] for k in ("created", "updated", "unchanged", "rejected"))
    assert {"tasks_created", "attempts_created", "seconds", "rejects_file"} <= set(result)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    failed = run(["import-followups", str(broken), "--json"], env)
    assert failed.returncode != 0
    assert failed.stdout == ""
    assert "unreadable_file" in failed.stderr.strip().splitlines()[-1]


@given(st.sampled_from(sorted(words.OUTCOME_WORDS)), st.sampled_from(["", " ", "，家属代答", "。"]))
def test_every_outcome_word_maps_with_or_without_remarks(word, tail):
    assert words.outcome_code(f" {word}{tail}") == words.OUTCOME_WORDS[word]


@given(st.text(alphabet="本人拒访满意", min_size=1, max_size=6))
def test_outcome_text_is_exact_or_unknown(text):
    code = words.outcome_code(text)
    assert code is None or code == words.OUTCOME_WORDS[text]


@given(st.integers(min_value=-5, max_value=10))
def test_scores_map_onto_three_levels(score):
    if 1 <= score <= 5:
        key, kept = words.satisfaction(score)
        assert key in words.SATISFACTION_KEYS and kept == score
        assert (key == "satisfied") == (score >= 4)
    else:
        with pytest.raises(words.SatisfactionUnknown):
            words.satisfaction(str(score))


def test_values_too_long_for_the_record_are_rejected_not_fatal(tmp_path, personas):
    rows = [["2026-03-05", "张三丰", "", "内科", "2026-03-01", "ZY" + "9" * 60, "成功", "", "", ""]]
    result = followups_import(write_csv(tmp_path / "long.csv", rows))
    assert (result.counts.rejected, result.counts.created) == (1, 0)
    with open(result.rejects_file, encoding="gb18030", newline="") as handle:
        assert "住院号过长" in list(csv.reader(handle))[1][-1]


def test_agents_match_by_chinese_display_name_unless_two_share_it(tmp_path, personas):
    from huifang.accounts.services import user_create

    user_create(username="wangli", password=None, display_name="王丽")
    user_create(username="zhangmin1", password=None, display_name="张敏")
    user_create(username="zhangmin2", password=None, display_name="张敏")
    rows = [
        [
            "2026-03-05",
            "张三丰",
            "13812345678",
            "内科",
            "2026-03-01",
            "ZY3001",
            "成功",
            "",
            "王丽",
            "a",
        ],
        [
            "2026-03-05",
            "张三丰",
            "13812345678",
            "内科",
            "2026-03-01",
            "ZY3001",
            "成功",
            "",
            "张敏",
            "b",
        ],
        [
            "2026-03-05",
            "张三丰",
            "13812345678",
            "内科",
            "2026-03-01",
            "ZY3001",
            "成功",
            "",
            "ZhangMin2",
            "c",
        ],
    ]
    followups_import(write_csv(tmp_path / "agents.csv", rows))
    by_note = {a.note: a for a in ContactAttempt.objects.select_related("agent")}
    assert by_note["a"].agent.username == "wangli"
    assert by_note["b"].agent is None and by_note["b"].agent_name == "张敏"
    assert by_note["c"].agent.username == "zhangmin2"
    assert FollowUpTask.objects.get().attempts == 3  # one day, one task


def test_warnings_go_to_their_own_file_next_to_the_rejects(register, capsys):
    call_command("import-followups", str(register), "--json")
    result = json.loads(capsys.readouterr().out)
    assert result["warnings"] == 1
    assert result["warnings_file"] == str(register.with_name("登记本.warnings.csv"))
    with open(result["warnings_file"], encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["行号", "文件行", "姓名", "住院号", "提示"]
    assert rows[1][:4] == ["2", "3", "李秀英", "ZY1002"] and "王护士" in rows[1][4]
    assert len(rows) == 2


def test_the_warnings_file_may_be_named_and_is_not_made_without_warnings(tmp_path, personas):
    named = tmp_path / "out" / "w.csv"
    call_command(
        "import-followups",
        str(write_csv(tmp_path / "a.csv", dirty_rows())),
        "--warnings",
        str(named),
    )
    assert named.is_file()
    clean = [row for row in dirty_rows() if row[8] != "王护士"]
    result = followups_import(write_csv(tmp_path / "clean.csv", clean))
    assert result.counts.warnings == 0 and result.warnings_file == ""
    assert not (tmp_path / "clean.warnings.csv").exists()


def test_progress_is_reported_after_each_batch(register):
    from huifang.followups.registers.pipeline import RegisterOptions

    seen = []
    followups_import(
        register,
        RegisterOptions(batch_size=2, progress=lambda c: seen.append((c.rows, c.created))),
    )
    assert [rows for rows, _ in seen] == sorted(rows for rows, _ in seen)
    assert seen[-1] == (8, 5) and len(seen) >= 3
