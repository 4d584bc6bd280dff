"""Automatic checks an organiser sets on a sample task, run on every output of that task.

A check is a plain dict, `{"type": "max_chars", "value": 300}`, stored in
`SampleTask.checks`; its results are stored on `Run.check_results`. Pure functions: no
ORM, no request.

Characters are counted as Python `str` length (code points) of the output after
stripping surrounding whitespace, so a trailing newline from the model does not count
and a Japanese character counts as one, as 文字数 does.
"""

import json
import re
from dataclasses import dataclass

import regex
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

CHECK_TYPES = ("contains", "not_contains", "regex", "max_chars", "min_chars", "is_json")
_COUNT_TYPES = ("max_chars", "min_chars")

MAX_REGEX_LENGTH = 500
# A pattern is matched against at most this much output, which bounds its running time.
MAX_MATCHED_CHARS = 100_000
# An organiser's pattern can backtrack badly (`(a|b)*c`); the `regex` engine's timeout
# bounds the time a worker spends on one check.
REGEX_TIMEOUT_SECONDS = 1.0
_EXCERPT_CHARS = 40


@dataclass(frozen=True)
class CheckResult:
    type: str
    value: str | int | None
    passed: bool
    detail: str

    def as_dict(self) -> dict[str, object]:
        return {
            "type": self.type,
            "value": self.value,
            "passed": self.passed,
            "detail": self.detail,
        }


# --- Validation ---------------------------------------------------------------------------


def validate_checks(checks: object) -> list[dict[str, object]]:
    """The checks in their normal form, or ValidationError naming the check (1-based)."""
    if checks is None:
        return []
    if not isinstance(checks, list):
        raise ValidationError(
            _("Automatic checks must be a list, e.g. [{“type”: “max_chars”, “value”: 300}]."),
            code="checks_not_list",
        )
    normalised = []
    for number, item in enumerate(checks, start=1):
        try:
            normalised.append(_validate_item(item))
        except ValidationError as error:
            raise ValidationError(
                _("Check %(number)s: %(problem)s"),
                code="invalid_check",
                params={"number": number, "problem": _message(error)},
            ) from error
    return normalised


def _validate_item(item: object) -> dict[str, object]:
    if not isinstance(item, dict):
        raise ValidationError(_("write it as an object with “type” and “value”."))
    check_type = item.get("type")
    if check_type is None:
        raise ValidationError(
            _("“type” is missing; use one of %(types)s."), params={"types": ", ".join(CHECK_TYPES)}
        )
    if check_type not in CHECK_TYPES:
        raise ValidationError(
            _("unknown type “%(type)s”; use one of %(types)s."),
            params={"type": check_type, "types": ", ".join(CHECK_TYPES)},
        )
    unexpected = sorted(str(key) for key in item if key not in ("type", "value"))
    if unexpected:
        raise ValidationError(
            _("unexpected field %(fields)s; a check has only “type” and “value”."),
            params={"fields": ", ".join(f"“{key}”" for key in unexpected)},
        )
    value = item.get("value")
    if check_type == "is_json":
        if value is not None:
            raise ValidationError(_("is_json takes no value."))
        return {"type": "is_json"}
    if check_type in _COUNT_TYPES:
        # bool is an int in Python; `true` in a bundle is a mistake, not 1.
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValidationError(
                _("%(type)s needs a whole number of characters, 0 or more."),
                params={"type": check_type},
            )
        return {"type": check_type, "value": value}
    return {"type": check_type, "value": _validate_text(check_type, value)}


def _validate_text(check_type: str, value: object) -> str:
    # Surrounding whitespace is ignored, as in the form field, and values stay on one
    # line, so that a check written out as text reads back exactly the same.
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(_("%(type)s needs a non-empty text."), params={"type": check_type})
    value = value.strip()
    if "\n" in value or "\r" in value:
        raise ValidationError(
            _("%(type)s takes a single line of text (in a regex, write \\n for a line break)."),
            params={"type": check_type},
        )
    if check_type == "regex":
        if len(value) > MAX_REGEX_LENGTH:
            raise ValidationError(
                _("the regular expression is %(length)s characters long; the limit is %(limit)s."),
                params={"length": len(value), "limit": MAX_REGEX_LENGTH},
            )
        try:
            regex.compile(value)
        except regex.error as error:
            raise ValidationError(
                _("the regular expression does not compile: %(error)s."),
                params={"error": str(error)},
            ) from error
    return value


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- The text form ------------------------------------------------------------------------

_LINE = re.compile(r"([A-Za-z_-]+)\s*(?:[:：](.*))?")


def parse_checks_text(text: str) -> list[dict[str, object]]:
    """The organiser's form field: one “type: value” per line; errors name the line."""
    checks = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            checks.append(_validate_item(_parse_line(line.strip())))
        except ValidationError as error:
            raise ValidationError(
                _("Line %(number)s: %(problem)s"),
                code="invalid_check",
                params={"number": number, "problem": _message(error)},
            ) from error
    return validate_checks(checks)


def _parse_line(line: str) -> dict[str, object]:
    match = _LINE.fullmatch(line)
    if match is None:
        raise ValidationError(
            _("write “type: value”, e.g. “max_chars: 300”, “contains: 期限” or “is_json”.")
        )
    check_type = match.group(1).lower().replace("-", "_")
    raw = (match.group(2) or "").strip()
    if check_type == "is_json":
        return {"type": check_type, "value": raw or None}
    if check_type in _COUNT_TYPES:
        try:
            # int() also reads full-width digits typed with a Japanese IME.
            return {"type": check_type, "value": int(raw.replace(",", ""))}
        except ValueError:
            return {"type": check_type, "value": raw}  # refused by validation
    return {"type": check_type, "value": raw}


def format_checks_text(checks: list[dict[str, object]]) -> str:
    """The form field's text for these checks; parse_checks_text reads it back unchanged."""
    lines = []
    for check in checks:
        value = check.get("value")
        lines.append(str(check["type"]) if value is None else f"{check['type']}: {value}")
    return "\n".join(lines)


# --- Running ------------------------------------------------------------------------------


def run_checks(checks: list[dict[str, object]], output: str) -> list[CheckResult]:
    """One result per check, in order. A check stored invalid fails instead of raising."""
    results = []
    for item in checks:
        try:
            check = _validate_item(item)
        except ValidationError as error:
            raw = item if isinstance(item, dict) else {}
            results.append(
                CheckResult(
                    type=str(raw.get("type", "")),
                    value=None,
                    passed=False,
                    detail=_("Invalid check: %(problem)s") % {"problem": _message(error)},
                )
            )
            continue
        results.append(_run_one(check, output))
    return results


def _run_one(check: dict[str, object], output: str) -> CheckResult:
    check_type = str(check["type"])
    value = check.get("value")
    if check_type == "is_json":
        passed, detail = _check_json(output)
        return CheckResult(type=check_type, value=None, passed=passed, detail=detail)
    if isinstance(value, int):
        passed, detail = _check_length(check_type, value, output)
        return CheckResult(type=check_type, value=value, passed=passed, detail=detail)
    text = str(value)
    passed, detail = _check_text(check_type, text, output)
    return CheckResult(type=check_type, value=text, passed=passed, detail=detail)


def _check_length(check_type: str, limit: int, output: str) -> tuple[bool, str]:
    count = len(output.strip())
    counted = ngettext("%(count)s character", "%(count)s characters", count) % {"count": count}
    if check_type == "max_chars":
        return count <= limit, _("%(counted)s; limit %(limit)s") % {
            "counted": counted,
            "limit": limit,
        }
    return count >= limit, _("%(counted)s; at least %(limit)s required") % {
        "counted": counted,
        "limit": limit,
    }


def _check_text(check_type: str, value: str, output: str) -> tuple[bool, str]:
    if check_type == "regex":
        try:
            match = regex.search(value, output[:MAX_MATCHED_CHARS], timeout=REGEX_TIMEOUT_SECONDS)
        except TimeoutError:
            return False, _("The pattern took too long to match; simplify the regular expression.")
        if match is None:
            return False, _("No match")
        return True, _("Matched “%(text)s”") % {"text": _excerpt(match.group())}
    found = value in output
    detail = _("Found “%(text)s”") if found else _("“%(text)s” not found")
    passed = found if check_type == "contains" else not found
    return passed, detail % {"text": _excerpt(value)}


def _check_json(output: str) -> tuple[bool, str]:
    text = output.strip()
    try:
        json.loads(text)
    except RecursionError:
        return False, _("Not valid JSON: nested too deeply")
    except ValueError as error:
        if text.startswith("```"):
            return False, _("Not valid JSON: the output is wrapped in a ``` code block")
        return False, _("Not valid JSON: %(error)s") % {"error": str(error)}
    return True, _("Valid JSON")


def _excerpt(text: str) -> str:
    return text if len(text) <= _EXCERPT_CHARS else text[: _EXCERPT_CHARS - 1] + "…"


# --- Describing ---------------------------------------------------------------------------


def describe_check(check: dict[str, object]) -> str:
    """What the check asks for, in words for entrants and judges."""
    check_type = check.get("type")
    value = check.get("value")
    if check_type == "max_chars" and isinstance(value, int):
        return ngettext("At most %(count)s character", "At most %(count)s characters", value) % {
            "count": value
        }
    if check_type == "min_chars" and isinstance(value, int):
        return ngettext("At least %(count)s character", "At least %(count)s characters", value) % {
            "count": value
        }
    if check_type == "contains":
        return _("Contains “%(text)s”") % {"text": value}
    if check_type == "not_contains":
        return _("Does not contain “%(text)s”") % {"text": value}
    if check_type == "regex":
        return _("Matches the regular expression “%(pattern)s”") % {"pattern": value}
    if check_type == "is_json":
        return _("Is valid JSON")
    return _("Unknown check “%(type)s”") % {"type": check_type}
