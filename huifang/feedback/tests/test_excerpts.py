"""Case excerpts for reports: the description's start, phone and ID numbers masked."""

import datetime

import pytest
from django.utils import timezone

from huifang.feedback.models import Case
from huifang.feedback.selectors import case_excerpts, description_excerpt


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("家属电话13812345678，请回电", "家属电话138****5678，请回电"),
        ("打 +86 138 1234 5678 找我", "打 138****5678 找我"),
        ("座机010-62345678", "座机010****5678"),
        ("身份证11010119900101123X。", "身份证110***********123X。"),
        ("身份证110101199001011234", "身份证110***********1234"),
        ("电话１３８１２３４５６７８", "电话138****5678"),
        ("住院3天，花费1200元，2026年11月", "住院3天，花费1200元，2026年11月"),
        ("2026-11-16 10:00 来电", "2026-11-16 10:00 来电"),
        ("打 138-1234-5678", "打 138****5678"),
        ("分机 62345678", "分机 ****5678"),
        ("  两行\n描述  ", "两行 描述"),
    ],
)
def test_numbers_are_masked_and_the_rest_kept(text, expected):
    assert description_excerpt(text) == expected


def test_a_long_description_is_cut_with_an_ellipsis():
    excerpt = description_excerpt("护士态度不好" * 20)
    assert len(excerpt) == 60 and excerpt.endswith("…")


def test_excerpts_come_most_severe_first_then_newest(db, departments):
    now = timezone.now()

    def case(severity, days_ago, description):
        c = Case.objects.create(
            kind=Case.Kind.COMPLAINT,
            source="hotline",
            category="attitude",
            severity=severity,
            department=departments["medicine"],
            description=description,
        )
        Case.objects.filter(pk=c.pk).update(created_at=now - datetime.timedelta(days=days_ago))

    case("normal", 1, "较新的一般投诉")
    case("normal", 3, "较早的一般投诉")
    case("critical", 5, "严重投诉")
    Case.objects.create(
        kind=Case.Kind.SUGGESTION, source="hotline", category="food", description="建议"
    )
    excerpts = case_excerpts(cases=Case.objects.all(), kind=Case.Kind.COMPLAINT, limit=2)
    assert [e.excerpt for e in excerpts] == ["严重投诉", "较新的一般投诉"]
    assert excerpts[0].department == "内科" and excerpts[0].status == "新登记"
    assert excerpts[0].category == "服务态度" and excerpts[0].severity
