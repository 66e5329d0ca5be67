"""Counts and shares per option of the non-scale answers, by department: worked by hand."""

import datetime
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from huifang.core.models import AuditEntry
from huifang.followups.models import ContactAttempt
from huifang.surveys.models import Answer, Item, ItemKind, Questionnaire, Response

NOV = "?period=2026-11"


def _questionnaire(version=1, status="active"):
    q = Questionnaire.objects.create(
        code="recheck", version=version, title="体检异常复查随访问卷", status=status
    )
    items = {
        "not-yet-why": Item.objects.create(
            questionnaire=q,
            code="not-yet-why",
            position=1,
            kind=ItemKind.SINGLE,
            text="还没复查的主要原因是？",
            options=[
                {"value": "busy", "label": "工作忙没时间"},
                {"value": "cost", "label": "担心费用"},
            ],
        ),
        "signs": Item.objects.create(
            questionnaire=q,
            code="signs",
            position=2,
            kind=ItemKind.MULTIPLE,
            text="最近有没有出现以下情况？",
            options=[
                {"value": "fever", "label": "发热"},
                {"value": "pain", "label": "胸痛"},
            ],
        ),
        "knows": Item.objects.create(
            questionnaire=q, code="knows", position=3, kind=ItemKind.YESNO, text="知道复查时间吗？"
        ),
    }
    return q, items


def _respond(q, items, patient, answers, voided=False):
    at = timezone.make_aware(datetime.datetime(2026, 11, 16, 10))
    r = Response.objects.create(
        questionnaire=q,
        patient=patient,
        encounter=patient.encounters.first(),
        channel="phone",
        submitted_at=at,
        voided_at=at if voided else None,
    )
    for code, value in answers.items():
        Answer.objects.create(response=r, item=items[code], value=value)
    return r


@pytest.fixture
def answered(month, patient_medicine, patient_surgery):
    """内科 (心血管内科病区): busy, busy, cost; signs [fever, pain], [fever]; knows yes, no.
    外科 (普外科病区): cost; signs [pain]; a voided busy that never counts."""
    q, items = _questionnaire()
    _respond(
        q,
        items,
        patient_medicine,
        {"not-yet-why": "busy", "signs": ["fever", "pain"], "knows": "yes"},
    )
    _respond(q, items, patient_medicine, {"not-yet-why": "busy", "signs": ["fever"], "knows": "no"})
    _respond(q, items, patient_medicine, {"not-yet-why": "cost"})
    _respond(q, items, patient_surgery, {"not-yet-why": "cost", "signs": ["pain"]})
    _respond(q, items, patient_surgery, {"not-yet-why": "busy"}, voided=True)
    # Built-in call questions: t1's reaching call recorded recovery "good"; t2's "poor".
    ContactAttempt.objects.filter(task=month["t1"], outcome__code="reached_patient").update(
        answers={"satisfaction": "satisfied", "recovery": "good", "medication": "as_prescribed"}
    )
    ContactAttempt.objects.filter(task=month["t2"]).update(
        answers={"recovery": "poor", "medication": "stopped"}
    )
    return q


def _tables(client):
    response = client.get(f"/reports/answers/{NOV}")
    assert response.status_code == 200
    return response.context["data"]["tables"], response.content.decode()


class TestAnswerTables:
    def test_single_choice_counts_and_shares_per_department(self, client, login, answered):
        login("manager")
        tables, _html = _tables(client)
        table = next(t for t in tables if t.code == "not-yet-why")
        assert table.options == [("busy", "工作忙没时间"), ("cost", "担心费用")]
        rows = {r.key: r for r in table.rows}
        medicine = rows["MED-W1"]
        assert medicine.name == "心血管内科病区"
        assert medicine.answered == 3
        assert medicine.cells(table.options) == [
            (2, pytest.approx(2 / 3)),
            (1, pytest.approx(1 / 3)),
        ]
        assert rows["SUR-W1"].cells(table.options) == [(0, 0.0), (1, 1.0)]
        # The voided response is left out: 4 answers, busy 2, cost 2.
        assert table.total.answered == 4
        assert table.total.cells(table.options) == [(2, 0.5), (2, 0.5)]

    def test_multiple_choice_counts_each_option_picked(self, client, login, answered):
        login("manager")
        tables, _html = _tables(client)
        table = next(t for t in tables if t.code == "signs")
        medicine = next(r for r in table.rows if r.key == "MED-W1")
        # Two answers; fever in both, pain in one.
        assert medicine.answered == 2
        assert medicine.cells(table.options) == [(2, 1.0), (1, 0.5)]
        assert table.total.cells(table.options) == [
            (2, pytest.approx(2 / 3)),
            (2, pytest.approx(2 / 3)),
        ]

    def test_yes_no_items_use_their_labels(self, client, login, answered):
        login("manager")
        tables, html = _tables(client)
        table = next(t for t in tables if t.code == "knows")
        assert [label for _v, label in table.options] == ["是", "否"]
        assert table.total.cells(table.options) == [(1, 0.5), (1, 0.5)]
        assert "知道复查时间吗？" in html
        assert "<th>科室</th><th>回答数</th><th>是</th><th>否</th>" in html

    def test_the_built_in_call_questions(self, client, login, answered):
        login("manager")
        tables, html = _tables(client)
        recovery = next(t for t in tables if t.source == "call" and t.code == "recovery")
        counts = dict(
            zip(
                [v for v, _ in recovery.options],
                recovery.total.cells(recovery.options),
                strict=True,
            )
        )
        assert counts["good"] == (1, 0.5)
        assert counts["poor"] == (1, 0.5)
        assert counts["fair"] == (0, 0.0)
        medication = next(t for t in tables if t.source == "call" and t.code == "medication")
        assert medication.total.answered == 2
        assert "电话回访问题" in html

    def test_a_head_sees_their_departments_only(self, client, login, answered):
        login("head_surgery")
        tables, _html = _tables(client)
        table = next(t for t in tables if t.code == "not-yet-why")
        assert [r.key for r in table.rows] == ["SUR-W1"]
        assert table.total.answered == 1
        # No call answers in 外科: the call tables are left out.
        assert not [t for t in tables if t.source == "call"]

    def test_an_option_dropped_by_a_later_version_keeps_its_answers(
        self, client, login, answered, patient_medicine
    ):
        _q2, items2 = _questionnaire(version=2, status="retired")
        items2["not-yet-why"].options = [{"value": "busy", "label": "太忙"}]
        items2["not-yet-why"].save()
        login("manager")
        tables, _html = _tables(client)
        table = next(t for t in tables if t.code == "not-yet-why")
        # The latest label wins; "cost" (only in version 1) stays with its old label.
        assert dict(table.options) == {"busy": "太忙", "cost": "担心费用"}

    @pytest.mark.parametrize(
        ("persona", "status"),
        [
            ("quality", 200),
            ("admin", 200),
            ("head_medicine", 200),
            ("agent", 403),
            ("doctor", 403),
            ("nobody", 403),
        ],
    )
    def test_who_may_see_it(self, client, login, answered, persona, status):
        login(persona)
        assert client.get(f"/reports/answers/{NOV}").status_code == status

    def test_its_query_count_does_not_grow_with_the_answers(
        self, client, login, answered, django_assert_max_num_queries, patient_medicine
    ):
        login("manager")
        with django_assert_max_num_queries(30) as few:
            client.get(f"/reports/answers/{NOV}")
        q, items = _questionnaire(version=3, status="retired")
        for _ in range(5):
            _respond(q, items, patient_medicine, {"not-yet-why": "busy", "signs": ["pain"]})
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(f"/reports/answers/{NOV}")

    def test_the_excel_download_and_its_audit(self, client, login, answered):
        login("manager")
        response = client.get(f"/reports/answers.xlsx{NOV}")
        assert response.status_code == 200
        wb = load_workbook(BytesIO(response.content))
        (ws,) = [s for s in wb if s["A1"].value == "体检异常复查随访问卷 · 还没复查的主要原因是？"]
        assert ws.title == "还没复查的主要原因是？"  # the tab shows the question, not its code
        rows = list(ws.iter_rows(min_row=2, values_only=True))
        assert rows[0] == (
            "科室",
            "回答数",
            "工作忙没时间（例）",
            "工作忙没时间（占比）",
            "担心费用（例）",
            "担心费用（占比）",
        )
        assert rows[-1] == ("合计", 4, 2, 0.5, 2, 0.5)
        entry = AuditEntry.objects.get(field="reports_answer_tables")
        assert entry.changes["questions"] == len(wb.sheetnames)
