"""The satisfaction page (/reports/satisfaction/), worked out by hand on the ``staffed`` data.

Answers in November 2026 (see test_satisfaction_by_staff.py):

| group                 | five levels (5+4) | three levels (questionnaire + calls) |
| --------------------- | ----------------- | ------------------------------------ |
| 心血管内科病区 / 王医生 | 1 of 2 (5, 3)     | 2 of 3 (nurses item 3; calls 满意, 不满意) |
| 普外科病区 / 李医生     | 0 of 1 (1)        | 3 of 4 (calls 基本满意 ×3, 不满意)      |
| 赵护士 (both)          | 1 of 3            | 5 of 7                               |
| all                   | 1 of 3            | 5 of 7                               |
"""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from huifang.core.models import AuditEntry
from huifang.reports.tests.test_dashboard import answers  # noqa: F401 (fixture)
from huifang.reports.tests.test_satisfaction_by_staff import staffed  # noqa: F401 (fixture)

URL = "/reports/satisfaction/?period=2026-11"


def _table(html: str, key: str) -> str:
    return html.split(f'data-testid="satisfaction-{key}"')[1].split("</table>")[0]


def _rows(response, key):
    return {g.name: g for g in response.context["data"][key]}


class TestFigures:
    def test_the_totals(self, client, login, staffed):  # noqa: F811
        login("manager")
        total = client.get(URL).context["data"]["total"]
        assert (total.five.satisfied, total.five.answers) == (1, 3)
        assert (total.three.satisfied, total.three.answers) == (5, 7)

    def test_by_department_doctor_nurse_and_dimension(self, client, login, staffed):  # noqa: F811
        login("manager")
        response = client.get(URL)
        departments = _rows(response, "department")
        medicine = departments["心血管内科病区"]
        assert (medicine.five.satisfied, medicine.five.answers) == (1, 2)
        assert (medicine.three.satisfied, medicine.three.answers) == (2, 3)
        surgery = departments["普外科病区"]
        assert (surgery.five.value, surgery.three.value) == (0, 3 / 4)
        doctors = _rows(response, "doctor")
        assert (doctors["王医生"].five.answers, doctors["李医生"].three.answers) == (2, 4)
        nurse = _rows(response, "nurse")["赵护士"]
        assert (nurse.five.satisfied, nurse.five.answers, nurse.three.satisfied) == (1, 3, 5)
        dimensions = _rows(response, "dimension")
        assert (dimensions["医生"].five.satisfied, dimensions["医生"].five.answers) == (1, 3)
        assert dimensions["护士"].three.answers == 1

    def test_few_answers_are_not_ranked(self, client, login, staffed):  # noqa: F811
        login("manager")
        html = client.get(URL).content.decode()
        doctors = _table(html, "doctor")
        assert doctors.count('data-testid="too-few"') == 2
        assert "样本不足" in doctors

    def test_with_enough_answers_they_are_ranked(self, client, login, staffed, settings):  # noqa: F811
        settings.HUIFANG_SATISFACTION_MIN_ANSWERS = 2
        login("manager")
        doctors = _rows(client.get(URL), "doctor")
        assert doctors["王医生"].rank == 1 and not doctors["王医生"].too_few
        assert doctors["李医生"].rank is None and doctors["李医生"].too_few  # 1 answer
        settings.HUIFANG_SATISFACTION_MIN_ANSWERS = 1
        doctors = _rows(client.get(URL), "doctor")
        assert (doctors["王医生"].rank, doctors["李医生"].rank) == (1, 2)

    def test_they_may_be_ranked_on_three_levels(self, client, login, staffed, settings):  # noqa: F811
        settings.HUIFANG_SATISFACTION_MIN_ANSWERS = 3
        login("manager")
        assert client.get(URL).context["data"]["scale"] == "five"
        doctors = _rows(client.get(f"{URL}&scale=three"), "doctor")
        assert (doctors["李医生"].rank, doctors["王医生"].rank) == (1, 2)  # 3/4, then 2/3

    def test_a_period_without_five_level_answers_ranks_on_three(
        self,
        client,
        login,
        staffed,  # noqa: F811
        settings,
    ):
        from huifang.surveys.models import Answer

        Answer.objects.filter(item__kind="satisfaction5").delete()
        settings.HUIFANG_SATISFACTION_MIN_ANSWERS = 3
        login("manager")
        response = client.get(URL)
        assert response.context["data"]["scale"] == "three"
        assert _rows(response, "doctor")["李医生"].rank == 1


class TestWhoSeesWhat:
    @pytest.mark.parametrize("persona", ["manager", "quality", "admin"])
    def test_the_centre_sees_every_department(self, client, login, staffed, persona):  # noqa: F811
        login(persona)
        response = client.get(URL)
        assert response.status_code == 200
        assert set(_rows(response, "department")) == {"心血管内科病区", "普外科病区"}

    def test_a_head_sees_their_department_only(self, client, login, staffed):  # noqa: F811
        login("head_medicine")
        response = client.get(URL)
        assert set(_rows(response, "department")) == {"心血管内科病区"}
        html = response.content.decode()
        assert "王医生" in html and "李医生" not in html

    def test_a_head_may_not_open_another_department(self, client, login, staffed):  # noqa: F811
        login("head_surgery")
        assert client.get(f"{URL}&department=MED").status_code == 403
        assert (
            client.get(
                f"{URL.replace('satisfaction/', 'satisfaction.xlsx')}&department=MED"
            ).status_code
            == 403
        )

    @pytest.mark.parametrize("persona", ["agent", "doctor", "nobody"])
    def test_others_are_refused(self, client, login, staffed, persona):  # noqa: F811
        login(persona)
        assert client.get(URL).status_code == 403
        assert client.get("/reports/satisfaction.xlsx?period=2026-11").status_code == 403
        assert not AuditEntry.objects.filter(action="export").exists()

    def test_anonymous_visitors_sign_in_first(self, client, db):
        response = client.get(URL)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    def test_the_menu_entry_opens_it_for_those_who_may(self, client, login, staffed):  # noqa: F811
        login("manager")
        html = client.get("/").content.decode()
        assert 'href="/reports/satisfaction/"' in html
        assert "/coming/surveys/" not in html
        login("agent")
        html = client.get("/").content.decode()
        assert 'href="/reports/satisfaction/"' not in html

    def test_the_reports_link_to_it_with_their_period(self, client, login, staffed):  # noqa: F811
        login("head_medicine")
        for page in ("/reports/?period=2026-11", "/reports/dashboard/?period=2026-11"):
            html = client.get(page).content.decode()
            assert 'href="/reports/satisfaction/?period=2026-11"' in html

    def test_the_query_count_does_not_grow_with_the_data(
        self,
        client,
        login,
        staffed,  # noqa: F811
        django_assert_max_num_queries,
    ):
        login("manager")
        client.get(URL)
        with django_assert_max_num_queries(14):
            assert client.get(URL).status_code == 200


class TestExcel:
    def test_the_download_has_a_sheet_per_breakdown_and_is_audited(
        self,
        client,
        login,
        staffed,  # noqa: F811
    ):
        user = login("head_medicine")
        response = client.get("/reports/satisfaction.xlsx?period=2026-11")
        assert response.status_code == 200
        book = load_workbook(BytesIO(response.content))
        assert book.sheetnames == ["按科室", "按主治医师", "按责任护士", "按维度"]
        doctors = book["按主治医师"]
        assert [c.value for c in doctors[3]][:5] == [
            "主治医师",
            "排名",
            "五级回答数",
            "非常满意+满意",
            "五级满意率",
        ]
        rows = {r[0]: r for r in doctors.iter_rows(min_row=4, values_only=True)}
        assert rows["王医生"][1:5] == ("样本不足", 2, 1, 0.5)
        assert doctors.cell(4, 5).number_format == "0.00%"
        assert "李医生" not in rows
        entry = AuditEntry.objects.get(action="export")
        assert entry.actor == user and entry.changes["period"] == "2026-11"
