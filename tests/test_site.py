"""Site-wide behaviour: the home page, /healthz, security headers, production settings,
language and time zone."""

import importlib.util
import os
import re
import secrets
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from accounts.models import User
from config import views
from contest.models import Contest
from tests import factories

BASE_DIR = Path(__file__).resolve().parent.parent


# --- /healthz -----------------------------------------------------------------------------


def test_healthz_answers_ok_and_is_never_cached(client: Client, db: None) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_reports_an_unreachable_database(
    client: Client, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    class _BrokenConnection:
        def cursor(self) -> object:
            raise DatabaseError("gone")

    monkeypatch.setattr(views, "connection", _BrokenConnection())

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "error"


# --- Security headers and what the page loads ---------------------------------------------


def test_pages_carry_a_strict_content_security_policy(client: Client, db: None) -> None:
    response = client.get("/")

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/"])
def test_rendered_pages_load_nothing_from_other_sites_and_have_no_inline_script(
    client: Client, db: None, path: str
) -> None:
    page = client.get(path).content.decode()

    off_site = [
        url for url in re.findall(r"https?://[^\s\"'<>]+", page) if "//testserver" not in url
    ]
    assert off_site == []
    assert re.findall(r"<script\b(?![^>]*\bsrc=)[^>]*>", page) == []
    assert " style=" not in page  # style-src 'self' would block it


def test_signed_in_page_has_no_inline_script_either(client: Client, staff: User) -> None:
    client.force_login(staff)

    page = client.get("/accounts/profile/").content.decode()

    assert re.findall(r"<script\b(?![^>]*\bsrc=)[^>]*>", page) == []


# --- Production settings ------------------------------------------------------------------


def _production_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="contest.example.jp",
        DJANGO_SETTINGS_MODULE="config.settings",
        SITE_URL="https://contest.example.jp",
    )
    env.update(overrides)
    return env


def test_deploy_check_passes_with_production_settings() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _load_settings_copy(monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    """Execute config/settings.py afresh under `env`, without touching the live settings."""
    for name in ["DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "SITE_URL"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("settings_probe", BASE_DIR / "config/settings.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_production_without_a_secret_key_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY must be set"):
        _load_settings_copy(monkeypatch, DJANGO_DEBUG="0")


def test_production_settings_secure_cookies_and_https(monkeypatch: pytest.MonkeyPatch) -> None:
    prod = _load_settings_copy(
        monkeypatch,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        SITE_URL="https://contest.example.jp",
    )

    assert prod.DEBUG is False
    assert prod.SESSION_COOKIE_SECURE is True
    assert prod.CSRF_COOKIE_SECURE is True
    assert prod.SECURE_SSL_REDIRECT is True
    assert prod.SECURE_HSTS_SECONDS >= 31536000
    assert "dev-only" not in prod.SECRET_KEY


# --- Language and time --------------------------------------------------------------------


def test_site_defaults_to_japanese_in_japan_time(client: Client, db: None) -> None:
    assert settings.LANGUAGE_CODE == "ja"
    assert settings.TIME_ZONE == "Asia/Tokyo"
    assert settings.USE_TZ is True
    assert '<html lang="ja">' in client.get("/").content.decode()


def test_setlang_switches_the_home_page_to_english(client: Client, db: None) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert '<html lang="en">' in client.get("/").content.decode()


def test_a_utc_instant_renders_in_japan_time_in_templates() -> None:
    instant = datetime(2025, 6, 30, 8, 0, tzinfo=UTC)

    rendered = Template("{{ t|date:'Y-m-d H:i T' }}").render(Context({"t": instant}))

    assert rendered == "2025-06-30 17:00 JST"


def test_passwords_are_hashed_with_argon2_first() -> None:
    import config.settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.django_db
def test_judges_do_not_see_draft_contests(client: Client, judge: User) -> None:
    draft = factories.make_contest(status=Contest.Status.DRAFT, title="準備中のコンテスト")
    shown = factories.make_contest(title="審査対象のコンテスト")
    draft.judges.add(judge)
    shown.judges.add(judge)
    client.force_login(judge)
    page = client.get(reverse("judging_home")).content.decode()
    assert "審査対象のコンテスト" in page
    assert "準備中のコンテスト" not in page
