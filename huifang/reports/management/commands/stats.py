"""``huifang stats compare-rates 217/400 51/400 [--json]``: compare two rates."""

import json

from django.core.management.base import BaseCommand

from huifang.reports import stats


class Command(BaseCommand):
    help = "Statistics on follow-up rates: compare-rates A/N B/M."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        compare = sub.add_parser("compare-rates", help="Compare two proportions.")
        compare.add_argument("a", help="successes/total of the first cohort, e.g. 217/400")
        compare.add_argument("b", help="successes/total of the second cohort, e.g. 51/400")
        compare.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, **options):
        a = stats.parse_proportion(options["a"])
        b = stats.parse_proportion(options["b"])
        result = stats.compare_rates(a, b)
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        ci_a, ci_b = result["ci_a"], result["ci_b"]
        self.stdout.write(
            f"a = {result['a']:.2%} (95% CI {ci_a[0]:.2%}–{ci_a[1]:.2%})\n"
            f"b = {result['b']:.2%} (95% CI {ci_b[0]:.2%}–{ci_b[1]:.2%})\n"
            f"difference = {result['difference']:.2%}\n"
            f"{result['test']}: statistic = {result['statistic']}, p = {result['p_value']:.3g}"
        )
