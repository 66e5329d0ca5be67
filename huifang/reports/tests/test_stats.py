"""Statistics against values worked out by hand (and checked against R's prop.test/fisher.test)."""

import json
from math import sqrt

import pytest
from django.core.management import call_command

from huifang.core.errors import ApplicationError
from huifang.reports import stats


class TestWilson:
    def test_it_matches_the_formula_for_217_of_400(self):
        p, n, z = 217 / 400, 400, stats.Z95
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        low, high = stats.wilson_interval(217, 400)
        assert (low, high) == pytest.approx((centre - half, centre + half))
        assert (round(low, 4), round(high, 4)) == (0.4935, 0.5907)

    def test_it_stays_inside_zero_and_one(self):
        assert stats.wilson_interval(0, 10)[0] == 0.0
        assert stats.wilson_interval(10, 10)[1] == 1.0
        assert round(stats.wilson_interval(0, 10)[1], 4) == 0.2775

    def test_no_interval_without_a_total(self):
        assert stats.wilson_interval(0, 0) is None


class TestCompareRates:
    def test_the_health_check_study(self):
        # 2×2 table [[217, 183], [51, 349]]; every expected count is 134 or 266,
        # so chi² = 83² × 2 × (1/134 + 1/266) = 154.618 (no continuity correction).
        result = stats.compare_rates(stats.Proportion(217, 400), stats.Proportion(51, 400))
        assert result["test"] == "chi_square"
        assert result["a"] == 0.5425 and result["b"] == 0.1275
        assert result["difference"] == pytest.approx(0.415)
        assert result["statistic"] == pytest.approx(83**2 * 2 * (1 / 134 + 1 / 266))
        assert result["p_value"] < 0.05
        assert result["p_value"] == pytest.approx(1.697e-35, rel=1e-3)

    def test_a_textbook_chi_square(self):
        # 30/100 vs 20/100: expected 25 / 75; chi² = 2 × (25/25 + 25/75) = 8/3; p = 0.1025
        result = stats.compare_rates(stats.Proportion(30, 100), stats.Proportion(20, 100))
        assert result["statistic"] == pytest.approx(8 / 3)
        assert result["p_value"] == pytest.approx(0.10247, abs=1e-4)

    def test_small_counts_use_fishers_exact_test(self):
        # [[2, 3], [0, 4]]: P(x) over x = 0, 1, 2 is 21/126, 70/126, 35/126;
        # two-sided p sums those no likelier than 35/126: (21 + 35)/126 = 0.444…
        result = stats.compare_rates(stats.Proportion(2, 5), stats.Proportion(0, 4))
        assert result["test"] == "fisher"
        assert result["statistic"] is None
        assert result["p_value"] == pytest.approx(56 / 126)

    def test_fisher_on_the_tea_tasting_table(self):
        # Fisher's lady tasting tea: [[3, 1], [1, 3]], two-sided p = 34/70 = 0.4857
        assert stats.fisher_exact(3, 1, 1, 3) == pytest.approx(34 / 70)

    @pytest.mark.parametrize("text", ["217", "a/400", "5/0", "6/5", "-1/4", "1/2/3", ""])
    def test_bad_input_is_refused(self, text):
        with pytest.raises(ApplicationError) as exc:
            stats.parse_proportion(text)
        assert exc.value.code == "invalid_proportion"


class TestPChart:
    def test_limits_and_out_of_control_months(self):
        points = [
            ("2026-01", 90, 100),
            ("2026-02", 88, 100),
            ("2026-03", 62, 100),
            ("2026-04", 80, 100),
        ]
        chart = stats.p_chart(points)
        centre = 320 / 400
        sigma = sqrt(centre * (1 - centre) / 100)
        assert chart[0]["centre"] == pytest.approx(0.8)
        assert chart[0]["lower"] == pytest.approx(centre - 3 * sigma)  # 0.68
        assert chart[0]["upper"] == pytest.approx(centre + 3 * sigma)  # 0.92
        assert [p["out_of_control"] for p in chart] == [False, False, True, False]

    def test_nothing_to_chart(self):
        assert stats.p_chart([]) == []


class TestCommand:
    def test_it_prints_one_json_object(self, capsys, db):
        call_command("stats", "compare-rates", "217/400", "51/400", "--json")
        data = json.loads(capsys.readouterr().out)
        assert set(data) == {"a", "b", "difference", "test", "statistic", "p_value", "ci_a", "ci_b"}
        assert data["a"] == 0.5425 and data["test"] == "chi_square"
        assert len(data["ci_a"]) == 2

    def test_bad_input_exits_with_a_reason(self):
        import subprocess
        import sys

        run = subprocess.run(
            [sys.executable, "-m", "huifang", "stats", "compare-rates", "217/400", "51/x"],
            capture_output=True,
            text=True,
            env={"HUIFANG_ENV": "test", "PATH": "/usr/bin:/bin"},
            check=False,
        )
        assert run.returncode != 0
        assert run.stderr.strip().count("\n") == 0
        assert "invalid_proportion" in run.stderr
