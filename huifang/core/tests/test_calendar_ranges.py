"""Holiday ranges: a whole break entered in one go (service, administration, holiday files).

The dates below are test data for a year the package does not know, not the
State Council's arrangement.
"""

import json
from datetime import date
from io import StringIO

import chinese_calendar
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from huifang.core import calendar
from huifang.core.errors import ApplicationError
from huifang.core.models import AuditEntry, CalendarDay
from huifang.core.services import CalendarRange, calendar_day_set, calendar_ranges_set
from huifang.core.signals import calendar_changed

pytestmark = pytest.mark.django_db

UNANNOUNCED = max(chinese_calendar.holidays).year + 1


def d(month: int, day: int) -> date:
    return date(UNANNOUNCED, month, day)


@pytest.fixture
def changes():
    """Every ``calendar_changed`` sent, as the list of its days."""
    sent = []

    def receiver(sender, days, **kwargs):
        sent.append(sorted(days))

    calendar_changed.connect(receiver, dispatch_uid="test-ranges")
    yield sent
    calendar_changed.disconnect(dispatch_uid="test-ranges")


def test_it_enters_a_whole_break_and_its_make_up_day_at_once(
    personas, changes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = calendar_ranges_set(
            actor=personas["admin"],
            ranges=[
                CalendarRange(name="劳动节", date_from=d(5, 1), date_to=d(5, 5), kind="holiday"),
                CalendarRange(
                    name="劳动节调休", date_from=d(4, 25), date_to=d(4, 25), kind="workday"
                ),
            ],
        )
    assert (result.days, result.created, result.updated, result.unchanged) == (6, 6, 0, 0)
    assert [calendar.is_working_day(d(5, day)) for day in range(1, 6)] == [False] * 5
    assert calendar.day_info(d(5, 3)).name == "劳动节"
    assert calendar.is_working_day(d(4, 25))
    assert AuditEntry.objects.filter(target_type="core.calendarday", action="create").count() == 6
    # Re-planned once, from the earliest day, as one edit is.
    assert changes == [[d(4, 25), d(5, 1), d(5, 2), d(5, 3), d(5, 4), d(5, 5)]]
    assert result.replanned_from == d(4, 25)


def test_entering_the_same_range_again_changes_nothing_and_replans_nothing(
    personas, changes, django_capture_on_commit_callbacks
):
    week = CalendarRange(name="国庆节", date_from=d(10, 1), date_to=d(10, 7), kind="holiday")
    with django_capture_on_commit_callbacks(execute=True):
        calendar_ranges_set(actor=personas["admin"], ranges=[week])
    with django_capture_on_commit_callbacks(execute=True):
        again = calendar_ranges_set(actor=personas["admin"], ranges=[week])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
    assert again.replanned_from is None
    assert len(changes) == 1
    assert CalendarDay.objects.count() == 7


def test_a_range_changes_days_already_in_the_table(personas, changes):
    calendar_day_set(actor=personas["admin"], day=d(10, 8), kind="workday", name="上班")
    result = calendar_ranges_set(
        actor=personas["admin"],
        ranges=[CalendarRange(name="国庆节", date_from=d(10, 6), date_to=d(10, 8), kind="holiday")],
    )
    assert (result.created, result.updated) == (2, 1)
    assert CalendarDay.objects.get(date=d(10, 8)).kind == "holiday"


@pytest.mark.parametrize(
    ("item", "code", "message"),
    [
        (
            CalendarRange(name="国庆节", date_from=d(10, 7), date_to=d(10, 1), kind="holiday"),
            "calendar_range_reversed",
            "结束日期（",
        ),
        (
            CalendarRange(name="暑假", date_from=d(7, 1), date_to=d(8, 31), kind="holiday"),
            "calendar_range_too_long",
            "共 62 天，一次最多录入 30 天",
        ),
        (
            CalendarRange(name="  ", date_from=d(10, 1), date_to=d(10, 1), kind="holiday"),
            "calendar_name_missing",
            "请填写名称",
        ),
        (
            CalendarRange(name="国庆节", date_from=d(10, 1), date_to=d(10, 1), kind="off"),
            "calendar_invalid_kind",
            "休息日还是调休上班日",
        ),
    ],
)
def test_it_refuses_a_range_that_is_wrong_in_chinese_and_writes_nothing(
    personas, item, code, message
):
    good = CalendarRange(name="元旦", date_from=d(1, 1), date_to=d(1, 1), kind="holiday")
    with pytest.raises(ApplicationError) as caught:
        calendar_ranges_set(actor=personas["admin"], ranges=[good, item])
    assert caught.value.code == code
    assert message in str(caught.value.message)
    assert not CalendarDay.objects.exists()


def test_it_refuses_a_day_given_twice_with_two_names(personas):
    with pytest.raises(ApplicationError) as caught:
        calendar_ranges_set(
            actor=personas["admin"],
            ranges=[
                CalendarRange(name="春节", date_from=d(2, 5), date_to=d(2, 11), kind="holiday"),
                CalendarRange(
                    name="春节调休", date_from=d(2, 11), date_to=d(2, 11), kind="workday"
                ),
            ],
        )
    assert caught.value.code == "calendar_day_twice"
    assert "重复出现" in caught.value.message
    assert not CalendarDay.objects.exists()


# --- The administration ---------------------------------------------------------------------

RANGE_URL = "/admin/core/calendarday/range/"


def test_the_administrator_enters_a_range_in_the_admin(client, login):
    login("admin")
    listing = client.get("/admin/core/calendarday/").content.decode()
    assert f'href="{RANGE_URL}"' in listing and "按日期范围录入" in listing
    assert "开始日期" in client.get(RANGE_URL).content.decode()

    response = client.post(
        RANGE_URL,
        {
            "name": "国庆节",
            "date_from": f"{UNANNOUNCED}-10-01",
            "date_to": f"{UNANNOUNCED}-10-07",
            "kind": "holiday",
            "note": "",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/admin/core/calendarday/"
    assert "已录入 7 天（新增 7 天" in response.content.decode()
    assert sorted(CalendarDay.objects.values_list("date", flat=True)) == [
        d(10, day) for day in range(1, 8)
    ]


def test_a_single_day_needs_no_last_day(client, login):
    login("admin")
    client.post(
        RANGE_URL,
        {"name": "春节调休", "date_from": f"{UNANNOUNCED}-02-20", "kind": "workday"},
    )
    (entry,) = CalendarDay.objects.all()
    assert (entry.date, entry.kind) == (d(2, 20), "workday")


def test_the_admin_form_says_what_is_wrong_in_chinese(client, login):
    login("admin")
    response = client.post(
        RANGE_URL,
        {
            "name": "国庆节",
            "date_from": f"{UNANNOUNCED}-10-07",
            "date_to": f"{UNANNOUNCED}-10-01",
            "kind": "holiday",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "早于开始日期" in html
    bad_date = client.post(
        RANGE_URL, {"name": "国庆节", "date_from": f"{UNANNOUNCED}-02-30", "kind": "holiday"}
    ).content.decode()
    assert "输入一个有效的日期" in bad_date
    assert not CalendarDay.objects.exists()


@pytest.mark.parametrize("persona", ["manager", "agent", "quality"])
def test_who_may_not_edit_the_table_may_not_enter_a_range(client, login, persona):
    login(persona)
    response = client.post(
        RANGE_URL,
        {"name": "国庆节", "date_from": f"{UNANNOUNCED}-10-01", "kind": "holiday"},
    )
    assert response.status_code in (302, 403)
    assert not CalendarDay.objects.exists()


# --- Holiday files and `huifang calendar-load` ----------------------------------------------


def holiday_file(tmp_path, days, **fields):
    path = tmp_path / f"holidays-{UNANNOUNCED}.json"
    data = {"year": UNANNOUNCED, "source": "测试用通知", "days": days, **fields}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def load(*args) -> str:
    out = StringIO()
    call_command("calendar-load", *[str(a) for a in args], stdout=out)
    return out.getvalue()


TEST_DAYS = [
    {
        "name": "元旦",
        "from": f"{UNANNOUNCED - 1}-12-31",
        "to": f"{UNANNOUNCED}-01-02",
        "kind": "holiday",
    },
    {
        "name": "国庆节",
        "from": f"{UNANNOUNCED}-10-01",
        "to": f"{UNANNOUNCED}-10-07",
        "kind": "holiday",
    },
    {"name": "国庆节调休", "from": f"{UNANNOUNCED}-10-09", "kind": "workday"},
]


def test_the_command_loads_a_holiday_file_once(tmp_path, django_capture_on_commit_callbacks):
    path = holiday_file(tmp_path, TEST_DAYS)
    with django_capture_on_commit_callbacks(execute=True):
        out = load(path)
    assert f"{UNANNOUNCED}: 10 days off, 1 make-up working days: 11 new" in out
    assert f"from {UNANNOUNCED - 1}-12-31 on queued for re-planning" in out
    assert CalendarDay.objects.count() == 11
    assert CalendarDay.objects.get(date=d(10, 9)).note == "依据：测试用通知"
    assert not calendar.is_working_day(d(10, 1))

    again = load(path)
    assert "0 new, 0 changed, 11 unchanged; nothing moved" in again
    assert CalendarDay.objects.count() == 11


def test_the_command_checks_a_file_without_writing(tmp_path):
    out = load(holiday_file(tmp_path, TEST_DAYS), "--check")
    assert "the file is valid, nothing written" in out
    assert not CalendarDay.objects.exists()


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ([{"name": "国庆节", "from": "10/01", "kind": "holiday"}], "第 1 条：10/01 不是有效日期"),
        (
            [{"name": "国庆节", "from": f"{UNANNOUNCED}-10-01", "kind": "off"}],
            '第 1 条："kind" 应为',
        ),
        ([{"name": "国庆节", "from": "2020-10-01", "kind": "holiday"}], f"不在 {UNANNOUNCED} 年内"),
        ([], "文件中没有日期"),
        (
            [
                TEST_DAYS[0],
                {
                    "name": "元旦",
                    "from": f"{UNANNOUNCED}-01-05",
                    "to": f"{UNANNOUNCED}-01-01",
                    "kind": "holiday",
                },
            ],
            "早于开始日期",
        ),
    ],
)
def test_the_command_refuses_a_wrong_file_and_writes_nothing(tmp_path, days, message):
    with pytest.raises(CommandError) as caught:
        load(holiday_file(tmp_path, days))
    assert message in str(caught.value)
    assert not CalendarDay.objects.exists()


def test_the_command_says_a_file_is_not_json(tmp_path):
    path = tmp_path / "holidays.json"
    path.write_text("year: 2027", encoding="utf-8")
    with pytest.raises(CommandError, match="不是 UTF-8 编码的 JSON 文件"):
        load(path)
    with pytest.raises(CommandError, match="找不到文件"):
        load(tmp_path / "missing.json")


def test_the_command_lists_the_files_shipped_with_the_product():
    from huifang.core.calendar_files import bundled_holiday_files

    out = load()
    files = bundled_holiday_files()
    assert out.strip() == (
        "\n".join(map(str, files)) or "no holiday files shipped with this version"
    )


def test_deleting_a_whole_break_in_the_admin_replans_once(
    client, login, changes, django_capture_on_commit_callbacks
):
    admin = login("admin")
    calendar_ranges_set(
        actor=admin,
        ranges=[CalendarRange(name="国庆节", date_from=d(10, 1), date_to=d(10, 7), kind="holiday")],
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/core/calendarday/",
            {
                "action": "delete_selected",
                "_selected_action": list(CalendarDay.objects.values_list("pk", flat=True)),
                "post": "yes",
            },
        )
    assert response.status_code == 302
    assert not CalendarDay.objects.exists()
    assert AuditEntry.objects.filter(target_type="core.calendarday", action="delete").count() == 7
    assert changes == [[d(10, day) for day in range(1, 8)]]
