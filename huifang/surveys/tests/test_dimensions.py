"""The dimensions "professional ethics" (医德医风) and "administrative staff" (行政后勤人员)."""

import pytest

from huifang.surveys.forms import ItemForm


@pytest.mark.parametrize(
    ("value", "label"), [("ethics", "医德医风"), ("admin_staff", "行政后勤人员")]
)
def test_the_item_editor_offers_and_keeps_the_dimension(db, value, label):
    form = ItemForm()
    assert (value, label) in [(v, str(text)) for v, text in form.fields["dimension"].choices]
    form = ItemForm(
        data={
            "code": "sat-x",
            "text": "您对……满意吗？",
            "kind": "satisfaction5",
            "dimension": value,
        }
    )
    assert form.is_valid(), form.errors
    assert form.item_data()["dimension"] == value
