import pytest
from django.urls import reverse

from huifang.accounts.models import Department
from huifang.messaging.models import Campaign, MessageTemplate, OptOut
from huifang.messaging.selectors import Cohort
from huifang.messaging.services.campaigns import campaign_create

pytestmark = pytest.mark.django_db


class TestTemplatePages:
    @pytest.mark.parametrize("who", ["manager", "admin"])
    def test_it_lists_templates_for_managers(
        self, client, login, who, django_assert_max_num_queries
    ):
        login(who)
        with django_assert_max_num_queries(12):
            response = client.get(reverse("messaging:template_list"))
        assert response.status_code == 200
        assert "holiday-greeting" in response.content.decode()

    @pytest.mark.parametrize("who", ["agent", "doctor", "head_medicine", "quality", "nobody"])
    def test_it_refuses_other_roles(self, client, login, who):
        login(who)
        assert client.get(reverse("messaging:template_list")).status_code == 403
        assert client.get(reverse("messaging:template_new")).status_code == 403

    def test_it_refuses_a_clinical_template_naming_the_diagnosis(self, client, login):
        login("manager")
        response = client.post(
            reverse("messaging:template_new"),
            {
                "code": "bad",
                "name": "bad",
                "channel": "sms",
                "category": "clinical",
                "body": "{patient}，您的{diagnosis}需复查",
                "is_active": "on",
            },
        )
        assert response.status_code == 200
        assert not MessageTemplate.objects.filter(code="bad").exists()
        assert 'data-testid="form-error"' in response.content.decode()

    def test_it_saves_a_greeting_with_the_opt_out_instruction(self, client, login):
        login("manager")
        response = client.post(
            reverse("messaging:template_new"),
            {
                "code": "spring",
                "name": "春节",
                "channel": "sms",
                "category": "greeting",
                "body": "新春快乐",
                "is_active": "on",
            },
        )
        assert response.status_code == 302
        assert MessageTemplate.objects.get(code="spring").body == "新春快乐回复TD退订"
        page = client.get(reverse("messaging:template_edit", args=["spring"])).content.decode()
        assert "data-sms-counter" in page and "sms-counter.js" in page


class TestCampaignPages:
    def test_the_list_has_a_query_budget(
        self, client, login, personas, django_assert_max_num_queries
    ):
        greeting = MessageTemplate.objects.get(code="holiday-greeting")
        for n in range(5):
            campaign_create(
                actor=personas["manager"], name=f"冬至问候{n}", template=greeting, cohort=Cohort()
            )
        login("manager")
        with django_assert_max_num_queries(12):
            response = client.get(reverse("messaging:campaign_list"))
        assert response.content.decode().count("冬至问候") == 5

    @pytest.mark.parametrize("who", ["agent", "doctor", "head_surgery", "quality", "nobody"])
    def test_it_refuses_other_roles(self, client, login, who):
        login(who)
        assert client.get(reverse("messaging:campaign_list")).status_code == 403
        assert client.get(reverse("messaging:campaign_new")).status_code == 403

    def test_a_manager_previews_creates_starts_and_pauses(
        self, client, login, morning, outbox, patient_medicine, patient_surgery
    ):
        login("manager")
        greeting = MessageTemplate.objects.get(code="holiday-greeting")
        form = {
            "name": "冬至问候",
            "template": greeting.pk,
            "departments": Department.objects.get(code="SUR").pk,
        }
        preview = client.post(reverse("messaging:campaign_new"), {**form, "preview": "1"})
        assert 'data-testid="campaign-preview"' in preview.content.decode()
        assert "李先生您好" in preview.content.decode()
        created = client.post(reverse("messaging:campaign_new"), {**form, "create": "1"})
        campaign = Campaign.objects.get()
        assert created.url == reverse("messaging:campaign_detail", args=[campaign.uuid])
        client.post(reverse("messaging:campaign_action", args=[campaign.uuid, "start"]))
        client.post(reverse("messaging:campaign_action", args=[campaign.uuid, "pause"]))
        campaign.refresh_from_db()
        assert (campaign.status, campaign.recipients) == ("paused", 1)
        page = client.get(reverse("messaging:campaign_detail", args=[campaign.uuid]))
        assert 'data-testid="campaign-report"' in page.content.decode()


class TestOptOutPage:
    def test_an_agent_records_an_opt_out(self, client, login, patient_medicine):
        login("agent")
        response = client.post(
            reverse("messaging:optout_new"),
            {"record_number": "200001", "channel": "sms", "category": "marketing"},
        )
        assert response.status_code == 302
        assert OptOut.objects.get().patient == patient_medicine

    def test_an_agent_cannot_reach_a_patient_outside_its_scope(
        self, client, login, patient_surgery
    ):
        login("agent")
        response = client.post(
            reverse("messaging:optout_new"), {"record_number": "200002", "channel": "sms"}
        )
        assert response.status_code == 200
        assert not OptOut.objects.exists()

    @pytest.mark.parametrize("who", ["doctor", "head_medicine", "nobody"])
    def test_it_refuses_roles_without_the_permission(self, client, login, who):
        login(who)
        assert client.get(reverse("messaging:optout_new")).status_code == 403


def test_webhooks_need_no_sign_in_but_a_signature(client, db):
    response = client.post("/messaging/hooks/inbound", data={}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "bad_signature"


def test_the_pages_speak_chinese(client, login):
    login("manager")
    page = client.get(reverse("messaging:campaign_list"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    content = page.content.decode()
    assert "短信群发" in content and "新建群发" in content


def test_the_progress_refreshes_as_a_fragment(client, login, personas):
    greeting = MessageTemplate.objects.get(code="holiday-greeting")
    campaign = campaign_create(
        actor=personas["manager"], name="x", template=greeting, cohort=Cohort()
    )
    login("manager")
    response = client.get(
        reverse("messaging:campaign_detail", args=[campaign.uuid]), headers={"HX-Request": "true"}
    )
    content = response.content.decode()
    assert 'data-testid="campaign-report"' in content and "<html" not in content


def test_deploy_check_refuses_a_gateway_without_its_secret(settings):
    from huifang.messaging.checks import messaging_backends

    settings.HUIFANG_MESSAGE_BACKENDS = {
        "sms": {
            "BACKEND": "huifang.messaging.backends.http_gateway.HttpGatewayBackend",
            "OPTIONS": {"url": "", "secret": ""},
        },
    }
    assert [p.id for p in messaging_backends(None)] == ["messaging.E001"]
