"""config/settings.py reads every variable through helpers that refuse what they cannot
read, at start-up, naming the variable; DEBUG is off unless asked for."""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from config.settings import env_bool, env_float, env_int

BASE_DIR = Path(__file__).resolve().parent.parent


def _python(*args: str, **env: str | None) -> subprocess.CompletedProcess[str]:
    """A fresh Python process without this session's DJANGO_* and SITE_URL, given `env`
    (None: unset)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SITE_URL"))}
    for name, value in env.items():
        if value is None:
            clean.pop(name, None)
        else:
            clean[name] = value
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _start_django(**env: str | None) -> subprocess.CompletedProcess[str]:
    """`django.setup()` in a fresh process, as gunicorn, a worker or manage.py would."""
    defaults: dict[str, str | None] = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "1",
    }
    return _python("-c", "import django; django.setup(); print('started')", **defaults | env)


# --- The helpers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True),
        ("true", True),
        (" TRUE ", True),
        ("Yes", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("OFF ", False),
    ],
)
def test_env_bool_reads_the_usual_words(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: bool
) -> None:
    monkeypatch.setenv("PROBE_FLAG", value)

    assert env_bool("PROBE_FLAG", not expected) is expected


@pytest.mark.parametrize("value", ["", "   "])
def test_env_bool_takes_the_default_when_unset_or_empty(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PROBE_FLAG", value)

    assert env_bool("PROBE_FLAG", True) is True
    assert env_bool("PROBE_FLAG", False) is False


@pytest.mark.parametrize("value", ["flase", "2", "y", "enabled", "off-ish"])
def test_env_bool_refuses_anything_else_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PROBE_FLAG", value)

    with pytest.raises(
        ImproperlyConfigured, match=re.escape(f"PROBE_FLAG='{value}' is not a yes/no")
    ):
        env_bool("PROBE_FLAG", False)


def test_env_int_reads_a_whole_number_and_refuses_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PROBE_COUNT", " 42 ")
    assert env_int("PROBE_COUNT", 1) == 42

    monkeypatch.setenv("PROBE_COUNT", "4.5")
    with pytest.raises(
        ImproperlyConfigured, match=re.escape("PROBE_COUNT='4.5' is not a whole number")
    ):
        env_int("PROBE_COUNT", 1)


def test_env_int_enforces_its_minimum_on_the_default_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PROBE_COUNT", "0")
    with pytest.raises(ImproperlyConfigured, match=r"PROBE_COUNT=0 is too small.*at least 1"):
        env_int("PROBE_COUNT", 5, minimum=1)

    monkeypatch.delenv("PROBE_COUNT")
    assert env_int("PROBE_COUNT", 5, minimum=1) == 5


@pytest.mark.parametrize("value", ["fast", "nan", "inf", "1e999"])
def test_env_float_refuses_what_is_not_a_finite_number(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PROBE_SECONDS", value)

    with pytest.raises(ImproperlyConfigured, match=re.escape(f"PROBE_SECONDS='{value}' is not a")):
        env_float("PROBE_SECONDS", 1.0)


def test_env_float_reads_a_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROBE_SECONDS", "2.5")

    assert env_float("PROBE_SECONDS", 1.0) == 2.5


# --- Start-up refuses a bad value ----------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_DEBUG": "flase"}, "DJANGO_DEBUG='flase' is not a yes/no value"),
        ({"EMAIL_PORT": "twenty-five"}, "EMAIL_PORT='twenty-five' is not a whole number"),
        ({"LLM_READ_TIMEOUT": "60s"}, "LLM_READ_TIMEOUT='60s' is not a number"),
        ({"SESSION_IDLE_MINUTES": "0"}, "SESSION_IDLE_MINUTES=0 is too small"),
        ({"MFA_REQUIRED_FOR_EVERYONE": "maybe"}, "MFA_REQUIRED_FOR_EVERYONE='maybe'"),
        (
            {"DJANGO_BEHIND_PROXY": "1", "DJANGO_TRUSTED_PROXY_COUNT": "0"},
            "DJANGO_TRUSTED_PROXY_COUNT=0 is too small",
        ),
        (
            {"DJANGO_TRUSTED_PROXY_COUNT": "2"},
            "DJANGO_TRUSTED_PROXY_COUNT is set but DJANGO_BEHIND_PROXY is not",
        ),
        ({"LLM_PRICES_JSON": '{"gpt-4o": [1]}'}, "LLM_PRICES_JSON must look like"),
        ({"LLM_PRICES_JSON": "not json"}, "LLM_PRICES_JSON must look like"),
        ({"SITE_URL": "contest.city.example.jp"}, "SITE_URL='contest.city.example.jp' is not"),
        ({"JAPANESE_ERA_DATES": "reiwa"}, "JAPANESE_ERA_DATES='reiwa' is not a yes/no"),
    ],
    ids=[
        "debug-typo",
        "int",
        "float",
        "minimum",
        "mfa-flag",
        "proxy-count-zero",
        "proxy-count-without-proxy",
        "prices-shape",
        "prices-json",
        "site-url-without-scheme",
        "era-flag",
    ],
)
def test_start_up_fails_on_a_malformed_value_and_says_which(
    env: dict[str, str], message: str
) -> None:
    result = _start_django(**env)

    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_debug_is_off_unless_asked_for_and_then_a_secret_key_is_required() -> None:
    result = _start_django(DJANGO_DEBUG=None, DJANGO_SECRET_KEY=None)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off" in result.stderr
    # The message says what to do, both ways.
    assert "secrets.token_urlsafe" in result.stderr
    assert "DJANGO_DEBUG=1" in result.stderr


def test_start_up_succeeds_with_debug_asked_for_or_a_secret_key() -> None:
    assert _start_django(DJANGO_DEBUG="1").stdout.strip() == "started"
    production = _start_django(
        DJANGO_DEBUG=None, DJANGO_SECRET_KEY="x" * 60, SITE_URL="https://contest.example.jp"
    )
    assert production.stdout.strip() == "started", production.stderr


def test_a_fresh_checkout_compares_models_and_migrations_without_production_settings(
    tmp_path: Path,
) -> None:
    database = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    result = _python("manage.py", "makemigrations", "--check", "--dry-run", DATABASE_URL=database)
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout
    # Any other command still needs the secret key.
    refused = _python("manage.py", "check", DATABASE_URL=database)
    assert refused.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in refused.stderr


# --- Behind a proxy ------------------------------------------------------------------------


def _settings_with(monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    """config/settings.py executed afresh under `env`; the live settings are not touched."""
    for name in ["DJANGO_BEHIND_PROXY", "DJANGO_TRUSTED_PROXY_COUNT"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("settings_probe", BASE_DIR / "config/settings.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_forwarded_addresses_are_ignored_unless_behind_a_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _settings_with(monkeypatch).ALLAUTH_TRUSTED_PROXY_COUNT == 0


def test_behind_a_proxy_one_proxy_is_trusted_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings_with(monkeypatch, DJANGO_BEHIND_PROXY="1")

    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == 1


def test_the_number_of_trusted_proxies_can_be_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings_with(
        monkeypatch, DJANGO_BEHIND_PROXY="yes", DJANGO_TRUSTED_PROXY_COUNT="2"
    )

    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == 2


def test_production_behind_a_proxy_trusts_its_https_header(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = _settings_with(
        monkeypatch,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x" * 60,
        DJANGO_BEHIND_PROXY="1",
        SITE_URL="https://contest.example.jp",
    )

    assert settings.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")


# --- The site's name and address -------------------------------------------------------------


def test_production_needs_the_sites_address_for_its_e_mails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SITE_URL", raising=False)

    with pytest.raises(ImproperlyConfigured, match="SITE_URL must be set"):
        _settings_with(monkeypatch, DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 60)


def test_site_address_defaults_to_the_development_server_and_loses_its_slash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SITE_URL", raising=False)
    assert _settings_with(monkeypatch, DJANGO_DEBUG="1").SITE_URL == "http://127.0.0.1:8000"

    mounted = _settings_with(monkeypatch, SITE_URL="https://city.example.jp/contest/")
    assert mounted.SITE_URL == "https://city.example.jp/contest"


def test_site_name_is_translated_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SITE_NAME", raising=False)
    with translation.override("ja"):
        assert str(_settings_with(monkeypatch).SITE_NAME) == "プロンプトコンテスト"

    named = _settings_with(monkeypatch, SITE_NAME="みなと坂市 プロンプトコンテスト")
    with translation.override("en"):
        assert str(named.SITE_NAME) == "みなと坂市 プロンプトコンテスト"


def test_era_dates_are_off_unless_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAPANESE_ERA_DATES", raising=False)
    assert _settings_with(monkeypatch).JAPANESE_ERA_DATES is False
    assert _settings_with(monkeypatch, JAPANESE_ERA_DATES="1").JAPANESE_ERA_DATES is True
