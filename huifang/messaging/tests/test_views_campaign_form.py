"""The campaign form: departments from the tree, real dates, Chinese errors, a real preview."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from huifang.accounts.services import user_create
from huifang.messaging.models import Campaign, MessageTemplate
from huifang.messaging.services.optouts import optout_record

pytestmark = pytest.mark.django_db

URL = reverse("messaging:campaign_new")


def _post(client, **fields):
    reminder = MessageTemplate.objects.get(code="followup-reminder")
    data = {"name": "复查提醒", "template": reminder.pk, "preview": "1", **fields}
    return client.post(URL, data, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()


@pytest.fixture
def medicine_organiser(departments):
    """Runs campaigns but sees only 内科 (and its ward)."""
    user = user_create(username="organiser", password=None, departments=[departments["medicine"]])
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="messaging", codename__in=["view_campaign", "add_campaign"]
        )
    )
    return user


class TestTheFields:
    def test_departments_come_from_the_tree_with_wards_under_them(self, client, login):
        login("manager")
        page = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert '<select name="departments"' in page and "multiple" in page
        assert ">　心血管内科病区</option>" in page  # indented under 内科
        assert 'type="date"' in page and 'type="datetime-local"' in page
        assert 'type="checkbox" name="tags" value="lipids"' in page
        assert "Department codes" not in page and "逗号" not in page

    def test_a_user_is_offered_only_their_own_departments(
        self, client, departments, medicine_organiser
    ):
        client.force_login(medicine_organiser)
        page = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "心血管内科病区" in page and "内科" in page
        assert "外科" not in page and "普外科病区" not in page
        refused = _post(client, departments=departments["surgery"].pk)
        assert "选择一个有效的选项" in refused
        assert 'data-testid="campaign-preview"' not in refused

    def test_none_chosen_means_all_of_their_own_departments(
        self, client, medicine_organiser, patient_medicine, patient_surgery
    ):
        client.force_login(medicine_organiser)
        page = _post(client)
        assert "1 位患者将收到" in page
        assert "张先生" in page and "李先生" not in page


class TestErrors:
    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"date_from": "2026-11-20", "date_to": "2026-11-01"}, "结束日期早于开始日期"),
            ({"date_from": "下周一"}, "输入一个有效的日期"),
            ({"age_min": "60", "age_max": "18"}, "最大年龄小于最小年龄"),
            ({"age_max": "200"}, "小于或等于150"),
            ({"diagnosis_prefix": "高血压"}, "请填写 ICD-10 编码的开头"),
            ({"no_contact_days": "0"}, "大于或等于1"),
            ({"scheduled_at": "2020-01-01T08:00"}, "这个时间已经过去"),
        ],
    )
    def test_bad_filters_are_refused_in_chinese_on_their_field(
        self, client, login, fields, message
    ):
        login("manager")
        page = _post(client, **fields)
        assert message in page
        assert 'data-testid="field-error"' in page
        assert 'data-testid="campaign-preview"' not in page
        assert not Campaign.objects.exists()


class TestPreview:
    def test_it_renders_for_real_recipients_with_their_own_values_masked(
        self, client, login, morning, patient_medicine, patient_surgery
    ):
        login("manager")
        page = _post(client)
        assert "2 位患者将收到" in page
        assert page.count('data-testid="preview-sample"') == 2
        assert "张先生 · 138****5678" in page and "李先生 · 139****4321" in page
        assert "心血管内科病区" in page and "普外科病区" in page  # each their own ward
        assert "13812345678" not in page and "张三丰" not in page

    def test_the_count_is_after_opt_outs_and_the_contact_rule(
        self, client, login, morning, patient_medicine, patient_surgery, departments
    ):
        optout_record(actor=None, patient=patient_surgery, channel="sms", category="")
        from huifang.testing.factories import EncounterFactory, PatientFactory

        dead = PatientFactory(deceased_on="2026-11-12")
        EncounterFactory(patient=dead, department=departments["medicine_ward"])
        login("manager")
        page = _post(client)
        assert "1 位患者将收到" in page and "（共筛选出 3 位患者）" in page
        assert "患者已故 1" in page and "已退订 1" in page
        assert page.count('data-testid="preview-sample"') == 1

    def test_the_preview_has_a_query_budget(
        self, client, login, morning, departments, django_assert_max_num_queries
    ):
        from huifang.testing.factories import EncounterFactory, PatientFactory, PhoneFactory

        for _ in range(30):
            patient = PatientFactory()
            PhoneFactory(patient=patient)
            EncounterFactory(patient=patient, department=departments["medicine_ward"])
        login("manager")
        with django_assert_max_num_queries(30):
            page = _post(client)
        assert "30 位患者将收到" in page
