"""Register upload from the web: upload, check the columns, run in the worker, download.

The register is ``dirty_rows`` of test_registers: 8 rows, 5 imported, 3 rejected
(unknown outcome word, unknown satisfaction word, no call date); one warning
(agent 王护士 is no user, kept as text).
"""

import csv
import io
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from huifang.core.models import AuditEntry
from huifang.followups.models import ContactAttempt, RegisterImport
from huifang.followups.tests.test_registers import HEADER, NOW, dirty_rows, write_csv


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def upload(tmp_path, personas, media):
    path = write_csv(tmp_path / "2026登记本.csv", dirty_rows())
    return SimpleUploadedFile("2026登记本.csv", path.read_bytes(), content_type="text/csv")


def selected_fields(html: str) -> list[str]:
    fields = []
    for select in re.findall(r'<select [^>]*name="col-\d+".*?</select>', html, flags=re.S):
        chosen = re.search(r'<option value="([a-z_]*)" selected>', select)
        fields.append(chosen.group(1) if chosen else "")
    return fields


def start(client, run, fields, callbacks):
    form = {f"col-{i}": field for i, field in enumerate(fields)}
    with callbacks(execute=True):
        return client.post(f"/followups/registers/{run.uuid}/preview/", form)


ROLES_REFUSED = ["agent", "doctor", "head_medicine", "head_surgery", "quality", "nobody"]


class TestWhoMayUseIt:
    @pytest.mark.parametrize("persona", ROLES_REFUSED)
    def test_other_roles_are_refused_everywhere(self, client, login, persona, upload):
        run = RegisterImport.objects.create(file_name="x.csv", status="succeeded")
        login(persona)
        assert client.get("/followups/registers/").status_code == 403
        assert client.post("/followups/registers/", {"file": upload}).status_code == 403
        assert client.get(f"/followups/registers/{run.uuid}/").status_code == 403
        assert client.get(f"/followups/registers/{run.uuid}/preview/").status_code == 403
        assert client.get(f"/followups/registers/{run.uuid}/rejects/").status_code == 403
        assert not RegisterImport.objects.exclude(pk=run.pk).exists()

    @pytest.mark.parametrize("persona", ["manager", "admin"])
    def test_managers_and_administrators_may(self, client, login, persona, media):
        login(persona)
        response = client.get("/followups/registers/")
        assert response.status_code == 200
        assert 'data-testid="register-upload-form"' in response.content.decode()

    def test_anonymous_visitors_go_to_login(self, client, db):
        assert client.get("/followups/registers/").status_code == 302


class TestTheFlow:
    def test_from_upload_to_result(self, client, login, upload, django_capture_on_commit_callbacks):
        user = login("manager")
        response = client.post(
            "/followups/registers/", {"file": upload, "source": "his", "encoding": "auto"}
        )
        run = RegisterImport.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/followups/registers/{run.uuid}/preview/"
        assert run.created_by == user and run.status == "pending"

        preview = client.get(response["Location"]).content.decode()
        assert "张三丰" in preview and "患者姓名" in preview
        # The detected mapping, column by column, as HEADER reads.
        fields = selected_fields(preview)
        assert fields == [
            "date",
            "name",
            "phone",
            "department",
            "discharged_on",
            "encounter_number",
            "outcome",
            "satisfaction",
            "agent",
            "note",
        ]
        assert not ContactAttempt.objects.exists()  # nothing written before the check

        started = start(client, run, fields, django_capture_on_commit_callbacks)
        assert started.status_code == 302
        assert started["Location"] == f"/followups/registers/{run.uuid}/"
        run.refresh_from_db()
        assert run.status == "succeeded"  # the worker ran it (immediate in tests)
        assert (run.rows, run.created, run.unchanged, run.rejected) == (8, 5, 0, 3)
        assert run.rows_expected == 8 and run.warnings == 1 and run.tasks_created == 5
        assert ContactAttempt.objects.count() == 5

        detail = client.get(started["Location"]).content.decode()
        assert 'data-count="rows">8<' in detail and 'data-count="rejected">3<' in detail
        assert 'data-count="warnings">1<' in detail and "100%" in detail
        assert "患者姓名</td><td>→ 姓名" in detail  # the columns used
        fragment = client.get(started["Location"], headers={"HX-Request": "true"})
        assert "<html" not in fragment.content.decode()
        assert 'data-status="succeeded"' in fragment.content.decode()

        rejects = client.get(f"/followups/registers/{run.uuid}/rejects/")
        assert rejects.status_code == 200
        body = b"".join(rejects.streaming_content).decode("gb18030")
        lines = list(csv.reader(io.StringIO(body)))
        assert lines[0] == [*HEADER, "拒绝原因"]
        assert len(lines) == 4 and "回访结果无法识别" in body

        warnings = client.get(f"/followups/registers/{run.uuid}/warnings/")
        assert warnings.status_code == 200
        assert warnings["Content-Disposition"].endswith("-warnings.csv")
        rows = list(
            csv.reader(io.StringIO(b"".join(warnings.streaming_content).decode("utf-8-sig")))
        )
        assert rows[0] == ["行号", "文件行", "姓名", "住院号", "提示"]
        assert rows[1][:4] == ["2", "3", "李秀英", "ZY1002"] and "王护士" in rows[1][4]
        exports = AuditEntry.objects.filter(action="export", target_type="followups.registerimport")
        assert sorted(exports.values_list("field", flat=True)) == ["rejects", "warnings"]
        assert {e.actor for e in exports} == {user}
        # The import itself is audited under the clerk's file name.
        assert AuditEntry.objects.filter(changes__file="2026登记本.csv", changes__rows=8).exists()

    def test_a_second_upload_of_the_same_file_changes_nothing(
        self, client, login, upload, tmp_path, django_capture_on_commit_callbacks
    ):
        login("admin")
        for _ in range(2):
            upload.seek(0)
            client.post(
                "/followups/registers/", {"file": upload, "source": "his", "encoding": "auto"}
            )
            run = RegisterImport.objects.first()
            preview = client.get(f"/followups/registers/{run.uuid}/preview/").content.decode()
            start(client, run, selected_fields(preview), django_capture_on_commit_callbacks)
        run.refresh_from_db()
        assert (run.rows, run.created, run.unchanged, run.rejected) == (8, 0, 5, 3)
        detail = client.get(f"/followups/registers/{run.uuid}/").content.decode()
        assert "没有变化：所有行都已导入过。" in detail

    def test_a_corrected_column_is_used(
        self, client, login, upload, django_capture_on_commit_callbacks
    ):
        # The clerk says 备注 is not to be imported: no attempt keeps a note.
        login("manager")
        client.post("/followups/registers/", {"file": upload, "source": "his", "encoding": "auto"})
        run = RegisterImport.objects.get()
        fields = selected_fields(
            client.get(f"/followups/registers/{run.uuid}/preview/").content.decode()
        )
        fields[-1] = ""
        start(client, run, fields, django_capture_on_commit_callbacks)
        run.refresh_from_db()
        assert run.status == "succeeded" and run.created == 5
        assert not ContactAttempt.objects.exclude(note="").exists()
        assert run.mapping["备注"] is None

    def test_a_mapping_without_the_required_columns_is_refused(
        self, client, login, upload, django_capture_on_commit_callbacks
    ):
        login("manager")
        client.post("/followups/registers/", {"file": upload, "source": "his", "encoding": "auto"})
        run = RegisterImport.objects.get()
        response = start(client, run, ["date", "name"], django_capture_on_commit_callbacks)
        assert response.status_code == 400
        assert "回访结果" in response.content.decode()
        run.refresh_from_db()
        assert run.status == "pending" and not ContactAttempt.objects.exists()

    def test_a_field_given_to_two_columns_is_refused(
        self, client, login, upload, django_capture_on_commit_callbacks
    ):
        login("manager")
        client.post("/followups/registers/", {"file": upload, "source": "his", "encoding": "auto"})
        run = RegisterImport.objects.get()
        response = start(
            client,
            run,
            ["date", "name", "name", "", "", "", "outcome"],
            django_capture_on_commit_callbacks,
        )
        assert response.status_code == 400
        assert "多列" in response.content.decode()

    def test_a_file_that_is_not_a_register_fails_with_its_reason(
        self, client, login, media, django_capture_on_commit_callbacks
    ):
        login("manager")
        bad = SimpleUploadedFile("x.xlsx", b"PK\x03\x04 not really a workbook")
        client.post("/followups/registers/", {"file": bad, "source": "his", "encoding": "auto"})
        run = RegisterImport.objects.get()
        response = client.get(f"/followups/registers/{run.uuid}/preview/")
        assert response.status_code == 400  # the reader's reason, on the page

    def test_a_started_run_cannot_be_started_again(
        self, client, login, upload, django_capture_on_commit_callbacks
    ):
        login("manager")
        client.post("/followups/registers/", {"file": upload, "source": "his", "encoding": "auto"})
        run = RegisterImport.objects.get()
        fields = selected_fields(
            client.get(f"/followups/registers/{run.uuid}/preview/").content.decode()
        )
        start(client, run, fields, django_capture_on_commit_callbacks)
        again = client.get(f"/followups/registers/{run.uuid}/preview/")
        assert again.status_code == 302 and again["Location"] == f"/followups/registers/{run.uuid}/"

    def test_an_unknown_download_is_not_found(self, client, login, media):
        run = RegisterImport.objects.create(file_name="x.csv", status="succeeded")
        login("manager")
        assert client.get(f"/followups/registers/{run.uuid}/other/").status_code == 404
        assert client.get(f"/followups/registers/{run.uuid}/warnings/").status_code == 404
        assert not AuditEntry.objects.filter(action="export").exists()


def test_the_list_costs_the_same_for_more_runs(
    client, login, personas, django_assert_max_num_queries
):
    login("manager")
    for i in range(3):
        RegisterImport.objects.create(file_name=f"{i}.csv", created_by=personas["admin"])
    with django_assert_max_num_queries(12) as few:
        assert client.get("/followups/registers/").status_code == 200
    for i in range(20):
        RegisterImport.objects.create(file_name=f"more{i}.csv", created_by=personas["manager"])
    with django_assert_max_num_queries(12) as many:
        html = client.get("/followups/registers/").content.decode()
    assert html.count('data-testid="register-import-row"') == 23
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_run_not_yet_checked_leads_back_to_its_columns(client, login, upload):
    login("manager")
    client.post("/followups/registers/", {"file": upload, "source": "his", "encoding": "auto"})
    run = RegisterImport.objects.get()
    html = client.get(f"/followups/registers/{run.uuid}/").content.decode()
    assert f'href="/followups/registers/{run.uuid}/preview/"' in html
    assert "hx-trigger" not in html  # nothing to wait for


def test_a_crash_in_the_worker_fails_the_run_instead_of_leaving_it_running(
    login, upload, client, monkeypatch
):
    from huifang.followups.registers import pipeline
    from huifang.followups.services import registers

    login("manager")
    client.post("/followups/registers/", {"file": upload, "source": "his", "encoding": "auto"})
    run = RegisterImport.objects.get()

    def crash(path, options):
        raise OSError("disk full")

    monkeypatch.setattr(pipeline, "followups_import", crash)
    with pytest.raises(OSError):
        registers.register_import_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and run.error == "OSError: disk full"
    html = client.get(f"/followups/registers/{run.uuid}/").content.decode()
    assert 'data-testid="register-error">OSError: disk full<' in html
