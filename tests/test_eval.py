"""The evaluation harness against the real benchmark files and real SQLite/DuckDB/PostgreSQL."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from nl2sql.errors import ConfigError, GenerationError, InputError
from nl2sql.eval import (
    EvalQuestion,
    Prediction,
    Predictor,
    connect_scoring,
    evaluate,
    lenient_match,
    load_questions,
    locate_database,
    normalize_sql,
    results_match,
    run_eval,
    score_prediction,
)
from nl2sql.eval.compare import normalize_rows
from nl2sql.eval.execute import ScoringDatabase
from tests.paths import BENCH

SPIDER_Q, SPIDER_DB = BENCH / "spider" / "questions.jsonl", BENCH / "spider" / "database"
DEFOG_Q, DEFOG_SQLITE = BENCH / "defog" / "questions.jsonl", BENCH / "defog" / "sqlite"
FIXTURES = Path(__file__).parent / "fixtures" / "eval"
EX_LINE = re.compile(r"^EX \d{1,3}\.\d% \(\d+/\d+\)$")


class FixedPredictor:
    """Answers every question with `answer(question)`; remembers what it was asked."""

    def __init__(self, answer: Callable[[str], str], tier: str = "test") -> None:
        self.answer, self.tier = answer, tier
        self.asked: list[str] = []
        self.closed = False

    def ask(self, question: str) -> Prediction:
        self.asked.append(question)
        return Prediction(self.answer(question), self.tier)

    def close(self) -> None:
        self.closed = True


def oracle(
    questions: Sequence[EvalQuestion], dialect: str = "sqlite"
) -> Callable[[str], Predictor]:
    """A factory whose predictor looks the asked question up and returns its main gold."""
    golds: dict[str, list[str]] = defaultdict(list)
    for q in questions:
        golds[q.prompt(dialect)].append(q.golds(dialect)[0])

    def make(db_url: str) -> Predictor:
        return FixedPredictor(lambda question: golds[question].pop(0), tier="oracle")

    return make


def constant(sql: str, opened: list[FixedPredictor] | None = None) -> Callable[[str], Predictor]:
    def make(db_url: str) -> Predictor:
        p = FixedPredictor(lambda _q: sql)
        if opened is not None:
            opened.append(p)
        return p

    return make


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def people_dir(tmp_path: Path) -> Path:
    """DIR/people.db: a small real SQLite database."""
    root = tmp_path / "dbs"
    root.mkdir()
    with sqlite3.connect(root / "people.db") as conn:
        conn.executescript(
            """
            CREATE TABLE people (name TEXT, age INTEGER, score REAL, city TEXT);
            INSERT INTO people VALUES
                ('ann', 31, 1.5, 'Oslo'), ('bob', 25, 2.25, 'Rome'),
                ('cid', 47, 3.0, 'Oslo'), ('dee', 25, 0.1, 'Lima');
            """
        )
    conn.close()
    return root


@pytest.fixture
def people(people_dir: Path) -> Iterator:
    db = connect_scoring(locate_database("people", people_dir).url)
    yield db
    db.close()


# --- the scorer on the full benchmark sets ---------------------------------------------------


def test_gold_as_prediction_scores_100_on_all_of_spider() -> None:
    questions = load_questions(SPIDER_Q)
    out = io.StringIO()
    start = time.perf_counter()
    report = evaluate(
        questions, SPIDER_DB, make_predictor=oracle(questions), progress=False, file=out
    )
    assert time.perf_counter() - start < 30
    assert (report.total, report.correct, report.errors) == (391, 391, 0)
    lines = out.getvalue().splitlines()
    assert lines[-1] == "EX 100.0% (391/391)"
    assert "EX by hardness:" in lines and "  extra   100.0% (54/54)" in lines


def test_gold_as_prediction_scores_100_on_all_of_defog_sqlite() -> None:
    questions = load_questions(DEFOG_Q)
    report = run_eval(questions, DEFOG_SQLITE, make_predictor=oracle(questions), progress=False)
    assert (report.total, report.correct, report.errors) == (190, 190, 0)
    assert report.lenient == (190, 190)
    assert report.by(lambda o: o.query_category)["instruct"] == (35, 35)


def test_every_defog_alternative_is_accepted_and_the_next_questions_gold_mostly_is_not() -> None:
    questions = [q for q in load_questions(DEFOG_Q) if len(q.golds("sqlite")) > 1]
    db_by_id: dict[str, ScoringDatabase] = {}
    accepted = shifted = 0
    try:
        for i, q in enumerate(questions):
            db = db_by_id.get(q.db_id) or connect_scoring(
                locate_database(q.db_id, DEFOG_SQLITE).url
            )
            db_by_id[q.db_id] = db
            golds = q.golds("sqlite")
            accepted += all(score_prediction(db, golds, alt).correct for alt in golds[1:])
            other = questions[(i + 1) % len(questions)]
            if other.db_id == q.db_id:
                shifted += score_prediction(db, golds, other.golds("sqlite")[0]).correct
    finally:
        for db in db_by_id.values():
            db.close()
    assert accepted == len(questions) == 56
    assert shifted <= 2


def test_select_one_scores_low_on_spider() -> None:
    report = run_eval(SPIDER_Q, SPIDER_DB, make_predictor=constant("SELECT 1"), progress=False)
    assert report.total == 391
    assert report.correct < 10
    assert report.errors == 0


def test_a_predictor_that_cannot_answer_scores_zero_and_records_errors(tmp_path: Path) -> None:
    class Refuses:
        def ask(self, question: str) -> Prediction:
            raise GenerationError("no tier could answer", question=question)

        def close(self) -> None:
            pass

    out = tmp_path / "pred.jsonl"
    report = run_eval(
        SPIDER_Q,
        SPIDER_DB,
        make_predictor=lambda url: Refuses(),
        predictions=out,
        limit=20,
        progress=False,
    )
    assert (report.total, report.correct, report.errors) == (20, 0, 20)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert all(r["error"] == "cannot_answer: no tier could answer" for r in records)
    assert all(r["sql"] is None and r["correct"] is False for r in records)
    assert all(r["latency_ms"] >= 0 for r in records)


# --- comparison rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gold", "pred", "correct"),
    [
        # Row order only counts when the gold orders its rows.
        (
            "SELECT name FROM people ORDER BY age, name",
            "SELECT name FROM people ORDER BY age DESC, name DESC",
            False,
        ),
        (
            "SELECT name FROM people ORDER BY age, name",
            "SELECT name FROM people ORDER BY age, name",
            True,
        ),
        ("SELECT name FROM people", "SELECT name FROM people ORDER BY name DESC", True),
        # An ORDER BY inside a subquery does not make the outer order count.
        (
            "SELECT name FROM people WHERE age = (SELECT age FROM people ORDER BY age LIMIT 1)",
            "SELECT name FROM people WHERE age = 25 ORDER BY name DESC",
            True,
        ),
        # Columns may come in any order; names are ignored; the values must still line up.
        ("SELECT name, age FROM people", "SELECT age AS a, name AS b FROM people", True),
        ("SELECT name, city FROM people", "SELECT city, name FROM people ORDER BY city", True),
        ("SELECT name, age FROM people", "SELECT name, age, city FROM people", False),
        (
            "SELECT name, age FROM people",
            "SELECT name, age FROM people WHERE age > 0 LIMIT 3",
            False,
        ),
        # Multisets: duplicates count.
        (
            "SELECT city FROM people",
            "SELECT city FROM people GROUP BY city UNION ALL SELECT 'Oslo'",
            True,
        ),
        (
            "SELECT age FROM people",
            "SELECT age FROM people UNION ALL SELECT age FROM people",
            False,
        ),
        # DISTINCT is removed from both sides (the official default).
        ("SELECT DISTINCT city FROM people", "SELECT city FROM people", True),
        ("SELECT count(DISTINCT city) FROM people", "SELECT count(*) FROM people", True),
        # Numbers: 1 == 1.0, relative tolerance 1e-6.
        ("SELECT sum(age) FROM people", "SELECT sum(age) * 1.0 FROM people", True),
        ("SELECT avg(score) FROM people", "SELECT sum(score) / 4.0000000001 FROM people", True),
        ("SELECT avg(score) FROM people", "SELECT round(avg(score), 2) FROM people", False),
        ("SELECT 1.0 / 3", "SELECT 0.3333333333", True),
        ("SELECT 1.0 / 3", "SELECT 0.3333", False),
        ("SELECT '1'", "SELECT 1", False),
        # Two empty results are equal whatever their columns.
        ("SELECT name FROM people WHERE age > 99", "SELECT name, age FROM people WHERE 0", True),
        ("SELECT name FROM people WHERE age > 99", "SELECT NULL", False),
        ("SELECT NULL", "SELECT NULL", True),
        (
            "SELECT max(age) FROM people",
            "SELECT age FROM people ORDER BY age DESC LIMIT 1; DROP TABLE people",
            True,
        ),
        (
            "SELECT name FROM people WHERE age > = 30",
            "SELECT name FROM people WHERE age >= 30",
            True,
        ),
    ],
)
def test_spider_comparison_rules(people, gold: str, pred: str, correct: bool) -> None:
    score = score_prediction(people, [gold], pred)
    assert score.error is None
    assert score.correct is correct


def test_a_prediction_matching_any_alternative_is_correct(people) -> None:
    golds = ["SELECT name, age FROM people", "SELECT name FROM people", "SELECT age FROM people"]
    assert score_prediction(people, golds, "SELECT age FROM people").correct
    assert not score_prediction(people, golds, "SELECT city FROM people").correct


def test_failures_are_wrong_with_the_reason(people) -> None:
    bad = score_prediction(people, ["SELECT name FROM people"], "SELECT nope FROM people")
    assert (
        not bad.correct and bad.error and bad.error.startswith("prediction failed: no such column")
    )
    assert score_prediction(people, ["SELECT 1"], "  ;").error == "prediction is empty"
    gold_broken = score_prediction(people, ["SELECT nope FROM people"], "SELECT 1")
    assert not gold_broken.correct and str(gold_broken.error).startswith("gold query failed")
    # One broken alternative does not hide a good one.
    assert score_prediction(people, ["SELECT nope", "SELECT 1"], "SELECT 1").correct


def test_a_slow_prediction_times_out(people) -> None:
    forever = "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT max(i) FROM r"
    start = time.perf_counter()
    score = score_prediction(people, ["SELECT 1"], forever, timeout_s=0.2)
    assert time.perf_counter() - start < 3
    assert not score.correct and score.error == "prediction failed: timed out after 0.2 s"
    # The connection is still usable afterwards.
    assert score_prediction(people, ["SELECT 1"], "SELECT 1").correct


def test_scoring_connections_are_read_only(people) -> None:
    score = score_prediction(people, ["SELECT 1"], "DELETE FROM people")
    assert score.error and "readonly" in score.error.replace("-", "").replace(" ", "")
    assert score_prediction(people, ["SELECT count(*) FROM people"], "SELECT 4").correct


def test_column_permutation_search_is_bounded() -> None:
    # 9 interchangeable columns: 9! maps, capped; the rows never line up, so the answer is no.
    gold = [tuple([1] * 9), tuple([2] * 9)]
    pred = [tuple([1] * 8 + [2]), tuple([2] * 8 + [1])]
    start = time.perf_counter()
    assert not results_match(gold, pred, ordered=False)
    assert time.perf_counter() - start < 2
    assert results_match([(1, 2, 3)], [(3, 1, 2)], ordered=True)
    assert not results_match([(1, 2), (2, 1)], [(1, 1), (2, 2)], ordered=False)


def test_normalised_values_compare_across_types() -> None:
    from decimal import Decimal

    gold = normalize_rows([(Decimal("2.50"), 3.0, True, None)])
    pred = normalize_rows([(2.5000000001, 3, 1, None)])
    assert results_match(gold, pred, ordered=True)
    assert not results_match(gold, normalize_rows([(2.5, 3, 0, None)]), ordered=True)
    assert results_match([(float("nan"),)], [(float("nan"),)], ordered=True)


@pytest.mark.parametrize(
    ("gold", "pred", "ordered", "expected"),
    [
        ([(1, "a"), (2, "b")], [(7, "b", 2), (8, "a", 1)], False, True),  # extra predicted column
        ([(1, "a"), (1, "a")], [(1, "a")], False, True),  # duplicate rows dropped
        ([(1, "a"), (2, "b")], [(2, "b"), (1, "a")], False, True),
        ([(1, "a"), (2, "b")], [(2, "b"), (1, "a")], True, False),  # order kept
        ([(1.0,)], [(1.000001,)], False, True),  # rel tol 1e-5
        ([(1.0,)], [(1.001,)], False, False),
        ([(1, "a")], [(1, "b")], False, False),
        ([], [], False, True),
        ([], [(1,)], False, False),
    ],
)
def test_defog_lenient_comparison(gold, pred, ordered: bool, expected: bool) -> None:
    assert lenient_match(gold, pred, ordered=ordered) is expected


@pytest.mark.parametrize(
    "case", [json.loads(line) for line in (FIXTURES / "normalize_sql.jsonl").open()]
)
def test_normalize_sql(case: dict) -> None:
    assert normalize_sql(case["sql"]) == case["expected"]


# --- the harness ---------------------------------------------------------------------------------


def _questions(path: Path, db_id: str = "people") -> Path:
    return write_jsonl(
        path,
        [
            {
                "id": "q1",
                "db_id": db_id,
                "question": "Who is oldest?",
                "gold_sql": "SELECT name FROM people ORDER BY age DESC LIMIT 1",
                "hardness": "easy",
            },
            {
                "id": "q2",
                "db_id": db_id,
                "question": "Names and ages?",
                "gold_sql": "SELECT name, age FROM people",
                "hardness": "medium",
                "gold_sql_alternatives": ["SELECT name FROM people"],
            },
            {
                "id": "q3",
                "db_id": db_id,
                "question": "How many cities?",
                "gold_sql": "SELECT count(DISTINCT city) FROM people",
                "hardness": "medium",
            },
        ],
    )


def test_predictions_file_and_summary(tmp_path: Path, people_dir: Path) -> None:
    answers = {
        "Who is oldest?": "SELECT name FROM people WHERE age = 47",
        "Names and ages?": "SELECT name FROM people ORDER BY name DESC",  # second alternative
        "How many cities?": "SELECT count(city) FROM people WHERE city <> 'Lima'",  # gold loses DISTINCT: 4
    }
    out, summary = tmp_path / "out" / "pred.jsonl", io.StringIO()
    report = evaluate(
        _questions(tmp_path / "q.jsonl"),
        people_dir,
        predictions=out,
        file=summary,
        make_predictor=lambda url: FixedPredictor(answers.__getitem__, tier="tier1"),
        progress=False,
    )
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == ["q1", "q2", "q3"]
    assert all(
        set(r) == {"id", "db_id", "sql", "tier", "latency_ms", "error", "correct"} for r in records
    )
    assert [r["correct"] for r in records] == [True, True, False]
    assert records[1] == {
        **records[1],
        "db_id": "people",
        "tier": "tier1",
        "error": None,
        "sql": answers["Names and ages?"],
    }
    lines = summary.getvalue().splitlines()
    assert lines[-1] == "EX 66.7% (2/3)" and EX_LINE.match(lines[-1])
    assert "  people  66.7% (2/3)" in lines
    assert "  easy    100.0% (1/1)" in lines and "  medium  50.0% (1/2)" in lines
    assert "  tier1  66.7% (2/3)" in lines
    assert any(line.startswith("latency: p50 ") for line in lines)
    assert not any("lenient" in line for line in lines)
    assert report.accuracy == pytest.approx(200 / 3)


def test_one_predictor_per_database_never_sees_gold(tmp_path: Path) -> None:
    questions = [q for q in load_questions(SPIDER_Q) if q.db_id in {"singer", "pets_1"}]
    opened: list[FixedPredictor] = []
    urls: list[str] = []

    def make(url: str) -> Predictor:
        urls.append(url)
        return constant("SELECT 1", opened)(url)

    run_eval(questions, SPIDER_DB, make_predictor=make, progress=False)
    assert len(opened) == 2 and all(p.closed for p in opened)
    assert sorted(Path(u.split(":///", 1)[1]).name for u in urls) == [
        "pets_1.sqlite",
        "singer.sqlite",
    ]
    asked = [a for p in opened for a in p.asked]
    assert sorted(asked) == sorted(q.question for q in questions)
    golds = {q.gold_sql for q in questions}
    assert not golds & set(asked)


def test_defog_prompt_appends_instructions_and_scores_the_sqlite_gold() -> None:
    questions = [q for q in load_questions(DEFOG_Q) if q.instructions][:5]
    opened: list[FixedPredictor] = []
    run_eval(questions, DEFOG_SQLITE, make_predictor=constant("SELECT 1", opened), progress=False)
    asked = [a for p in opened for a in p.asked]
    assert asked == [f"{q.text('sqlite')}\n{q.instructions}" for q in questions]
    q = questions[0]
    assert q.golds("sqlite")[0] == q.gold_sql_sqlite and q.golds("postgres")[0] == q.gold_sql


def test_filters_limit_and_db(tmp_path: Path) -> None:
    report = run_eval(
        SPIDER_Q,
        SPIDER_DB,
        make_predictor=constant("SELECT 1"),
        db_ids=["singer"],
        limit=7,
        progress=False,
    )
    assert report.total == 7 and {o.db_id for o in report.outcomes} == {"singer"}
    with pytest.raises(InputError, match="no questions for db_id nowhere"):
        run_eval(SPIDER_Q, SPIDER_DB, make_predictor=constant("SELECT 1"), db_ids=["nowhere"])


def test_a_missing_database_fails_its_questions_and_the_run_goes_on(
    tmp_path: Path, people_dir: Path
) -> None:
    path = _questions(tmp_path / "q.jsonl")
    records = [json.loads(line) for line in path.read_text().splitlines()]
    write_jsonl(path, [*records, {**records[0], "id": "q9", "db_id": "ghost"}])
    report = run_eval(path, people_dir, make_predictor=oracle(load_questions(path)), progress=False)
    ghost = [o for o in report.outcomes if o.db_id == "ghost"]
    assert len(ghost) == 1 and not ghost[0].correct and ghost[0].latency_ms is None
    assert str(people_dir / "ghost" / "ghost.sqlite") in str(ghost[0].error)
    assert str(people_dir / "ghost.duckdb") in str(ghost[0].error)
    assert (report.correct, report.total) == (3, 4)


def test_a_missing_databases_folder_is_an_error_up_front(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        run_eval(SPIDER_Q, tmp_path / "nowhere", make_predictor=constant("SELECT 1"))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", r"q.jsonl:2: not valid JSON"),
        ('{"id": "x", "db_id": "d", "question": "q"}', r"q.jsonl:2: 'gold_sql' must be"),
        (
            '{"id": "a", "db_id": "d", "question": "q", "gold_sql": "SELECT 1"}',
            "duplicate question id 'a'",
        ),
        ('["a"]', "expected a JSON object"),
    ],
)
def test_bad_question_files_are_input_errors(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "a", "db_id": "d", "question": "q", "gold_sql": "SELECT 1"}\n' + line)
    with pytest.raises(InputError, match=message):
        load_questions(path)


def test_duckdb_files_are_found_and_scored(tmp_path: Path) -> None:
    import duckdb

    root = tmp_path / "dbs"
    (root / "shop").mkdir(parents=True)
    with duckdb.connect(str(root / "shop" / "shop.duckdb")) as conn:
        conn.execute(
            "CREATE TABLE sales AS SELECT range AS id, range * 1.5 AS amount FROM range(100)"
        )
    ref = locate_database("shop", root)
    assert (ref.dialect, ref.url) == (
        "duckdb",
        f"duckdb:///{(root / 'shop' / 'shop.duckdb').resolve()}",
    )
    db = connect_scoring(ref.url)
    try:
        assert score_prediction(db, ["SELECT sum(amount) FROM sales"], "SELECT 7425.0").correct
        assert score_prediction(
            db, ["SELECT id FROM sales ORDER BY id"], "SELECT id FROM sales ORDER BY id"
        ).correct
        assert not score_prediction(
            db, ["SELECT id FROM sales ORDER BY id"], "SELECT id FROM sales ORDER BY id DESC"
        ).correct
        slow = "SELECT count(*) FROM range(100000000) a, range(100000000) b"
        timed = score_prediction(db, ["SELECT 1"], slow, timeout_s=0.3)
        assert timed.error == "prediction failed: timed out after 0.3 s"
        assert "read-only" in str(score_prediction(db, ["SELECT 1"], "DELETE FROM sales").error)
    finally:
        db.close()


def test_the_gateway_adapter_reads_sql_and_tier() -> None:
    from nl2sql.eval import GatewayPredictor

    class Answer:
        sql, tier = "SELECT 1", 2

    class Gateway:
        closed = False

        def ask(self, question: str) -> Answer:
            return Answer()

        def close(self) -> None:
            Gateway.closed = True

    p = GatewayPredictor(Gateway())
    assert p.ask("q") == Prediction("SELECT 1", "2")
    p.close()
    assert Gateway.closed


# --- PostgreSQL ----------------------------------------------------------------------------------


@pytest.fixture
def defog_postgres() -> Iterator[str]:
    """The 7 defog dumps loaded into fresh databases; yields the URL template."""
    import psycopg

    prefix = f"nl2sql_eval_{uuid.uuid4().hex[:8]}"
    names = sorted(p.stem for p in (BENCH / "defog" / "postgres").glob("*.sql"))
    admin = psycopg.connect("postgresql://postgres@127.0.0.1/postgres", autocommit=True)
    try:
        for name in names:
            admin.execute(f"CREATE DATABASE {prefix}_{name}")
            with psycopg.connect(
                f"postgresql://postgres@127.0.0.1/{prefix}_{name}", autocommit=True
            ) as c:
                c.execute((BENCH / "defog" / "postgres" / f"{name}.sql").read_bytes())
        yield f"postgresql://postgres@127.0.0.1/{prefix}_{{db_id}}"
    finally:
        for name in names:
            admin.execute(f"DROP DATABASE IF EXISTS {prefix}_{name} WITH (FORCE)")
        admin.close()


@pytest.mark.postgres
def test_defog_on_postgresql_scores_the_postgres_gold(defog_postgres: str, tmp_path: Path) -> None:
    questions = load_questions(DEFOG_Q)
    report = run_eval(
        questions,
        None,
        make_predictor=oracle(questions, "postgres"),
        postgres_url_template=defog_postgres,
        progress=False,
    )
    assert (report.total, report.correct, report.errors) == (190, 190, 0)
    assert report.lenient == (190, 190)

    wrong = run_eval(
        questions,
        None,
        make_predictor=constant("SELECT 'no such answer'"),
        db_ids=["academic"],
        postgres_url_template=defog_postgres,
        progress=False,
    )
    assert wrong.correct == 0 and wrong.total == 25

    db = connect_scoring(defog_postgres.format(db_id="academic"))
    try:
        slow = score_prediction(db, ["SELECT 1"], "SELECT pg_sleep(5)", timeout_s=0.2)
        assert slow.error == "prediction failed: timed out after 0.2 s"
        assert "read-only" in str(score_prediction(db, ["SELECT 1"], "DELETE FROM author").error)
        assert score_prediction(
            db, ["SELECT count(*) FROM author"], "SELECT count(aid) FROM author"
        ).correct
    finally:
        db.close()
