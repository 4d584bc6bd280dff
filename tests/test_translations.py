"""The Japanese catalogue: complete, in step with the source, compiled, and used.

Japanese is the site's default language, so an untranslated string shows up in English in
front of every member of staff. These tests fail when a new string has no translation yet,
and the failure lists the strings to translate (in `locale/ja/LC_MESSAGES/django.po`, then
`python manage.py compilemessages -l ja --ignore=.venv`).
"""

import ast
import gettext
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.services import require

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = BASE_DIR / "locale" / "ja" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"

# What `makemessages` reads: the project's source, nothing else.
SOURCE_FOLDERS = ("accounts", "config", "contest", "judging", "gallery", "templates")
MAKEMESSAGES_IGNORES = [
    f"--ignore={name}" for name in (".venv", "staticfiles", "var", "tests", "bench")
]
GETTEXT_TOOLS = ("xgettext", "msguniq", "msgmerge", "msgfmt")

# `%(name)s`, `%s`, `%%`, `{name}`/`{{ name }}` and HTML tags must survive translation as they are.
MARKUP = re.compile(r"%\(\w+\)[sdif]|%[sdif%]|\{\{?\s*\w+\s*\}?\}|</?[a-zA-Z][^>]*>")


@dataclass
class Message:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str | None, str]:
        return self.msgctxt, self.msgid

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values()) and "fuzzy" not in self.flags

    def describe(self) -> str:
        where = f"  ({', '.join(self.references[:3])})" if self.references else ""
        context = f"[{self.msgctxt}] " if self.msgctxt else ""
        return f"{context}{self.msgid!r}{where}"


def _unquote(text: str) -> str:
    # A .po string is a C string; for the escapes gettext writes, Python's are the same.
    return str(ast.literal_eval(text))


def parse_po(path: Path) -> list[Message]:
    """Every message of a .po file in order, the header (msgid "") first; obsolete ones skipped."""
    messages: list[Message] = []
    current: Message | None = None
    comments: tuple[set[str], list[str]] = (set(), [])
    target: tuple[str, int] = ("msgid", 0)

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("#,"):
            comments[0].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#:"):
            comments[1].extend(line[2:].split())
        elif not line or line.startswith("#"):
            continue
        elif line.startswith("msgctxt ") or (line.startswith("msgid ") and target[0] != "msgctxt"):
            # A message starts at its msgctxt, or at its msgid when it has no context.
            keyword, _, value = line.partition(" ")
            current = Message(msgid="", flags=comments[0], references=comments[1])
            comments = (set(), [])
            messages.append(current)
            setattr(current, keyword, _unquote(value))
            target = (keyword, 0)
        elif current is None:
            raise ValueError(f"{path}: unexpected line {line!r}")
        elif line.startswith(("msgid ", "msgid_plural ")):  # after msgctxt / msgid
            keyword, _, value = line.partition(" ")
            setattr(current, keyword, _unquote(value))
            target = (keyword, 0)
        elif line.startswith("msgstr"):
            keyword, _, value = line.partition(" ")
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            current.msgstr[index] = _unquote(value)
            target = ("msgstr", index)
        elif line.startswith('"'):
            keyword, index = target
            if keyword == "msgstr":
                current.msgstr[index] += _unquote(line)
            else:
                setattr(current, keyword, (getattr(current, keyword) or "") + _unquote(line))
        else:
            raise ValueError(f"{path}: unexpected line {line!r}")
    return messages


def _header(messages: list[Message]) -> Message:
    assert messages and messages[0].msgid == "", 'The catalogue has no header (msgid "").'
    return messages[0]


def _require_gettext_tools() -> None:
    missing = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    require(
        not missing,
        f"GNU gettext is not installed ({', '.join(missing)} missing): apt-get install gettext",
    )


@pytest.fixture(scope="module")
def committed() -> list[Message]:
    assert PO_FILE.exists(), f"{PO_FILE} is missing: run makemessages -l ja and translate it."
    return parse_po(PO_FILE)


@pytest.fixture(scope="module")
def from_source(tmp_path_factory: pytest.TempPathFactory) -> list[Message]:
    """The catalogue `makemessages` makes from the current source, in a copy of the project
    (so the committed catalogue is not touched)."""
    _require_gettext_tools()
    project = tmp_path_factory.mktemp("i18n-project")
    for name in SOURCE_FOLDERS:
        shutil.copytree(
            BASE_DIR / name, project / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy2(BASE_DIR / "manage.py", project / "manage.py")
    (project / "locale").mkdir()
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ja", *MAKEMESSAGES_IGNORES],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    return parse_po(project / "locale" / "ja" / "LC_MESSAGES" / "django.po")


# --- The committed catalogue ------------------------------------------------------------------


def test_catalogue_header_declares_japanese_with_one_plural_form(committed: list[Message]) -> None:
    header = _header(committed)

    # A fuzzy header is dropped by msgfmt, and Japanese plurals would then fall back to
    # English's two forms.
    assert "fuzzy" not in header.flags
    assert "Language: ja\n" in header.msgstr[0]
    assert "Content-Type: text/plain; charset=UTF-8\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header.msgstr[0]


def test_every_message_has_a_translation_and_none_is_fuzzy(committed: list[Message]) -> None:
    messages = committed[1:]
    untranslated = [message.describe() for message in messages if not message.translated]

    assert messages, "The catalogue has no messages."
    assert not untranslated, (
        f"{len(untranslated)} message(s) in {PO_FILE.relative_to(BASE_DIR)} are empty or "
        "fuzzy; translate them and remove the fuzzy flag:\n" + "\n".join(untranslated)
    )


def test_plural_messages_have_exactly_one_japanese_form(committed: list[Message]) -> None:
    wrong = [
        message.describe()
        for message in committed[1:]
        if message.msgid_plural is not None and sorted(message.msgstr) != [0]
    ]

    assert not wrong, "Japanese has one plural form: give only msgstr[0] for:\n" + "\n".join(wrong)


def test_translations_keep_placeholders_and_html(committed: list[Message]) -> None:
    broken = []
    for message in committed[1:]:
        if not message.translated:
            continue  # reported by the test above
        sources = [message.msgid] + ([message.msgid_plural] if message.msgid_plural else [])
        expected = sorted(set().union(*(MARKUP.findall(text) for text in sources)))
        for translation in message.msgstr.values():
            found = sorted(set(MARKUP.findall(translation)))
            if found != expected:
                broken.append(f"{message.describe()}: expected {expected}, found {found}")

    assert not broken, "Placeholders or HTML changed in translation:\n" + "\n".join(broken)


# --- In step with the source ------------------------------------------------------------------


def test_catalogue_translates_every_string_in_the_source(
    committed: list[Message], from_source: list[Message]
) -> None:
    translated = {message.key for message in committed[1:] if message.translated}
    missing = [message.describe() for message in from_source[1:] if message.key not in translated]

    assert from_source[1:], "makemessages found no strings in the source."
    assert not missing, (
        f"{len(missing)} string(s) in the source have no Japanese translation. Run\n"
        "  python manage.py makemessages -l ja --ignore=.venv --ignore=staticfiles "
        "--ignore=var --ignore=tests --ignore=bench --no-obsolete --no-location\n"
        f"translate them in {PO_FILE.relative_to(BASE_DIR)}, then run\n"
        "  python manage.py compilemessages -l ja --ignore=.venv\n"
        "Missing:\n" + "\n".join(missing)
    )


def test_compiled_catalogue_is_up_to_date_with_the_po_file(tmp_path: Path) -> None:
    _require_gettext_tools()
    assert MO_FILE.exists(), f"{MO_FILE} is missing: run compilemessages -l ja."
    fresh = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(fresh), str(PO_FILE)],
        check=True,
        capture_output=True,
        timeout=60,
    )

    with MO_FILE.open("rb") as committed_mo, fresh.open("rb") as fresh_mo:
        committed_catalog = vars(gettext.GNUTranslations(committed_mo))["_catalog"]
        fresh_catalog = vars(gettext.GNUTranslations(fresh_mo))["_catalog"]

    stale = sorted(
        repr(key) for key in committed_catalog.keys() ^ fresh_catalog.keys() if key != ""
    ) + sorted(
        repr(key)
        for key in committed_catalog.keys() & fresh_catalog.keys()
        if key != "" and committed_catalog[key] != fresh_catalog[key]
    )
    assert not stale, (
        "django.mo does not match django.po; run compilemessages -l ja. Differences:\n"
        + "\n".join(stale[:50])
    )


# --- Used by the site -------------------------------------------------------------------------


def test_home_page_is_in_japanese_by_default(client: Client, db: None) -> None:
    page = client.get("/").content.decode()

    assert '<html lang="ja">' in page
    assert "参加の流れ" in page  # "How it works"
    assert "ログイン" in page  # "Sign in"
    assert "How it works" not in page


def test_home_page_is_in_english_with_the_language_cookie(client: Client, db: None) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get("/").content.decode()

    assert '<html lang="en">' in page
    assert "How it works" in page
    assert "Sign in" in page
    assert "参加の流れ" not in page
