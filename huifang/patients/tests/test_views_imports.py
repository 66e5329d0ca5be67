"""The import pages: upload, check the columns, watch it run, download the rejects."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from huifang.core.models import AuditEntry
from huifang.patients.models import Encounter, ImportRun, ImportSource
from huifang.patients.tests.test_import_pipeline import DIRTY_ROWS, write_csv


@pytest.fixture
def upload(tmp_path, departments):
    path = write_csv(tmp_path / "出院登记.csv", DIRTY_ROWS)
    return SimpleUploadedFile("出院登记.csv", path.read_bytes(), content_type="text/csv")


@pytest.mark.parametrize("persona", ["agent", "doctor", "head_medicine", "quality", "nobody"])
def test_it_refuses_roles_that_do_not_import(client, login, persona):
    login(persona)
    assert client.get("/patients/imports/").status_code == 403


def test_it_runs_an_upload_from_preview_to_result(
    client, login, upload, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    login("manager")
    response = client.post(
        "/patients/imports/", {"file": upload, "source": "his", "encoding": "auto"}
    )
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/patients/imports/{run.uuid}/preview/"

    preview = client.get(response["Location"]).content.decode()
    assert "出院诊断" in preview and "张三丰" in preview
    # numbers masked in the preview, as in every list: the phone, the ID, a contact's
    assert "13812345678" not in preview and "138****5678" in preview
    assert "11010519491231002X" not in preview and "110***********002X" in preview
    assert "13987654321" not in preview and "李秀英(配偶) 139****4321" in preview
    # the detected mapping is pre-selected: 患者姓名 → name
    assert '<option value="name" selected>' in preview
    assert not Encounter.objects.exists()  # nothing written before the check

    form = {f"col-{i}": field for i, field in enumerate(run_fields(preview))}
    form["save_mapping"] = "1"
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/patients/imports/{run.uuid}/preview/", form)
    assert started.status_code == 302
    run.refresh_from_db()
    assert run.status == "succeeded"  # the worker ran it (immediate in tests)
    assert (run.rows, run.created, run.rejected) == (9, 4, 5)
    assert ImportSource.objects.get(name="his").mapping["患者姓名"] == "name"

    detail = client.get(f"/patients/imports/{run.uuid}/").content.decode()
    assert 'data-count="rejected">5<' in detail
    progress = client.get(f"/patients/imports/{run.uuid}/", HTTP_HX_REQUEST="true")
    assert "<html" not in progress.content.decode()
    assert 'data-status="succeeded"' in progress.content.decode()

    download = client.get(f"/patients/imports/{run.uuid}/rejects/")
    assert download.status_code == 200
    body = b"".join(download.streaming_content).decode("gb18030")
    assert "拒绝原因" in body and "姓名为空" in body
    assert AuditEntry.objects.filter(action="export", field="rejects").count() == 1


def test_it_refuses_a_mapping_without_name_or_number(client, login, upload, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    login("admin")
    client.post("/patients/imports/", {"file": upload, "source": "his", "encoding": "auto"})
    run = ImportRun.objects.get()
    response = client.post(f"/patients/imports/{run.uuid}/preview/", {"col-0": "record_number"})
    assert response.status_code == 400
    assert "必须指定" in response.content.decode()
    run.refresh_from_db()
    assert run.status == "pending"


def run_fields(preview_html: str) -> list[str]:
    """The field pre-selected in each column's select, in column order."""
    import re

    fields = []
    for select in re.findall(
        r'<select class="form-select form-select-sm" name="col-\d+".*?</select>',
        preview_html,
        flags=re.S,
    ):
        chosen = re.search(r'<option value="([a-z_]*)" selected>', select)
        fields.append(chosen.group(1) if chosen else "")
    return fields


def test_it_imports_two_phone_columns_as_detected(
    client, login, departments, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    header = ["姓名", "住院号", "出院日期", "手机号码", "联系电话", "科室"]
    values = ["钱一", "Q001", "2026-11-20", "13877770001", "0755-88886666", "内科"]
    path = write_csv(tmp_path / "in.csv", [values], header=header, encoding="utf-8")
    login("manager")
    upload = SimpleUploadedFile("in.csv", path.read_bytes(), content_type="text/csv")
    client.post("/patients/imports/", {"file": upload, "source": "his", "encoding": "auto"})
    run = ImportRun.objects.get()
    preview = client.get(f"/patients/imports/{run.uuid}/preview/").content.decode()
    fields = run_fields(preview)
    assert fields[3:5] == ["phone", "phone"]
    form = {f"col-{i}": field for i, field in enumerate(fields)}
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/patients/imports/{run.uuid}/preview/", form)
    assert started.status_code == 302
    run.refresh_from_db()
    assert (run.status, run.created) == ("succeeded", 1)
    numbers = Encounter.objects.get().patient.phones.values_list("number", flat=True)
    assert sorted(numbers) == ["+8613877770001", "+8675588886666"]


def test_it_refuses_a_mapping_to_a_field_it_does_not_know(
    client, login, upload, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    login("admin")
    client.post("/patients/imports/", {"file": upload, "source": "his", "encoding": "auto"})
    run = ImportRun.objects.get()
    form = {f"col-{i}": field for i, field in enumerate(["", "name", "discharge_date"])}
    response = client.post(f"/patients/imports/{run.uuid}/preview/", form)
    assert response.status_code == 400
    body = response.content.decode()
    assert "未知的字段：discharge_date" in body and "discharged_on" in body
    run.refresh_from_db()
    assert run.status == "pending"

    ImportSource.objects.create(name="his", mapping={"离院日": "discharge_date"})
    preview = client.get(f"/patients/imports/{run.uuid}/preview/")
    assert preview.status_code == 400
    assert "保存的列映射中有未知的字段：discharge_date" in preview.content.decode()


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("无表头.csv", b"a,b,c\n1,2,3\n", "找不到可识别的表头"),
        ("损坏.xlsx", b"PK\x03\x04 not really a workbook", "无法打开 Excel 文件"),
        ("空.csv", b"", "空"),
    ],
)
def test_an_unreadable_upload_is_refused_on_the_page_and_leaves_nothing(
    client, login, settings, tmp_path, name, content, says
):
    settings.MEDIA_ROOT = tmp_path / "media"
    login("manager")
    uploaded = SimpleUploadedFile(name, content, content_type="text/csv")
    response = client.post(
        "/patients/imports/", {"file": uploaded, "source": "his", "encoding": "auto"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert says in page
    assert "--mapping" not in page  # the command line's advice, not the page's
    assert "<code>file</code>" not in page and ">file<" not in page
    assert not ImportRun.objects.exists()  # no run waiting for ever
    assert not list((tmp_path / "media").rglob("upload*"))


def test_a_file_with_a_header_and_no_rows_says_so(
    client, login, settings, tmp_path, departments, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    login("manager")
    path = write_csv(tmp_path / "空表.csv", [])
    uploaded = SimpleUploadedFile("空表.csv", path.read_bytes(), content_type="text/csv")
    client.post("/patients/imports/", {"file": uploaded, "source": "his", "encoding": "auto"})
    run = ImportRun.objects.get()
    preview = client.get(f"/patients/imports/{run.uuid}/preview/").content.decode()
    form = {f"col-{i}": field for i, field in enumerate(run_fields(preview))}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/patients/imports/{run.uuid}/preview/", form)
    detail = client.get(f"/patients/imports/{run.uuid}/").content.decode()
    assert 'data-testid="no-rows"' in detail
    assert "没有数据行" in detail
    # The mapping is remembered only when asked: the box is not ticked for the clerk.
    assert 'name="save_mapping" id="save-mapping" value="1">' in preview
    assert not ImportSource.objects.filter(name="his").exists()


def test_the_preview_masks_by_column_what_it_maps_to():
    from huifang.patients.selectors import import_preview_rows

    rows = [["0012345678", "ZY2026016331", "13812345678", "0012345678"]]
    fields = ["record_number", "encounter_number", "phone", None]
    # The record and encounter numbers as read; a phone masked, and so is an
    # unmapped column whatever it holds.
    assert import_preview_rows(rows, fields) == [
        ["0012345678", "ZY2026016331", "138****5678", "001***5678"]
    ]
