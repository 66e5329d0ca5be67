"""The administration as the administrator reads it: roles, two-pane selectors
and the sign-in lock-out in Chinese."""

import json

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


def test_it_shows_role_names_in_chinese_in_the_user_form(client, login, personas):
    login("admin")
    response = client.get(f"/admin/accounts/user/{personas['agent'].pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    group = Group.objects.get(name="agent")
    assert f'<option value="{group.pk}" selected>回访员</option>' in html
    assert ">department_head<" not in html
    assert "科主任" in html
    # The two-pane selector's title comes from the field's name.
    assert "角色" in html
    # The help under it speaks of roles, not Django's groups.
    assert "每个角色带有为其设定的权限" in html
    assert "该用户归属的组" not in html


def test_it_lists_users_with_their_roles_in_chinese(client, login, personas):
    login("admin")
    response = client.get("/admin/accounts/user/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "回访员" in html
    assert "agent</a>" in html  # the username stays as it is
    assert ">service_manager<" not in html


def test_it_lists_the_roles_by_their_chinese_names(client, login, personas):
    login("admin")
    html = client.get("/admin/auth/group/").content.decode()
    assert "客服经理" in html
    assert "选择角色查看" in html


def test_it_names_permissions_in_chinese(client, login, personas):
    login("admin")
    html = client.get(f"/admin/accounts/user/{personas['agent'].pk}/change/").content.decode()
    assert "Can view patient" not in html
    assert "可以查看患者" in html


def test_it_translates_the_two_pane_selector_help(client, login, personas):
    login("admin")
    catalog = client.get("/admin/jsi18n/").content.decode()
    assert json.dumps("选中要添加的%s，再点击“选择”箭头按钮。") in catalog
    assert json.dumps("选择全部%s") in catalog


def test_it_shows_the_sign_in_lock_out_in_chinese(client, login, personas):
    AccessAttempt.objects.create(
        username="agent",
        ip_address="10.0.0.7",
        user_agent="Chromium",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )
    login("admin")
    index = client.get("/admin/").content.decode()
    assert "登录锁定" in index
    assert "登录失败计数" in index
    assert "Access attempts" not in index
    assert "用户与科室" in index
    assert ">Axes<" not in index

    listing = client.get("/admin/axes/accessattempt/").content.decode()
    assert "已锁定" in listing
    assert "尝试时间" in listing
    assert "Attempt Time" not in listing
    assert "Locked Out" not in listing


def test_it_lets_the_administrator_unlock_a_user(client, login, personas):
    attempt = AccessAttempt.objects.create(
        username="agent",
        ip_address="10.0.0.7",
        user_agent="Chromium",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )
    login("admin")
    response = client.post(
        f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}, follow=True
    )
    assert response.status_code == 200
    assert not AccessAttempt.objects.exists()


def test_an_agent_may_not_open_the_administration(client, login, personas):
    login("agent")
    response = client.get("/admin/axes/accessattempt/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
