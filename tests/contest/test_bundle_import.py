"""The contest bundle: every field lands, every problem names its path, nothing half-done."""

import copy
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from accounts.models import User
from contest.management.commands.import_contest import Command as ImportCommand
from contest.models import AwardTier, Category, Contest, Criterion, SampleTask
from contest.organise.bundle import BundleError, bundle_import
from contest.organise.defaults import DEFAULT_AWARD_TIERS, DEFAULT_CRITERIA
from tests import factories

Bundle = dict[str, Any]

GOOD: Bundle = {
    "slug": "2025-spring",
    "title": "令和7年度 第1回 職員プロンプトコンテスト",
    "status": "open",
    "description": "業務で役立つプロンプトを募集します。",
    "opens_at": "2025-06-02T09:00+09:00",
    "closes_at": "2099-06-30T17:00+09:00",
    "model": {"provider": "openai", "name": "gpt-4o", "temperature": 0.5, "max_tokens": 1200},
    "samples_per_task": 2,
    "judges_per_entry": 4,
    "recuse_same_department": False,
    "max_entries_per_person": 5,
    "allow_gallery_sharing": False,
    "token_budget": 2000000,
    "yen_budget": 5000,
    "categories": ["文書作成", "要約", "校正"],
    "sample_tasks": [
        {
            "title": "住民向け通知の要約",
            "input": "令和7年度の住民税の納付期限は6月30日です。",
            "variables": {"audience": "高齢者", "max_chars": 300},
            "visible_to_entrants": True,
            "checks": [{"type": "max_chars", "value": 300}, {"type": "contains", "value": "期限"}],
        },
        {
            "title": "議会答弁のたたき台",
            "input": "子育て支援策の拡充について",
            "visible_to_entrants": False,
        },
        {"title": "JSONで分類", "input": "意見1、意見2", "checks": [{"type": "is_json"}]},
    ],
    "criteria": [
        {"name": "実用性・効果", "weight": 30, "description": "業務で使えるか"},
        {
            "name": "独創性",
            "name_en": "Originality",
            "weight": 10,
            "scale": [0, 3],
            "levels": ["なし", "少し", "ある", "手本になる"],
        },
    ],
    "awards": [
        {"name": "最優秀賞", "name_en": "Grand prize", "count": 1},
        {"name": "優秀賞", "count": 2},
    ],
}


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _bundle(change: Callable[[Bundle], object] | None = None) -> Bundle:
    bundle = copy.deepcopy(GOOD)
    if change:
        change(bundle)
    return bundle


def _snapshot() -> tuple[int, ...]:
    models = (Contest, Category, SampleTask, Criterion, AwardTier)
    return tuple(model.objects.count() for model in models)


def _messages(error: pytest.ExceptionInfo[BundleError]) -> list[str]:
    return error.value.messages


@pytest.mark.django_db
def test_good_bundle_lands_every_field(organiser: User) -> None:
    result = bundle_import(data=_bundle(), created_by=organiser)
    contest = Contest.objects.get(slug="2025-spring")
    assert result.contest == contest
    assert contest.title == "令和7年度 第1回 職員プロンプトコンテスト"
    assert contest.status == Contest.Status.OPEN
    assert contest.description == "業務で役立つプロンプトを募集します。"
    assert contest.opens_at == datetime(2025, 6, 2, 0, 0, tzinfo=UTC)
    assert contest.closes_at == datetime(2099, 6, 30, 8, 0, tzinfo=UTC)
    assert (contest.model_provider, contest.model_name) == ("openai", "gpt-4o")
    assert (contest.temperature, contest.max_tokens) == (0.5, 1200)
    assert (contest.samples_per_task, contest.judges_per_entry) == (2, 4)
    assert contest.recuse_same_department is False
    assert contest.max_entries_per_person == 5
    assert contest.allow_gallery_sharing is False
    assert contest.token_budget == 2000000
    assert contest.yen_budget == Decimal("5000.00")
    assert contest.created_by == organiser
    assert list(contest.categories.values_list("name", "position")) == [
        ("文書作成", 0),
        ("要約", 1),
        ("校正", 2),
    ]
    first, second, third = contest.sample_tasks.all()
    assert (first.title, first.position) == ("住民向け通知の要約", 0)
    assert first.input == "令和7年度の住民税の納付期限は6月30日です。"
    assert first.variables == {"audience": "高齢者", "max_chars": 300}
    assert first.checks == [
        {"type": "max_chars", "value": 300},
        {"type": "contains", "value": "期限"},
    ]
    assert first.visible_to_entrants is True
    assert (second.position, second.visible_to_entrants, second.variables) == (1, False, {})
    assert third.checks == [{"type": "is_json"}]
    criteria = [
        (c.name_ja, c.name_en, c.weight, c.description, c.scale_min, c.scale_max, c.levels)
        for c in contest.criteria.all()
    ]
    assert criteria == [
        ("実用性・効果", "", 30, "業務で使えるか", 1, 5, []),
        ("独創性", "Originality", 10, "", 0, 3, ["なし", "少し", "ある", "手本になる"]),
    ]
    tiers = [(t.name_ja, t.name_en, t.count, t.position) for t in contest.award_tiers.all()]
    assert tiers == [("最優秀賞", "Grand prize", 1, 0), ("優秀賞", "", 2, 1)]
    assert not any("default" in note for note in result.notes)


@pytest.mark.django_db
def test_bundle_without_criteria_or_awards_gets_the_defaults() -> None:
    result = bundle_import(data=_bundle(lambda b: [b.pop("criteria"), b.pop("awards")]))
    contest = result.contest
    assert [c.name_ja for c in contest.criteria.all()] == [c["name_ja"] for c in DEFAULT_CRITERIA]
    assert [c.weight for c in contest.criteria.all()] == [30, 25, 15, 15, 15]
    assert all(len(c.levels) == 5 for c in contest.criteria.all())
    assert [(t.name_ja, t.count) for t in contest.award_tiers.all()] == [
        (t["name_ja"], t["count"]) for t in DEFAULT_AWARD_TIERS
    ]
    assert "The bundle has no criteria, so the contest uses the default ones." in result.notes
    assert "The bundle has no awards, so the contest uses the default ones." in result.notes


@pytest.mark.django_db
def test_minimal_bundle_is_a_draft_with_the_platform_model(settings: Any) -> None:
    settings.LLM_PROVIDER = "echo"
    settings.LLM_MODEL = "gpt-4.1-mini"
    bundle = {
        "slug": "minimal",
        "title": "最小",
        "opens_at": "2025-06-02T09:00:00+09:00",
        "closes_at": "2025-06-30T17:00:00+09:00",
    }
    bundle_import(data=bundle)
    contest = Contest.objects.get(slug="minimal")
    assert contest.status == Contest.Status.DRAFT
    assert (contest.model_provider, contest.model_name) == ("echo", "gpt-4.1-mini")
    assert contest.sample_tasks.count() == 0


@pytest.mark.django_db
def test_a_bundle_without_a_yen_budget_gets_the_default_and_says_so(settings: Any) -> None:
    settings.CONTEST_DEFAULT_YEN_BUDGET = 3000
    result = bundle_import(data=_bundle(lambda b: b.pop("yen_budget")))
    assert result.contest.yen_budget == Decimal(3000)
    assert any("the contest has the default of ¥3,000" in note for note in result.notes)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("default", "change"),
    [(3000, lambda b: b.update(yen_budget=None)), (0, lambda b: b.pop("yen_budget"))],
    ids=["explicit null", "no default"],
)
def test_no_budget_when_the_bundle_says_null_or_there_is_no_default(
    settings: Any, default: int, change: Callable[[Bundle], object]
) -> None:
    settings.CONTEST_DEFAULT_YEN_BUDGET = default
    result = bundle_import(data=_bundle(change))
    assert result.contest.yen_budget is None
    assert not any("default of" in note for note in result.notes)


BROKEN: list[tuple[str, Callable[[Bundle], object], str]] = [
    ("missing title", lambda b: b.pop("title"), "title: is required."),
    ("bad slug", lambda b: b.update(slug="2025 spring!"), "slug: use only letters"),
    ("unknown field", lambda b: b.update(close_at="x"), "close_at: unknown field"),
    ("bad status", lambda b: b.update(status="closed"), "status: must be one of"),
    (
        "datetime without offset",
        lambda b: b.update(opens_at="2025-06-02T09:00"),
        "opens_at: needs a time zone offset",
    ),
    ("not a datetime", lambda b: b.update(closes_at="June 30"), "closes_at: must be a date"),
    (
        "closes before opens",
        lambda b: b.update(closes_at="2025-06-01T09:00+09:00"),
        "closes_at: must be later than opens_at.",
    ),
    ("provider", lambda b: b["model"].update(provider="gemini"), "model.provider: must be one"),
    ("temperature", lambda b: b["model"].update(temperature=3), "model.temperature: must be"),
    ("max tokens", lambda b: b["model"].update(max_tokens="800"), "model.max_tokens: must be"),
    ("bool for int", lambda b: b.update(samples_per_task=True), "samples_per_task: must be"),
    ("samples range", lambda b: b.update(samples_per_task=11), "samples_per_task: must be"),
    ("recusal type", lambda b: b.update(recuse_same_department="yes"), "recuse_same_department"),
    ("yen", lambda b: b.update(yen_budget="a lot"), "yen_budget: must be an amount"),
    ("category dup", lambda b: b["categories"].append("要約"), "categories[3]: “要約” appears"),
    ("category blank", lambda b: b["categories"].append(" "), "categories[3]: must be"),
    ("tasks not list", lambda b: b.update(sample_tasks={}), "sample_tasks: must be a list"),
    ("task input", lambda b: b["sample_tasks"][1].pop("input"), "sample_tasks[1].input: is"),
    (
        "task unknown field",
        lambda b: b["sample_tasks"][0].update(prompt="x"),
        "sample_tasks[0].prompt: unknown field",
    ),
    (
        "reserved variable",
        lambda b: b["sample_tasks"][1].update(variables={"input": "x"}),
        "sample_tasks[1].variables.input: “input” is reserved",
    ),
    (
        "variable name",
        lambda b: b["sample_tasks"][1].update(variables={"対象": "x"}),
        "sample_tasks[1].variables.対象: “対象” is not a valid variable name",
    ),
    (
        "bad regex",
        lambda b: b["sample_tasks"][2].update(checks=[{"type": "regex", "value": "([a-z"}]),
        "sample_tasks[2].checks[0].value: the regular expression does not compile",
    ),
    (
        "unknown check",
        lambda b: b["sample_tasks"][0]["checks"].append({"type": "max_words", "value": 3}),
        "sample_tasks[0].checks[2].type: unknown type “max_words”",
    ),
    (
        "check value type",
        lambda b: b["sample_tasks"][0]["checks"][0].update(value="300字"),
        "sample_tasks[0].checks[0].value: max_chars needs a whole number",
    ),
    (
        "open without tasks",
        lambda b: b.update(sample_tasks=[]),
        "sample_tasks: an open contest needs at least one sample task.",
    ),
    (
        "open already closed",
        lambda b: b.update(closes_at="2025-06-30T17:00+09:00"),
        "closes_at: is in the past",
    ),
    ("criterion weight", lambda b: b["criteria"][0].update(weight=0), "criteria[0].weight"),
    ("fractional weight", lambda b: b["criteria"][0].update(weight=2.5), "criteria[0].weight"),
    ("criterion name", lambda b: b["criteria"][0].pop("name"), "criteria[0].name: is required."),
    (
        "criterion twice",
        lambda b: b["criteria"][1].update(name="実用性・効果"),
        "criteria[1].name: “実用性・効果” appears twice.",
    ),
    (
        "scale upside down",
        lambda b: b["criteria"][1].update(scale=[5, 1], levels=[]),
        "criteria[1].scale: The scale must go up",
    ),
    ("scale too long", lambda b: b["criteria"][0].update(scale=[1, 20]), "criteria[0].scale"),
    ("scale shape", lambda b: b["criteria"][0].update(scale="1-5"), "criteria[0].scale: must be"),
    (
        "levels count",
        lambda b: b["criteria"][1].update(levels=["低", "高"]),
        "criteria[1].levels: Describe every level of the scale or none: 4 descriptions",
    ),
    ("levels blank", lambda b: b["criteria"][1].update(levels=["", "", "", ""]), "criteria[1]."),
    ("award count", lambda b: b["awards"][1].update(count=0), "awards[1].count: must be"),
    ("award field", lambda b: b["awards"][0].update(prize="x"), "awards[0].prize: unknown"),
    ("award twice", lambda b: b["awards"][1].update(name="最優秀賞"), "awards[1].name: “最優"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "expected"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN]
)
def test_broken_bundle_names_the_field_and_changes_nothing(
    change: Callable[[Bundle], object], expected: str
) -> None:
    before = _snapshot()
    with pytest.raises(BundleError) as caught:
        bundle_import(data=_bundle(change))
    assert any(message.startswith(expected) for message in _messages(caught)), _messages(caught)
    assert _snapshot() == before


@pytest.mark.django_db
def test_every_problem_is_reported_at_once() -> None:
    def break_three(bundle: Bundle) -> None:
        bundle.pop("title")
        bundle["model"]["provider"] = "gemini"
        bundle["sample_tasks"][2]["checks"] = [{"type": "regex", "value": "("}]

    with pytest.raises(BundleError) as caught:
        bundle_import(data=_bundle(break_three))
    paths = [message.split(":")[0] for message in _messages(caught)]
    assert paths == ["title", "model.provider", "sample_tasks[2].checks[0].value"]


@pytest.mark.django_db
def test_bundle_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(BundleError) as caught:
        bundle_import(data=[GOOD])
    assert "must be one JSON object" in _messages(caught)[0]


@pytest.mark.django_db
def test_failure_while_writing_rolls_everything_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(SampleTask.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        bundle_import(data=_bundle())
    assert _snapshot() == (0, 0, 0, 0, 0)


@pytest.mark.django_db
def test_same_slug_is_refused_without_replace() -> None:
    bundle_import(data=_bundle())
    changed = _bundle(lambda b: b.update(title="別の題名"))
    with pytest.raises(BundleError) as caught:
        bundle_import(data=changed)
    assert "already exists" in _messages(caught)[0]
    assert "--replace" in _messages(caught)[0]
    assert Contest.objects.get(slug="2025-spring").title == GOOD["title"]


@pytest.mark.django_db
def test_replace_swaps_a_contest_nobody_has_entered() -> None:
    bundle_import(data=_bundle())
    changed = _bundle(lambda b: b.update(title="別の題名", categories=["要約"]))
    result = bundle_import(data=changed, replace=True)
    contest = Contest.objects.get(slug="2025-spring")
    assert contest.title == "別の題名"
    assert list(contest.categories.values_list("name", flat=True)) == ["要約"]
    assert _snapshot() == (1, 1, 3, 2, 2)
    assert any("was replaced" in note for note in result.notes)


@pytest.mark.django_db
def test_replace_is_refused_once_someone_has_entered(staff: User) -> None:
    bundle_import(data=_bundle())
    contest = Contest.objects.get(slug="2025-spring")
    factories.make_entry(contest, staff)
    with pytest.raises(BundleError) as caught:
        bundle_import(data=_bundle(lambda b: b.update(title="別の題名")), replace=True)
    assert "has 1 entry, so it cannot be replaced" in _messages(caught)[0]
    assert Contest.objects.get(slug="2025-spring").entries.count() == 1


# --- The command ----------------------------------------------------------------------


def _write(tmp_path: Path, data: object, name: str = "bundle.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.django_db
def test_command_imports_and_reports_what_it_did(tmp_path: Path) -> None:
    out = StringIO()
    call_command("import_contest", str(_write(tmp_path, GOOD)), stdout=out)
    output = out.getvalue()
    assert "Imported “令和7年度 第1回 職員プロンプトコンテスト” (2025-spring)" in output
    assert "status open, 3 categories, 3 sample tasks, 2 criteria, 2 award tiers." in output
    assert Contest.objects.filter(slug="2025-spring").exists()


@pytest.mark.django_db
def test_command_fails_with_exit_code_1_and_the_field_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = _bundle(lambda b: b["model"].update(provider="gemini"))
    path = _write(tmp_path, broken)
    # run_from_argv closes every connection when it ends; the test still needs its own.
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    with pytest.raises(SystemExit) as exited:
        ImportCommand().run_from_argv(["manage.py", "import_contest", str(path)])
    assert exited.value.code == 1
    error = capsys.readouterr().err
    assert "nothing was changed" in error
    assert "model.provider: must be one of" in error
    assert Contest.objects.count() == 0


@pytest.mark.django_db
def test_command_replace_option(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD)
    call_command("import_contest", str(path), stdout=StringIO())
    with pytest.raises(CommandError) as caught:
        call_command("import_contest", str(path), stdout=StringIO())
    assert caught.value.returncode == 1
    assert "already exists" in str(caught.value)
    out = StringIO()
    call_command("import_contest", str(path), "--replace", stdout=out)
    assert "was replaced" in out.getvalue()
    assert Contest.objects.count() == 1


@pytest.mark.django_db
def test_command_points_at_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"slug": "x",\n  "title": }', encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("import_contest", str(path))
    assert "not valid JSON at line 2, column 12" in str(caught.value)


@pytest.mark.django_db
def test_command_reads_a_file_saved_with_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(json.dumps(GOOD, ensure_ascii=False).encode("utf-8-sig"))
    call_command("import_contest", str(path), stdout=StringIO())
    assert Contest.objects.filter(slug="2025-spring").exists()


def test_command_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("import_contest", str(tmp_path / "nowhere.json"))
    assert "cannot be read" in str(caught.value)
