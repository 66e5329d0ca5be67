import pytest
from hypothesis import given
from hypothesis import strategies as st

from huifang.core.errors import ApplicationError
from huifang.messaging import rendering


class TestSegments:
    @pytest.mark.parametrize(
        ("length", "parts"), [(0, 0), (1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3)]
    )
    def test_it_counts_70_in_one_and_67_per_part(self, length, parts):
        assert rendering.sms_segments("字" * length) == parts

    @given(st.text(min_size=71, max_size=700))
    def test_it_always_has_room_for_the_text_when_split(self, text):
        parts = rendering.sms_segments(text)
        assert (parts - 1) * 67 < len(text) <= parts * 67


class TestBodyCheck:
    def test_it_refuses_unknown_placeholders(self):
        with pytest.raises(ApplicationError) as caught:
            rendering.body_check(body="{patient}您好 {idcard}", category="clinical")
        assert caught.value.code == "template_unknown_placeholder"

    @pytest.mark.parametrize("category", ["clinical", "survey"])
    def test_it_refuses_the_diagnosis_in_clinical_texts(self, category):
        with pytest.raises(ApplicationError) as caught:
            rendering.body_check(body="{patient}，您的{diagnosis}需要复查", category=category)
        assert caught.value.code == "template_diagnosis_field"

    def test_it_allows_the_diagnosis_in_health_education(self):
        body = rendering.body_check(body="关于{diagnosis}的饮食建议", category="education")
        assert "{diagnosis}" in body

    @pytest.mark.parametrize("category", ["greeting", "marketing"])
    def test_it_ends_greetings_and_marketing_with_the_opt_out_instruction(self, category):
        assert rendering.body_check(body="新年快乐", category=category) == "新年快乐回复TD退订"
        assert rendering.body_check(body="新年快乐回复TD退订", category=category).count("TD") == 1

    def test_it_leaves_clinical_texts_without_the_opt_out_instruction(self):
        assert "TD" not in rendering.body_check(body="请按时复查", category="clinical")
