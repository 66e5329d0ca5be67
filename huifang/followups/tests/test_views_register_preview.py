"""The register's column check: one row per column, phones masked like every list."""

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from huifang.followups.models import RegisterImport
from huifang.followups.tests.test_registers import HEADER, NOW, dirty_rows, write_csv


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_register_preview_masks_phones_and_lists_every_column(
    client, login, personas, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    rows = dirty_rows()
    rows[1][2] = "13812345678"
    path = write_csv(tmp_path / "登记本.csv", rows)
    login("manager")
    client.post(
        "/followups/registers/",
        {
            "file": SimpleUploadedFile("登记本.csv", path.read_bytes(), content_type="text/csv"),
            "source": "his",
            "encoding": "auto",
        },
    )
    run = RegisterImport.objects.get()
    html = client.get(f"/followups/registers/{run.uuid}/preview/").content.decode()
    assert "13812345678" not in html and "138****5678" in html
    assert "１３８１２３４５６７８" not in html
    assert html.count('data-testid="register-column"') == len(HEADER)
    assert 'data-testid="register-mapping-table"' in html
