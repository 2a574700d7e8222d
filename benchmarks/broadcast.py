"""The broadcast question set through the gateway: execution accuracy, latency, answer safety.

    python benchmarks/broadcast.py [--demo-dir ~/.local/share/nl2sql/demo]
        [--questions tests/fixtures/broadcast_questions.jsonl] [--predictions OUT.jsonl]

Each question goes through Gateway.ask on the DuckDB demo (tier 1, the embedded parser;
as-of the demo's last trading day): link, generate, guard, execute and answer, timed end to
end. EX is scored with nl2sql.eval (the gold SQL of benchmarks/broadcast_set.py run on the
same database). Answer safety: every answer_text is checked with
nl2sql.answer.unsupported_numbers against its rows and stated context.
"""

from __future__ import annotations

import argparse
import platform
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from nl2sql.answer import speech_context, stated_values, unsupported_numbers
from nl2sql.answer.columns import describe_columns
from nl2sql.eval import Prediction, run_eval
from nl2sql.eval.report import format_report
from nl2sql.generate import propose
from nl2sql.link import link
from nl2sql.pipeline import Gateway
from nl2sql.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DEMO = Path("~/.local/share/nl2sql/demo").expanduser()
QUESTIONS = ROOT / "tests" / "fixtures" / "broadcast_questions.jsonl"


class SafetyCheckedPredictor:
    """Gateway.ask, and a count of answers with a number their rows do not explain."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.answers = 0
        self.unsafe: list[tuple[str, str, list[str]]] = []

    def ask(self, question: str) -> Prediction:
        answer = self.gateway.ask(question)
        self.answers += 1
        bad = unsupported_numbers(answer.answer_text, answer.rows,
                                  context=self._stated(question, answer))
        if bad:
            self.unsafe.append((question, answer.answer_text, bad))
        return Prediction(sql=answer.sql, tier=answer.tier)

    def _stated(self, question: str, answer: Any) -> list[Any]:
        """What the sentence may state besides the rows (re-derived from the plan)."""
        g = self.gateway
        assert g.index is not None
        plan = propose(link(g.index, question, as_of=g.as_of, calendar=g.calendar),
                       g.catalog).plan
        specs = describe_columns(plan, g.catalog, answer.columns, "zh")
        ctx = speech_context(plan, specs, answer.rows, as_of=g.as_of, calendar=g.calendar,
                             assumption=answer.assumption)
        return stated_values(plan, ctx)

    def close(self) -> None:
        self.gateway.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo-dir", type=Path, default=DEFAULT_DEMO)
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--predictions", type=Path, default=None)
    args = parser.parse_args()
    made: list[SafetyCheckedPredictor] = []

    def make(url: str) -> SafetyCheckedPredictor:
        made.append(SafetyCheckedPredictor(Gateway.open(url, load_settings())))
        return made[-1]

    factory: Callable[[str], Any] = make
    report = run_eval(args.questions, args.demo_dir, make_predictor=factory,
                      predictions=args.predictions, progress=False)
    print("\n".join(format_report(report)))
    answered = sum(p.answers for p in made)
    unsafe = [u for p in made for u in p.unsafe]
    print(f"\nanswer safety: {answered - len(unsafe)}/{answered} answers with every number "
          "from their rows")
    for q, text, bad in unsafe[:10]:
        print(f"  UNSAFE {q} -> {text} {bad}")
    print(f"({date.today()}, {platform.node()}, {platform.processor() or 'cpu'})")


if __name__ == "__main__":
    main()
