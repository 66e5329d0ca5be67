"""The pages of the loop, for each persona: who may open which, and what they see."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from huifang.core.models import AuditEntry
from huifang.feedback import services
from huifang.feedback.models import Case, CaseAttachment
from huifang.testing.factories import EncounterFactory

pytestmark = pytest.mark.django_db

S = Case.Status


@pytest.fixture
def cases(monday, personas, departments, patient_medicine, patient_surgery):
    made = {}
    for key, patient, department in (
        ("medicine", patient_medicine, departments["medicine"]),
        ("surgery", patient_surgery, departments["surgery"]),
    ):
        case = services.case_create(
            actor=personas["agent"],
            kind=Case.Kind.COMPLAINT,
            source=Case.Source.AGENT,
            category="attitude",
            description=f"{patient.name}：护士态度差",
            encounter=patient.encounters.first(),
        )
        made[key] = services.case_triage(
            actor=personas["manager"], case=case, departments=[department], forward=True
        )
    return made


PAGES = {
    "/feedback/inbox/": {"head_medicine", "head_surgery"},
    "/feedback/board/": {"manager"},
    "/feedback/overview/?month=2026-11": {"manager", "quality"},
    "/feedback/notice/?month=2026-11": {"head_medicine", "head_surgery", "manager", "quality"},
    "/feedback/notice.xlsx?month=2026-11": {"head_medicine", "head_surgery", "manager", "quality"},
}


@pytest.mark.parametrize("url", sorted(PAGES))
@pytest.mark.parametrize(
    "username",
    ["agent", "doctor", "head_medicine", "head_surgery", "manager", "quality", "admin", "nobody"],
)
def test_each_page_opens_only_for_its_roles(client, login, cases, url, username):
    login(username)

    response = client.get(url)

    assert response.status_code == (200 if username in PAGES[url] else 403)


def test_the_heads_inbox_holds_only_its_departments_cases(client, login, cases):
    login("head_surgery")

    html = client.get("/feedback/inbox/").content.decode()

    assert "李秀英：护士态度差" in html
    assert "张三丰" not in html


def test_the_managers_board_shows_new_waiting_and_overdue(client, login, personas, cases):
    Case.objects.filter(pk=cases["surgery"].pk).update(deadline_at="2026-11-01T00:00:00+08:00")
    services.case_create(
        actor=personas["agent"],
        kind=Case.Kind.SUGGESTION,
        source=Case.Source.HOTLINE,
        description="门诊候诊区座位太少",
    )
    login("manager")

    html = client.get("/feedback/board/").content.decode()

    assert 'data-testid="board-count-new">1<' in html
    assert 'data-testid="board-count-with_departments">1<' in html
    assert 'data-testid="board-count-overdue">1<' in html
    assert "超期" in html


def test_the_board_keeps_to_a_query_budget(
    client, login, personas, departments, cases, django_assert_max_num_queries
):
    for n in range(30):
        services.case_create(
            actor=personas["agent"],
            kind=Case.Kind.COMPLAINT,
            source=Case.Source.HOTLINE,
            description=f"投诉{n}",
            encounter=EncounterFactory(department=departments["medicine_ward"]),
        )
    login("manager")

    with django_assert_max_num_queries(16):
        response = client.get("/feedback/board/")

    assert response.content.decode().count('data-testid="case-row"') == 32


def test_the_inbox_keeps_to_a_query_budget(
    client, login, personas, departments, django_assert_max_num_queries, monday
):
    for n in range(30):
        case = services.case_create(
            actor=personas["agent"],
            kind=Case.Kind.ESCALATION,
            source=Case.Source.AGENT,
            description=f"发热{n}",
            encounter=EncounterFactory(department=departments["medicine_ward"]),
        )
        assert case.status == S.WITH_DEPARTMENT
    login("head_medicine")

    with django_assert_max_num_queries(16):
        response = client.get("/feedback/inbox/")

    assert response.content.decode().count('data-testid="case-row"') == 30


class TestCasePage:
    def test_a_head_of_another_department_cannot_open_it(self, client, login, cases):
        login("head_surgery")

        assert client.get(f"/feedback/{cases['medicine'].uuid}/").status_code == 404

    def test_the_head_sees_the_answer_form_and_the_timeline(self, client, login, cases):
        login("head_medicine")

        html = client.get(f"/feedback/{cases['medicine'].uuid}/").content.decode()

        assert "给患者的答复" in html and "整改措施" in html  # the form, in Chinese
        assert "已转交科室" in html
        assert 'data-testid="step-answer"' in html
        assert 'data-testid="step-close"' not in html
        assert html.count('data-testid="timeline-event"') == 3  # recorded, triaged, forwarded
        assert "138****5678" in html  # the patient's phone, masked
        assert "13812345678" not in html

    def test_the_quality_office_reads_and_may_only_escalate(self, client, login, cases):
        login("quality")

        html = client.get(f"/feedback/{cases['medicine'].uuid}/").content.decode()

        assert 'data-testid="step-escalate"' in html
        assert 'data-testid="step-answer"' not in html

    def test_the_head_answers_from_the_page(self, client, login, cases):
        login("head_medicine")
        url = f"/feedback/{cases['medicine'].uuid}/"

        response = client.post(
            f"{url}answer/",
            {"reply": "已致歉", "cause": "沟通不足", "rectification": "组织培训"},
        )

        assert response.status_code == 302
        html = client.get(url).content.decode()
        assert 'data-testid="case-status">科室已答复<' in html
        assert "组织培训" in html
        assert 'data-action="answered"' in html  # on the timeline

    def test_an_incomplete_answer_comes_back_with_the_reason(self, client, login, cases):
        login("head_medicine")

        response = client.post(f"/feedback/{cases['medicine'].uuid}/answer/", {"reply": "已致歉"})

        assert response.status_code == 400
        assert 'data-testid="step-error"' in response.content.decode()
        assert Case.objects.get(pk=cases["medicine"].pk).status == S.WITH_DEPARTMENT

    def test_a_step_the_user_may_not_take_is_refused(self, client, login, cases):
        login("head_medicine")

        response = client.post(f"/feedback/{cases['medicine'].uuid}/close/", {"note": "结案"})

        assert response.status_code == 403
        assert Case.objects.get(pk=cases["medicine"].pk).status == S.WITH_DEPARTMENT

    def test_the_manager_triages_a_new_case_and_forwards_it(
        self, client, login, personas, departments
    ):
        case = services.case_create(
            actor=personas["manager"],
            kind=Case.Kind.COMPLAINT,
            source=Case.Source.HOTLINE,
            description="收费处排队太久",
        )
        login("manager")

        client.post(
            f"/feedback/{case.uuid}/triage/",
            {
                "lead": departments["medicine"].pk,
                "others": [departments["surgery"].pk],
                "category": "process",
                "severity": "normal",
                "forward": "on",
            },
        )

        case.refresh_from_db()
        assert case.status == S.WITH_DEPARTMENT
        assert case.departments.count() == 2


class TestAttachments:
    def upload(self, client, case, name="photo.jpg", size=100):
        return client.post(
            f"/feedback/{case.uuid}/attachments/",
            {"file": SimpleUploadedFile(name, b"\xff\xd8" + b"0" * size, "image/jpeg")},
        )

    def test_an_attachment_is_kept_and_served_to_those_who_see_the_case(self, client, login, cases):
        case = cases["medicine"]
        login("head_medicine")

        self.upload(client, case)

        attachment = CaseAttachment.objects.get()
        assert attachment.original_name == "photo.jpg"
        assert "photo" not in attachment.file.name  # stored under a random name
        url = f"/feedback/{case.uuid}/attachments/{attachment.uuid}/"
        assert client.get(url).status_code == 200
        assert AuditEntry.objects.filter(action="view", target_type="feedback.caseattachment")
        login("head_surgery")
        assert client.get(url).status_code == 404

    def test_a_file_too_large_or_of_another_type_is_refused(self, client, login, cases, settings):
        settings.HUIFANG_FEEDBACK_ATTACHMENT_MAX_MB = 1
        login("head_medicine")

        self.upload(client, cases["medicine"], size=2 * 1024 * 1024)
        self.upload(client, cases["medicine"], name="run.exe")

        assert not CaseAttachment.objects.exists()


class TestNotice:
    def test_the_notice_lists_the_months_cases_with_lateness(self, client, login, cases):
        Case.objects.filter(pk=cases["medicine"].pk).update(deadline_at="2026-11-10T00:00:00+08:00")
        login("manager")

        html = client.get("/feedback/notice/?month=2026-11").content.decode()

        assert html.count('data-testid="notice-section"') == 2
        assert "张三丰：护士态度差" in html
        assert "1 件超期" in html

    def test_a_head_sees_only_its_department_in_the_notice(self, client, login, cases):
        login("head_medicine")

        html = client.get("/feedback/notice/?month=2026-11").content.decode()

        assert html.count('data-testid="notice-section"') == 1
        assert "李秀英" not in html

    def test_the_excel_download_holds_the_cases_and_is_audited(self, client, login, cases):
        login("manager")

        response = client.get("/feedback/notice.xlsx?month=2026-11")

        book = load_workbook(BytesIO(response.content))
        assert len(book.sheetnames) == 3  # the summary and one sheet per department
        cells = [c.value for sheet in book for row in sheet.iter_rows() for c in row]
        assert "张三丰：护士态度差" in cells
        assert not any("138" in str(value) for value in cells if value)
        assert AuditEntry.objects.filter(action="export", field="feedback_notice").exists()


class TestNotifications:
    def test_the_unread_count_shows_in_the_navigation_and_clears(self, client, login, cases):
        login("head_medicine")

        html = client.get("/feedback/inbox/").content.decode()
        assert 'data-testid="nav-badge-feedback">1<' in html

        client.post("/feedback/notifications/read/")

        html = client.get("/feedback/inbox/").content.decode()
        assert 'data-testid="nav-badge-feedback"' not in html

    def test_the_nav_entry_opens_each_roles_page(self, client, login, cases):
        for username, page in (
            ("head_medicine", "/feedback/inbox/"),
            ("manager", "/feedback/board/"),
            ("quality", "/feedback/overview/"),
            ("agent", "/feedback/"),
        ):
            login(username)
            assert client.get("/feedback/start/")["Location"] == page


def test_a_hotline_complaint_is_recorded_from_the_form(
    client, login, patient_medicine, departments
):
    login("manager")

    response = client.post(
        "/feedback/new/",
        {
            "kind": "complaint",
            "source": "hotline",
            "channel": "phone",
            "record_number": "200001",
            "department": departments["medicine"].pk,
            "category": "cost",
            "severity": "normal",
            "staff_named": "",
            "description": "出院结算多收了检查费",
        },
    )

    case = Case.objects.get()
    assert response["Location"] == f"/feedback/{case.uuid}/"
    assert (case.patient, case.source, case.status) == (patient_medicine, "hotline", S.NEW)


def test_the_start_page_tells_the_head_what_waits_for_an_answer(client, login, cases):
    login("head_medicine")

    html = client.get("/").content.decode()

    assert 'data-testid="to-answer-count"' in html


@pytest.mark.parametrize(
    ("username", "url", "budget"),
    [
        ("quality", "/feedback/overview/?month=2026-11", 14),
        ("manager", "/feedback/notice/?month=2026-11", 16),
        ("head_medicine", "/feedback/notifications/", 12),
        ("manager", "/feedback/?status=all", 12),
    ],
)
def test_the_lists_keep_to_a_query_budget(
    client,
    login,
    personas,
    departments,
    monday,
    django_assert_max_num_queries,
    username,
    url,
    budget,
):
    for n in range(30):
        case = services.case_create(
            actor=personas["agent"],
            kind=Case.Kind.ESCALATION,
            source=Case.Source.AGENT,
            description=f"发热{n}",
            encounter=EncounterFactory(
                department=departments["medicine_ward" if n % 2 else "surgery_ward"]
            ),
        )
        services.case_escalate(actor=personas["manager"], case=case, note="多次反映")
    login(username)

    with django_assert_max_num_queries(budget):
        response = client.get(url)

    assert response.status_code == 200
    assert response.content.decode().count("发热") >= 15
