"""A register the project has never seen, imported, gives the rates a statistician computes by hand.

Twenty patients called in March 2026: 14 reached (成功), 3 无人接听, 2 空号,
1 拒访. Of the 14 reached, 10 said 满意, 3 基本满意, 1 不满意.
By hand: due 20, attempted 20, reached 14 → 回访成功率 14/20 = 70 %;
failure reasons 无人接听 3, 空号 2, 拒访 1; satisfied 10/14, fairly 3/14.
"""

import csv
import json

import pytest
from django.core.management import call_command

from huifang.reports.stats import wilson_interval

pytestmark = pytest.mark.django_db

HEADER = ["回访日期", "患者姓名", "联系电话", "出院科室", "出院日期", "住院号", "回访结果", "满意度", "回访人", "备注"]  # fmt: skip
OUTCOMES = ["成功"] * 14 + ["无人接听"] * 3 + ["空号"] * 2 + ["拒访"]
SATISFACTION = ["满意"] * 10 + ["基本满意"] * 3 + ["不满意"] + [""] * 6


@pytest.fixture
def register(tmp_path, departments):
    path = tmp_path / "2026年3月回访登记本.csv"
    with path.open("w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n, (outcome, satisfaction) in enumerate(zip(OUTCOMES, SATISFACTION, strict=True)):
            writer.writerow(
                [
                    f"2026-03-{n + 5:02d}",
                    f"患者{n:02d}",
                    f"1381234{n:04d}",
                    "内科",
                    f"2026-03-{n + 1:02d}",
                    f"ZY3{n:04d}",
                    outcome,
                    satisfaction,
                    "",
                    "",
                ]
            )
    return path


def run(*args) -> dict:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())


def test_imported_registers_give_the_hand_computed_figures(register):
    imported = run("import-followups", str(register), "--json")
    assert (imported["rows"], imported["created"], imported["rejected"]) == (20, 20, 0)

    summary = run("report", "summary", "--from", "2026-03-01", "--to", "2026-03-31", "--json")

    assert (summary["due"], summary["attempted"], summary["reached"]) == (20, 20, 14)
    assert summary["success_rate"] == pytest.approx(14 / 20)
    assert summary["success_rate_of_attempted"] == pytest.approx(14 / 20)
    assert summary["failure_reasons"] == {"no_answer": 3, "number_invalid": 2, "refused": 1}
    builtin = summary["satisfaction"]["builtin"]
    assert builtin["answers"] == 14
    assert builtin["counts"] == {"satisfied": 10, "fairly_satisfied": 3, "dissatisfied": 1}


def test_the_success_rate_interval_is_wilsons():
    # 14/20: p = 0.7, z = 1.959964; centre (p + z²/2n)/(1 + z²/n), half-width by hand.
    low, high = wilson_interval(14, 20)

    assert low == pytest.approx(0.4810, abs=1e-4)
    assert high == pytest.approx(0.8545, abs=1e-4)
