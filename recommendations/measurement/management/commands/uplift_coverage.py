"""Print how often the dashboard's 95% intervals contain the true effect, per metric, over
many simulated periods with a known effect (coverage.py says how the periods are drawn and
what the truth is). No database: the simulated rows go straight to the function the
dashboard's selector feeds.

    manage.py uplift_coverage --runs 2000
    manage.py uplift_coverage --runs 400 --before      # and the old per-order intervals
    manage.py uplift_coverage --scenario "a month, 10% holdout" --visitors 12000   # a smaller shop
"""

import math
import time
from dataclasses import replace

from django.core.management.base import BaseCommand, CommandError

from recommendations.measurement.coverage import SCENARIOS, StudyResult, coverage_study

TARGET = (0.93, 0.97)


def _signed(value: float) -> str:
    return f"{value:+.4f}" if abs(value) < 1 else f"{value:+.2f}"


class Command(BaseCommand):
    help = "Coverage of the recommendations dashboard's 95% uplift intervals, by simulation."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=1000, help="Simulated periods per scenario (at least 2).")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--scenario",
            action="append",
            choices=[s.name for s in SCENARIOS],
            help="Only this scenario (repeatable); all of them by default.",
        )
        parser.add_argument(
            "--visitors", type=int, default=None, help="Visitors per period instead of the scenario's own (its size)."
        )
        parser.add_argument(
            "--before",
            action="store_true",
            help="Also run the intervals as computed before buyers were counted (every order independent).",
        )

    def handle(self, *args, runs, seed, scenario, visitors, before, **options):
        if runs < 2:
            raise CommandError("--runs must be at least 2.")
        if visitors is not None and visitors < 100:
            raise CommandError("--visitors must be at least 100.")
        scenarios = [s for s in SCENARIOS if not scenario or s.name in scenario]
        if visitors is not None:
            scenarios = [replace(s, visitors=visitors) for s in scenarios]
        self.stdout.write(
            f"Coverage of the dashboard's 95% intervals: {runs} simulated periods per scenario, seed {seed}. "
            f"Target: {TARGET[0]:.0%}–{TARGET[1]:.0%} of runs contain the true effect."
        )
        outside = []
        for number, case in enumerate(scenarios):
            for naive in (True, False) if before else (False,):
                started = time.monotonic()
                result = coverage_study(scenario=case, runs=runs, seed=seed + number, naive=naive)
                self._table(result, seconds=time.monotonic() - started)
                if not naive:
                    outside += [
                        f"{case.name}: {m.label}"
                        for m in result.metrics.values()
                        if not TARGET[0] <= m.coverage <= TARGET[1]
                    ]
        self.stdout.write("")
        margin = 1.96 * math.sqrt(0.95 * 0.05 / runs)
        self.stdout.write(
            f"With {runs} runs a coverage figure near 95% is itself uncertain by about ±{margin * 100:.1f} points "
            "(its 95% CI is in the table)."
        )
        if outside:
            self.stdout.write(f"Outside {TARGET[0]:.0%}–{TARGET[1]:.0%}: " + "; ".join(outside))
        else:
            self.stdout.write(f"Every metric of every scenario within {TARGET[0]:.0%}–{TARGET[1]:.0%}.")

    def _table(self, result: StudyResult, *, seconds: float) -> None:
        case = result.scenario
        self.stdout.write("")
        self.stdout.write(
            f"{case.name} — intervals {result.method}; {case.visitors:,} visitors, {case.control_share:.0%} held out; "
            f"per run {result.orders['treatment']:,.0f} + {result.orders['control']:,.0f} orders, "
            f"{result.buyers['treatment']:,.0f} + {result.buyers['control']:,.0f} buyers "
            f"({result.repeat_orders:.0%} of orders a buyer's second or later); {seconds:.0f} s"
        )
        self.stdout.write(
            f"  {'metric':<22}{'true effect':>12}{'covered':>9}   {'95% CI of coverage':<19}"
            f"{'too low':>9}{'too high':>10}{'SE / spread':>13}"
        )
        for m in result.metrics.values():
            low, high = m.coverage_interval
            self.stdout.write(
                f"  {m.label:<22}{_signed(m.truth):>12}{m.coverage:>9.1%}   {f'[{low:.1%}, {high:.1%}]':<19}"
                f"{m.missed_low:>9}{m.missed_high:>10}{m.se_ratio:>13.2f}"
                + (f"   ({result.runs - m.runs} runs without an interval)" if m.runs < result.runs else "")
            )
