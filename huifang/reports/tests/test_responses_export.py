"""Questionnaire responses to Excel: a row per response, a column per item, numbers masked."""

import datetime
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from huifang.core.models import AuditEntry
from huifang.surveys.models import Answer, Item, ItemKind, Questionnaire, Response

NOV = "?period=2026-11"


@pytest.fixture
def responses(personas, patient_medicine, patient_surgery):
    patient_medicine.id_number = "110101198111110012"
    patient_medicine.save()
    q = Questionnaire.objects.create(code="inpatient", title="出院患者随访问卷", status="active")
    recovery = Item.objects.create(
        questionnaire=q,
        code="recovery",
        position=1,
        kind=ItemKind.SINGLE,
        text="恢复得怎么样？",
        options=[{"value": "good", "label": "恢复良好"}, {"value": "worse", "label": "比出院时差"}],
    )
    sat = Item.objects.create(
        questionnaire=q, code="sat", position=2, kind=ItemKind.SATISFACTION5, text="满意吗？"
    )
    note = Item.objects.create(
        questionnaire=q, code="note", position=3, kind=ItemKind.TEXT, text="意见建议"
    )
    at = timezone.make_aware(datetime.datetime(2026, 11, 16, 10, 30))

    def respond(patient, answers, voided=False, recorded_by=None):
        r = Response.objects.create(
            questionnaire=q,
            patient=patient,
            encounter=patient.encounters.first(),
            channel="phone",
            recorded_by=recorded_by,
            submitted_at=at,
            voided_at=at if voided else None,
        )
        for item, value in answers:
            Answer.objects.create(response=r, item=item, value=value)

    respond(
        patient_medicine,
        [(recovery, "good"), (sat, 4), (note, "请护士长回电 13812345678")],
        recorded_by=personas["agent"],
    )
    respond(patient_surgery, [(recovery, "worse")])
    respond(patient_medicine, [(recovery, "worse")], voided=True)
    return q


class TestResponsesExport:
    def test_one_row_per_response_one_column_per_item_numbers_masked(
        self, client, login, responses
    ):
        login("manager")
        response = client.get(f"/reports/responses.xlsx{NOV}")
        assert response.status_code == 200
        ws = load_workbook(BytesIO(response.content))["出院患者随访问卷"]
        rows = list(ws.iter_rows(min_row=2, values_only=True))
        assert rows[0] == (
            "提交时间",
            "渠道",
            "患者姓名",
            "病案号",
            "电话号码",
            "身份证号",
            "科室",
            "就诊号",
            "记录人",
            "恢复得怎么样？",
            "满意吗？",
            "意见建议",
        )
        # The voided response is left out.
        assert len(rows) == 3
        medicine = next(r for r in rows[1:] if r[2] == "张三丰")
        assert medicine[0] == "2026-11-16 10:30"
        assert medicine[1] == "电话"
        assert medicine[4] == "138****5678"
        assert medicine[5] == "110***********0012"
        assert medicine[6] == "心血管内科病区"
        assert medicine[8] == "agent"
        assert medicine[9:] == ("恢复良好", "满意", "请护士长回电 138****5678")
        text = response.content
        assert b"13812345678" not in text and b"110101198111110012" not in text
        surgery = next(r for r in rows[1:] if r[2] == "李秀英")
        assert surgery[9:] == ("比出院时差", None, None)

    def test_the_download_is_audited_with_its_count(self, client, login, responses):
        login("manager")
        client.get(f"/reports/responses.xlsx{NOV}")
        entry = AuditEntry.objects.get(field="reports_responses")
        assert entry.action == "export"
        assert entry.changes == {
            "period": "2026-11",
            "department": None,
            "questionnaire": None,
            "responses": 2,
        }

    def test_a_head_gets_their_departments_only(self, client, login, responses):
        login("head_surgery")
        ws = load_workbook(BytesIO(client.get(f"/reports/responses.xlsx{NOV}").content)).active
        names = [r[2] for r in ws.iter_rows(min_row=3, values_only=True)]
        assert names == ["李秀英"]

    def test_a_questionnaire_can_be_chosen(self, client, login, responses):
        login("manager")
        wb = load_workbook(
            BytesIO(client.get(f"/reports/responses.xlsx{NOV}&questionnaire=other").content)
        )
        assert list(wb.active.iter_rows(min_row=3, values_only=True)) == []

    @pytest.mark.parametrize("persona", ["quality", "admin", "head_medicine"])
    def test_roles_with_department_reports_may_download(self, client, login, responses, persona):
        login(persona)
        assert client.get(f"/reports/responses.xlsx{NOV}").status_code == 200

    def test_its_query_count_does_not_grow_with_the_responses(
        self, client, login, responses, django_assert_max_num_queries, patient_medicine
    ):
        login("manager")
        with django_assert_max_num_queries(30) as few:
            client.get(f"/reports/responses.xlsx{NOV}")
        q = responses
        item = q.items.get(code="recovery")
        at = timezone.make_aware(datetime.datetime(2026, 11, 17, 9))
        for _ in range(5):
            r = Response.objects.create(
                questionnaire=q,
                patient=patient_medicine,
                encounter=patient_medicine.encounters.first(),
                channel="sms",
                submitted_at=at,
            )
            Answer.objects.create(response=r, item=item, value="good")
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(f"/reports/responses.xlsx{NOV}")
