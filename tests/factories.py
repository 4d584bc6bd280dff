"""Small factories for tests: plain functions with sensible defaults."""

import time
from datetime import timedelta
from itertools import count
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.utils import timezone

from accounts.models import Department, User
from contest.models import Category, Contest, Entry, SampleTask

PASSWORD = "correct-horse-battery-staple"
# The secret of every test authenticator app (base32, as allauth stores it).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_sequence = count(1)


def make_department(code: str = "", name_ja: str = "", name_en: str = "") -> Department:
    n = next(_sequence)
    return Department.objects.create(
        code=code or f"D{n:03d}", name_ja=name_ja or f"部署{n}", name_en=name_en or f"Dept {n}"
    )


def make_user(email: str = "", *, department: Department | None = None, **fields: Any) -> User:
    """A verified member of staff with a complete profile (the profile step would stop
    anyone else at the first page). Without a department given, the user gets one of
    their own, so two such users never count as colleagues for judging recusal."""
    n = next(_sequence)
    user = User.objects.create_user(
        email or f"user{n}@city.example.jp",
        PASSWORD,
        display_name=fields.pop("display_name", f"職員{n}"),
        department=department or make_department(),
        **fields,
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def make_newcomer(email: str = "") -> User:
    """Signed up and verified, profile not filled in yet: no display name, no department."""
    user = make_user(email)
    User.objects.filter(pk=user.pk).update(display_name="", department=None)
    user.refresh_from_db()
    return user


TOTP_SECONDS_TO_TYPE = 5


def give_authenticator_app(user: User) -> User:
    """A real TOTP authenticator, as if the user had scanned the QR code (organisers and
    judges need one before their pages open)."""
    TOTP.activate(user, TOTP_SECRET)
    return user


def totp_code(secret: str = TOTP_SECRET) -> str:
    """What an authenticator app holding `secret` shows now, with a few seconds left to type
    it: allauth accepts only the current period's code, so one read in a period's last
    moment was refused after the browser typed it (a flaky sign-in)."""
    left = mfa_settings.TOTP_PERIOD - time.time() % mfa_settings.TOTP_PERIOD
    if left < TOTP_SECONDS_TO_TYPE:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def make_contest(**fields: Any) -> Contest:
    n = next(_sequence)
    now = timezone.now()
    defaults: dict[str, Any] = {
        "slug": f"contest-{n}",
        "title": f"職員プロンプトコンテスト {n}",
        "description": "業務で役立つプロンプトを募集します。",
        "status": Contest.Status.OPEN,
        "opens_at": now - timedelta(days=1),
        "closes_at": now + timedelta(days=14),
        "model_provider": Contest.Provider.ECHO,
    }
    defaults.update(fields)
    return Contest.objects.create(**defaults)


def make_task(contest: Contest, **fields: Any) -> SampleTask:
    defaults: dict[str, Any] = {
        "title": "住民向け通知の要約",
        "input": "令和7年度の住民税の納付期限は6月30日です。",
        "variables": {"audience": "高齢者"},
        "position": contest.sample_tasks.count(),
    }
    defaults.update(fields)
    return SampleTask.objects.create(contest=contest, **defaults)


def make_category(contest: Contest, name: str = "要約") -> Category:
    return Category.objects.create(contest=contest, name=name)


def make_entry(contest: Contest, author: User, **fields: Any) -> Entry:
    defaults: dict[str, Any] = {
        "title": "通知文の3行要約",
        "purpose": "長い通知文を住民向けに短くまとめる",
        "system_prompt": "あなたは市役所の広報担当です。",
        "prompt_template": "次の文章を{{audience}}向けに3行で要約してください。\n{{input}}",
    }
    defaults.update(fields)
    return Entry.objects.create(contest=contest, author=author, **defaults)
