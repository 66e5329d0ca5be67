"""The import preview at the agents' smallest screen: every column in view, the
record and encounter numbers as read, phone and ID numbers masked."""

import os

import pytest

from huifang.patients.tests.test_import_pipeline import HEADER, row, write_csv

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("HUIFANG_SCREENSHOTS", "")


def test_it_shows_every_column_and_the_numbers_staff_check_by(
    page, live_server, sign_in, personas, departments, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = write_csv(
        tmp_path / "出院登记.csv",
        [
            row(**{"病案号": "0012345678", "住院号": "ZY2026016331", "出院日期": "20261110"}),
            row(**{"病案号": "0012345679", "住院号": "ZY2026016332", "患者姓名": "李四"}),
        ],
    )
    sign_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/patients/imports/")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_test_id("upload-form").locator("button").click()
    page.wait_for_url("**/preview/")

    table = page.get_by_test_id("mapping-table")
    assert page.get_by_test_id("mapping-row").count() == len(HEADER)
    # Nothing hidden to the right: the page does not scroll sideways and
    # every column's choice is inside the 1366-pixel window.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    for select in table.locator("select").all():
        box = select.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1366

    text = table.inner_text()
    assert "0012345678" in text and "ZY2026016331" in text
    assert "20261110" in text
    assert "13812345678" not in text and "138****5678" in text
    assert "11010519491231002X" not in text and "110***********002X" in text
    assert "13987654321" not in text
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "import-preview.png"))
