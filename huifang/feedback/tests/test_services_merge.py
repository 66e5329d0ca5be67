"""A manager merges a case into another of the same patient; it closes as "merged into #N"."""

import pytest

from huifang.core.errors import ApplicationError, PermissionDenied
from huifang.core.models import AuditEntry
from huifang.feedback import services
from huifang.feedback.models import Case

pytestmark = pytest.mark.django_db


@pytest.fixture
def second(personas, patient_medicine):
    """The same patient's call to the hotline about the same nurse, a day later."""
    return services.case_create(
        actor=personas["manager"],
        kind=Case.Kind.COMPLAINT,
        source=Case.Source.HOTLINE,
        category=Case.Category.ATTITUDE,
        description="患者来电：夜班护士态度差，已是第二次反映",
        encounter=patient_medicine.encounters.first(),
    )


def test_the_merged_case_closes_linked_with_its_timeline_kept(personas, complaint, second):
    merged = services.case_merge(
        actor=personas["manager"], case=second, into=complaint, note="同一事件重复反映"
    )

    assert merged.status == Case.Status.MERGED
    assert merged.merged_into == complaint
    assert merged.closed_at is not None
    assert [e.action for e in merged.events.all()] == ["created", "merged"]
    assert merged.events.last().data["into"] == complaint.pk
    joined = complaint.events.last()
    assert (joined.action, joined.data["case"]) == ("merged_in", second.pk)
    assert list(complaint.merged_cases.all()) == [second]
    assert AuditEntry.objects.filter(target_id=str(second.pk), field="status").exists()
    assert AuditEntry.objects.filter(target_id=str(complaint.pk), field="merged_cases").exists()


@pytest.mark.parametrize("username", ["agent", "head_medicine", "doctor", "quality"])
def test_only_a_manager_may_merge(username, personas, complaint, second):
    with pytest.raises(PermissionDenied):
        services.case_merge(actor=personas[username], case=second, into=complaint)

    second.refresh_from_db()
    assert second.status == Case.Status.NEW


def test_cases_of_two_patients_are_not_merged(personas, complaint, patient_surgery):
    other = services.case_create(
        actor=personas["manager"],
        kind=Case.Kind.COMPLAINT,
        source=Case.Source.HOTLINE,
        description="外科病区饭菜太凉",
        encounter=patient_surgery.encounters.first(),
    )

    with pytest.raises(ApplicationError) as error:
        services.case_merge(actor=personas["manager"], case=other, into=complaint)

    assert error.value.code == "merge_other_patient"


def test_a_case_is_not_merged_into_a_closed_one(personas, complaint, second):
    from huifang.feedback.tests.conftest import put

    put(complaint, Case.Status.CLOSED)

    with pytest.raises(ApplicationError) as error:
        services.case_merge(actor=personas["manager"], case=second, into=complaint)

    assert error.value.code == "merge_target_closed"
    second.refresh_from_db()
    assert second.status == Case.Status.NEW


class TestTheCasePage:
    def test_the_manager_picks_the_case_to_merge_into(self, client, login, complaint, second):
        login("manager")

        html = client.get(f"/feedback/{second.uuid}/").content.decode()
        assert 'data-testid="step-merge"' in html
        assert f"#{complaint.pk}" in html

        response = client.post(
            f"/feedback/{second.uuid}/merge/", {"into": complaint.pk, "note": "重复反映"}
        )

        assert response.status_code == 302
        html = client.get(f"/feedback/{second.uuid}/").content.decode()
        assert f"已合并至 #{complaint.pk}" in html
        html = client.get(f"/feedback/{complaint.uuid}/").content.decode()
        assert 'data-testid="case-merged-cases"' in html

    @pytest.mark.parametrize("username", ["agent", "head_medicine"])
    def test_others_see_no_merge_and_cannot_post_it(
        self, client, login, username, complaint, second
    ):
        login(username)

        html = client.get(f"/feedback/{second.uuid}/").content.decode()
        assert 'data-testid="step-merge"' not in html
        response = client.post(f"/feedback/{second.uuid}/merge/", {"into": complaint.pk})

        assert response.status_code == 403
        second.refresh_from_db()
        assert second.status == Case.Status.NEW
