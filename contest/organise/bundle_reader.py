"""Typed values read out of plain JSON data, every problem collected with its field path.

Used by the contest bundle; a path looks like `sample_tasks[2].checks[0].value`.
"""

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _


class FieldReader:
    """Reads typed values out of plain JSON data and collects every problem with its path."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def obj(self, value: Any, path: str, allowed: tuple[str, ...]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail(path, _("must be an object ({…})."))
            return None
        for key in value:
            if key not in allowed:
                self.fail(
                    _join(path, key),
                    _("unknown field; the fields here are %(fields)s.")
                    % {"fields": ", ".join(allowed)},
                )
        return value

    def items(self, data: dict[str, Any], key: str, path: str) -> list[Any]:
        value = data.get(key, [])
        if not isinstance(value, list):
            self.fail(_join(path, key), _("must be a list ([…])."))
            return []
        return value

    def text(
        self,
        data: dict[str, Any],
        key: str,
        path: str,
        *,
        required: bool = True,
        max_length: int | None = None,
        default: str = "",
    ) -> str:
        where = _join(path, key)
        if key not in data:
            if required:
                self.fail(where, _("is required."))
            return default
        value = data[key]
        if not isinstance(value, str):
            self.fail(where, _("must be text (a string in double quotes)."))
            return default
        text = value.strip()
        if required and not text:
            self.fail(where, _("must not be empty."))
        elif max_length is not None and len(text) > max_length:
            self.fail(
                where,
                _("is %(length)d characters long; the limit is %(max)d.")
                % {"length": len(text), "max": max_length},
            )
        return text

    def integer(
        self,
        data: dict[str, Any],
        key: str,
        path: str,
        *,
        default: int | None,
        minimum: int,
        maximum: int | None = None,
    ) -> int | None:
        where = _join(path, key)
        value = data.get(key, default)
        if value is None:
            return None
        # bool is an int in Python; `true` where a number belongs is a mistake.
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(where, _("must be a whole number."))
            return default
        if value < minimum or (maximum is not None and value > maximum):
            self.fail(where, range_message(minimum, maximum))
            return default
        return value

    def number(
        self,
        data: dict[str, Any],
        key: str,
        path: str,
        *,
        default: float,
        minimum: float,
        maximum: float | None = None,
    ) -> float:
        where = _join(path, key)
        value = data.get(key, default)
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.fail(where, _("must be a number."))
            return default
        if value < minimum or (maximum is not None and value > maximum):
            self.fail(where, range_message(minimum, maximum))
            return default
        return float(value)

    def boolean(self, data: dict[str, Any], key: str, path: str, *, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.fail(_join(path, key), _("must be true or false."))
            return default
        return value

    def moment(self, data: dict[str, Any], key: str, *, required: bool = True) -> datetime | None:
        if data.get(key) is None and not required:
            return None
        if key not in data:
            self.fail(key, _("is required."))
            return None
        value = data[key]
        example = "2025-06-02T09:00+09:00"
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None:
            self.fail(
                key,
                _("must be a date and time like “%(example)s”.") % {"example": example},
            )
            return None
        if moment.tzinfo is None:
            self.fail(
                key,
                _("needs a time zone offset, e.g. “%(example)s” for Japan time.")
                % {"example": example},
            )
            return None
        return moment


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def range_message(minimum: float, maximum: float | None) -> str:
    if maximum is None:
        return _("must be %(min)s or more.") % {"min": minimum}
    return _("must be between %(min)s and %(max)s.") % {"min": minimum, "max": maximum}
