"""Blind judging: where an entry's words name its author. Pure: text in, findings out.

Judges must not learn who wrote an entry. Before judging starts, the organiser sees every
entry whose title, purpose, prompts, usage notes or run outputs contain its author's

- display name, whole (with or without the space between family and given name) or any
  part of it of two characters or more (`高橋 美咲` → `高橋美咲`, `高橋`, `美咲`);
- e-mail address, or the part before the `@` when it has three characters or more;
- department name, in Japanese and in English;

and writes a redacted copy judges read instead. Text is compared after NFKC folding and
case folding, so full-width letters, half-width kana and capitals do not hide a name.

Limits, on purpose: a name written another way (kana for kanji, romaji, a nickname) is
not found; one-character name parts are not searched (they would flag most Japanese text);
screenshots are not read. A finding is a prompt for the organiser to look, not proof.
"""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

NAME = "name"
EMAIL = "email"
DEPARTMENT = "department"

MIN_NAME_PART = 2
MIN_EMAIL_LOCAL_PART = 3
EXCERPT_CHARS = 24
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class AuthorIdentity:
    display_name: str
    email: str
    department_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mention:
    field: str  # the text's key: "title", "usage_notes", "run:42", …
    kind: str  # NAME, EMAIL or DEPARTMENT
    term: str  # what was searched for, as the identity spells it
    excerpt: str  # the words around the first match, folded


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _name_terms(display_name: str) -> list[tuple[str, re.Pattern[str]]]:
    parts = _SPACES.split(fold(display_name).strip())
    parts = [part for part in parts if part]
    if not parts:
        return []
    # The whole name matches with any spacing (or none) between its parts.
    terms = [(display_name.strip(), re.compile(r"\s*".join(re.escape(p) for p in parts)))]
    if len(parts) > 1:
        terms += [(p, re.compile(re.escape(p))) for p in parts if len(p) >= MIN_NAME_PART]
    return terms


def search_terms(identity: AuthorIdentity) -> list[tuple[str, str, re.Pattern[str]]]:
    """(kind, term, pattern) for everything that would give the author away."""
    terms = [(NAME, term, pattern) for term, pattern in _name_terms(identity.display_name)]
    email = identity.email.strip()
    if email:
        terms.append((EMAIL, email, re.compile(re.escape(fold(email)))))
        local = email.split("@")[0]
        if len(local) >= MIN_EMAIL_LOCAL_PART and local != email:
            terms.append((EMAIL, local, re.compile(re.escape(fold(local)))))
    for name in identity.department_names:
        if name.strip():
            terms.append((DEPARTMENT, name.strip(), re.compile(re.escape(fold(name.strip())))))
    return terms


def _excerpt(text: str, start: int, end: int) -> str:
    before = text[max(0, start - EXCERPT_CHARS) : start]
    after = text[end : end + EXCERPT_CHARS]
    prefix = "…" if start > EXCERPT_CHARS else ""
    suffix = "…" if end + EXCERPT_CHARS < len(text) else ""
    return f"{prefix}{before}[{text[start:end]}]{after}{suffix}".replace("\n", " ")


def find_mentions(texts: Mapping[str, str], identity: AuthorIdentity) -> list[Mention]:
    """Every (text, term) pair where the term occurs, in the order of `texts` then terms.

    A term found inside a longer term's match (the family name inside the whole name) is
    reported once, as the longer term.
    """
    terms = search_terms(identity)
    mentions = []
    for field, text in texts.items():
        folded = fold(text)
        covered: list[tuple[int, int]] = []
        for kind, term, pattern in sorted(terms, key=lambda t: -len(t[1])):
            for match in pattern.finditer(folded):
                if any(s <= match.start() and match.end() <= e for s, e in covered):
                    continue
                covered.append(match.span())
                mentions.append(
                    Mention(field, kind, term, _excerpt(folded, match.start(), match.end()))
                )
                break
    return mentions
