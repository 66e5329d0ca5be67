"""Administrators edit the department groups (科室分组) in the admin; nobody else may."""

import pytest

from huifang.reports.models import DepartmentGroup, DepartmentGroupMember


def test_the_four_groups_are_there_from_the_start(db):
    assert list(DepartmentGroup.objects.values_list("code", "name")) == [
        ("surgical", "外科系统"),
        ("medical", "内科系统"),
        ("obstetrics", "妇产科"),
        ("paediatrics", "儿科"),
    ]


def test_the_administrator_lists_a_department_in_a_group(client, login, departments):
    login("admin")
    changelist = client.get("/admin/reports/departmentgroup/")
    assert changelist.status_code == 200
    assert "外科系统" in changelist.content.decode()
    group = DepartmentGroup.objects.get(code="obstetrics")
    response = client.post(
        f"/admin/reports/departmentgroup/{group.pk}/change/",
        {
            "code": group.code,
            "name": group.name,
            "sort_order": group.sort_order,
            "name_keywords": '["妇产", "产科"]',
            "members-TOTAL_FORMS": "1",
            "members-INITIAL_FORMS": "0",
            "members-MIN_NUM_FORMS": "0",
            "members-MAX_NUM_FORMS": "1000",
            "members-0-department": departments["surgery"].pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert DepartmentGroupMember.objects.get(department=departments["surgery"]).group == group


@pytest.mark.parametrize("persona", ["manager", "head_medicine", "agent"])
def test_other_roles_may_not_edit_the_groups(client, login, departments, persona):
    login(persona)
    assert client.get("/admin/reports/departmentgroup/").status_code == 302
