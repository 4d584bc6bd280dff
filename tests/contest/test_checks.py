"""Automatic checks on outputs: validating what organisers write, running it, describing it."""

import json
import time
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from contest.runs.checks import (
    CHECK_TYPES,
    CheckResult,
    describe_check,
    format_checks_text,
    parse_checks_text,
    run_checks,
    validate_checks,
)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def message(error: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(error.value.messages)


# --- validate_checks ----------------------------------------------------------------------


def test_valid_checks_are_returned_in_normal_form() -> None:
    checks = [
        {"type": "max_chars", "value": 300},
        {"type": "min_chars", "value": 0},
        {"type": "contains", "value": "  期限 "},
        {"type": "not_contains", "value": "個人情報"},
        {"type": "regex", "value": r"令和\d+年"},
        {"type": "is_json"},
        {"type": "is_json", "value": None},
    ]
    assert validate_checks(checks) == [
        {"type": "max_chars", "value": 300},
        {"type": "min_chars", "value": 0},
        {"type": "contains", "value": "期限"},
        {"type": "not_contains", "value": "個人情報"},
        {"type": "regex", "value": r"令和\d+年"},
        {"type": "is_json"},
        {"type": "is_json"},
    ]


def test_no_checks_is_an_empty_list() -> None:
    assert validate_checks([]) == []
    assert validate_checks(None) == []


@pytest.mark.parametrize("checks", [{"type": "max_chars", "value": 300}, "max_chars: 300", 3])
def test_checks_that_are_not_a_list_are_refused(checks: object) -> None:
    with pytest.raises(ValidationError) as error:
        validate_checks(checks)
    assert "must be a list" in message(error)


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        ({"type": "max_words", "value": 3}, "unknown type “max_words”; use one of contains,"),
        ({"value": 3}, "“type” is missing"),
        ("max_chars", "write it as an object"),
        ({"type": "max_chars"}, "max_chars needs a whole number of characters, 0 or more."),
        ({"type": "max_chars", "value": "300"}, "max_chars needs a whole number"),
        ({"type": "max_chars", "value": -1}, "max_chars needs a whole number"),
        ({"type": "min_chars", "value": 2.5}, "min_chars needs a whole number"),
        ({"type": "min_chars", "value": True}, "min_chars needs a whole number"),
        ({"type": "contains"}, "contains needs a non-empty text."),
        ({"type": "contains", "value": "   "}, "contains needs a non-empty text."),
        ({"type": "not_contains", "value": 5}, "not_contains needs a non-empty text."),
        ({"type": "contains", "value": "一行目\n二行目"}, "contains takes a single line"),
        ({"type": "regex", "value": ""}, "regex needs a non-empty text."),
        ({"type": "is_json", "value": True}, "is_json takes no value."),
        ({"type": "contains", "value": "x", "vale": "y"}, "unexpected field “vale”"),
    ],
)
def test_invalid_check_is_refused_naming_its_position(item: object, problem: str) -> None:
    checks = [{"type": "is_json"}, item]
    with pytest.raises(ValidationError) as error:
        validate_checks(checks)
    assert message(error).startswith("Check 2: ")
    assert problem in message(error)


def test_regex_that_does_not_compile_is_refused_with_the_reason() -> None:
    with pytest.raises(ValidationError) as error:
        validate_checks([{"type": "regex", "value": "(期限"}])
    text = message(error)
    assert text.startswith("Check 1: the regular expression does not compile: ")
    assert "missing )" in text


def test_regex_longer_than_500_characters_is_refused() -> None:
    assert validate_checks([{"type": "regex", "value": "a" * 500}])
    with pytest.raises(ValidationError) as error:
        validate_checks([{"type": "regex", "value": "a" * 501}])
    assert "501 characters long; the limit is 500" in message(error)


# --- run_checks ---------------------------------------------------------------------------


def run_one(check: dict[str, object], output: str) -> CheckResult:
    (result,) = run_checks([check], output)
    return result


def test_max_chars_counts_characters_after_stripping_whitespace() -> None:
    output = "\n  " + "あ" * 300 + "\n\n"
    passed = run_one({"type": "max_chars", "value": 300}, output)
    assert passed.passed
    assert passed.detail == "300 characters; limit 300"
    failed = run_one({"type": "max_chars", "value": 300}, output.rstrip() + "い" * 12 + " ")
    assert not failed.passed
    assert failed.detail == "312 characters; limit 300"


def test_min_chars() -> None:
    assert run_one({"type": "min_chars", "value": 3}, " 期限内 ").passed
    result = run_one({"type": "min_chars", "value": 50}, "短い")
    assert not result.passed
    assert result.detail == "2 characters; at least 50 required"
    assert run_one({"type": "min_chars", "value": 1}, "x").detail.startswith("1 character;")


def test_contains_and_not_contains() -> None:
    output = "納付期限は6月30日です。"
    assert run_one({"type": "contains", "value": "期限"}, output).passed
    missing = run_one({"type": "contains", "value": "締切"}, output)
    assert not missing.passed
    assert missing.detail == "“締切” not found"
    assert run_one({"type": "not_contains", "value": "締切"}, output).passed
    present = run_one({"type": "not_contains", "value": "期限"}, output)
    assert not present.passed
    assert present.detail == "Found “期限”"


def test_contains_is_exact_and_case_sensitive() -> None:
    assert not run_one({"type": "contains", "value": "JSON"}, "json で返します").passed


def test_regex_uses_search_anywhere_in_the_output() -> None:
    result = run_one({"type": "regex", "value": r"令和\d+年\d+月\d+日"}, "期限：令和7年6月30日まで")
    assert result.passed
    assert result.detail == "Matched “令和7年6月30日”"
    assert not run_one({"type": "regex", "value": r"^\d+$"}, "abc").passed


def test_regex_only_sees_the_first_100000_characters() -> None:
    output = "a" * 100_000 + "期限"
    assert not run_one({"type": "regex", "value": "期限"}, output).passed
    assert run_one({"type": "contains", "value": "期限"}, output).passed


def test_long_match_is_shortened_in_the_detail() -> None:
    detail = run_one({"type": "regex", "value": "x+"}, "x" * 500).detail
    assert len(detail) < 60
    assert detail.endswith("…”")


@pytest.mark.parametrize("output", ['{"期限": "6月30日"}', "  [1, 2, 3]\n", "null", "42"])
def test_is_json_passes_on_json(output: str) -> None:
    result = run_one({"type": "is_json"}, output)
    assert result.passed
    assert result.value is None


def test_is_json_fails_with_the_parser_reason() -> None:
    result = run_one({"type": "is_json"}, '{"期限": 六月三十日}')
    assert not result.passed
    assert result.detail == "Not valid JSON: Expecting value: line 1 column 8 (char 7)"


def test_is_json_names_a_markdown_code_block() -> None:
    result = run_one({"type": "is_json"}, '```json\n{"a": 1}\n```')
    assert not result.passed
    assert "code block" in result.detail


def test_is_json_survives_deeply_nested_output() -> None:
    result = run_one({"type": "is_json"}, "[" * 200_000)
    assert not result.passed


def test_results_keep_order_and_serialise_to_json() -> None:
    checks = validate_checks(
        [
            {"type": "max_chars", "value": 10},
            {"type": "contains", "value": "期限"},
            {"type": "is_json"},
        ]
    )
    results = run_checks(checks, "期限は明日")
    assert [r.type for r in results] == ["max_chars", "contains", "is_json"]
    assert [r.passed for r in results] == [True, True, False]
    stored = json.loads(json.dumps([r.as_dict() for r in results]))
    assert stored[0] == {
        "type": "max_chars",
        "value": 10,
        "passed": True,
        "detail": "5 characters; limit 10",
    }
    assert stored[2]["value"] is None


def test_invalid_stored_check_fails_instead_of_raising() -> None:
    results = run_checks(
        [{"type": "max_words", "value": 3}, {"type": "max_chars", "value": 5}], "短い"
    )
    assert not results[0].passed
    assert results[0].type == "max_words"
    assert results[0].detail.startswith("Invalid check: unknown type")
    assert results[1].passed


def test_no_checks_give_no_results() -> None:
    assert run_checks([], "anything") == []


# --- describe_check -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "description"),
    [
        ({"type": "max_chars", "value": 300}, "At most 300 characters"),
        ({"type": "max_chars", "value": 1}, "At most 1 character"),
        ({"type": "min_chars", "value": 50}, "At least 50 characters"),
        ({"type": "contains", "value": "期限"}, "Contains “期限”"),
        ({"type": "not_contains", "value": "個人情報"}, "Does not contain “個人情報”"),
        ({"type": "regex", "value": r"\d+円"}, r"Matches the regular expression “\d+円”"),
        ({"type": "is_json"}, "Is valid JSON"),
        ({"type": "max_words", "value": 3}, "Unknown check “max_words”"),
    ],
)
def test_describe_check_in_words(check: dict[str, object], description: str) -> None:
    assert describe_check(check) == description


def test_every_check_type_has_a_description() -> None:
    samples: dict[str, object] = {"max_chars": 1, "min_chars": 1, "is_json": None}
    for check_type in CHECK_TYPES:
        text = describe_check({"type": check_type, "value": samples.get(check_type, "x")})
        assert not text.startswith("Unknown")


# --- the text form ------------------------------------------------------------------------


def test_parse_checks_text_reads_one_check_per_line() -> None:
    text = (
        "max_chars: 300\n\ncontains: 期限\n  not_contains:個人情報  \n"
        "regex: ^令和\\d+年:\\s\nis_json\n"
    )
    assert parse_checks_text(text) == [
        {"type": "max_chars", "value": 300},
        {"type": "contains", "value": "期限"},
        {"type": "not_contains", "value": "個人情報"},
        {"type": "regex", "value": "^令和\\d+年:\\s"},
        {"type": "is_json"},
    ]


def test_parse_checks_text_accepts_what_a_japanese_ime_types() -> None:
    assert parse_checks_text("max_chars：３００\nMax-Chars: 1,000\ncontains：期限") == [
        {"type": "max_chars", "value": 300},
        {"type": "max_chars", "value": 1000},
        {"type": "contains", "value": "期限"},
    ]


def test_blank_text_gives_no_checks() -> None:
    assert parse_checks_text("") == []
    assert parse_checks_text("\n   \n\t\n") == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("contains: 期限\nmax_chars: 三百", "Line 2: max_chars needs a whole number"),
        ("\n\nmax_chars", "Line 3: max_chars needs a whole number"),
        ("max_chars: -5", "Line 1: max_chars needs a whole number"),
        ("contains:", "Line 1: contains needs a non-empty text."),
        ("is_json: yes", "Line 1: is_json takes no value."),
        ("word_count: 3", "Line 1: unknown type “word_count”"),
        ("期限を含む", "Line 1: write “type: value”"),
        ("contains 期限", "Line 1: write “type: value”"),
        ("is_json\nregex: [a-", "Line 2: the regular expression does not compile:"),
    ],
)
def test_parse_errors_name_the_line(text: str, problem: str) -> None:
    with pytest.raises(ValidationError) as error:
        parse_checks_text(text)
    assert message(error).startswith(problem)


def test_format_checks_text_is_the_inverse_of_parse() -> None:
    checks = validate_checks(
        [
            {"type": "max_chars", "value": 300},
            {"type": "min_chars", "value": 0},
            {"type": "contains", "value": "期限: 6月30日"},
            {"type": "not_contains", "value": "個人情報"},
            {"type": "regex", "value": r"^\{.*\}$"},
            {"type": "is_json"},
        ]
    )
    text = format_checks_text(checks)
    assert text.splitlines()[0] == "max_chars: 300"
    assert text.splitlines()[-1] == "is_json"
    assert parse_checks_text(text) == checks
    assert format_checks_text([]) == ""


def test_catastrophic_regex_gives_up_within_its_time_budget() -> None:
    started = time.monotonic()
    [result] = run_checks([{"type": "regex", "value": "(a+)+$"}], "a" * 5000 + "b")
    assert not result.passed
    assert "too long" in result.detail
    assert time.monotonic() - started < 5
