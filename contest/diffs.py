"""Differences between two texts (two revisions of an entry), as HTML. Pure: no ORM, no
request.

Lines are compared with Python's difflib. A line that was changed (rather than only added
or removed) is shown twice, old above new, with the characters that differ marked: prompts
in Japanese have no spaces between words, so words are no unit to compare by. Every piece
of text is escaped here; the result is safe to put on a page as it is. Lines removed are in
`<del>`, lines added in `<ins>`, and each starts with a visually hidden word ("Removed:",
"Added:") so that a screen reader says what a colour shows.

Limits: a whole-text comparison is quadratic in the worst case; prompts are at most 8,000
characters (MAX_PROMPT_CHARS), where it stays in milliseconds.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from html import escape

from django.utils.translation import gettext as _

# Two lines at least this alike (difflib's ratio) have their differing characters marked.
SIMILAR = 0.5


@dataclass(frozen=True)
class TextDiff:
    """Two texts compared: `html` is the whole of the new text with what changed marked."""

    html: str
    changed: bool
    added: int  # lines
    removed: int


def _marked(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` escaped, with each (start, end) span in <mark>."""
    out: list[str] = []
    at = 0
    for start, end in spans:
        out.append(escape(text[at:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        at = end
    out.append(escape(text[at:]))
    return "".join(out)


def _changed_spans(old: str, new: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The character spans that differ, in the old line and in the new one (none when the
    lines have little in common)."""
    old_spans: list[tuple[int, int]] = []
    new_spans: list[tuple[int, int]] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    if matcher.ratio() < SIMILAR:
        return [], []  # a line rewritten: marking scattered characters would only be noise
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1:
            old_spans.append((i1, i2))
        if j2 > j1:
            new_spans.append((j1, j2))
    return old_spans, new_spans


def _line(kind: str, content: str) -> str:
    if kind == "same":
        return f'<li class="diff-same">{content or "&nbsp;"}</li>'
    if kind == "removed":
        label = escape(_("Removed:"))
        return (
            f'<li class="diff-removed"><span class="visually-hidden">{label} </span>'
            f"<del>{content or '&nbsp;'}</del></li>"
        )
    label = escape(_("Added:"))
    return (
        f'<li class="diff-added"><span class="visually-hidden">{label} </span>'
        f"<ins>{content or '&nbsp;'}</ins></li>"
    )


def _lines(old: list[str], new: list[str]) -> Iterator[tuple[str, str]]:
    """(kind, escaped and marked content) for every line, in reading order."""
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for line in new[j1:j2]:
                yield "same", escape(line)
        elif tag == "replace":
            # Line for line as far as both sides go, marking what changed inside each
            # pair; the lines one side has more of are plainly removed or added.
            paired = min(i2 - i1, j2 - j1)
            for old_line, new_line in zip(
                old[i1 : i1 + paired], new[j1 : j1 + paired], strict=True
            ):
                old_spans, new_spans = _changed_spans(old_line, new_line)
                yield "removed", _marked(old_line, old_spans)
                yield "added", _marked(new_line, new_spans)
            for line in old[i1 + paired : i2]:
                yield "removed", escape(line)
            for line in new[j1 + paired : j2]:
                yield "added", escape(line)
        else:
            for line in old[i1:i2]:
                yield "removed", escape(line)
            for line in new[j1:j2]:
                yield "added", escape(line)


def text_diff(old: str, new: str) -> TextDiff:
    """Compare two texts line by line; the HTML is an ordered list of lines."""
    if old == new:
        body = "".join(_line("same", escape(line)) for line in new.split("\n")) if new else ""
        return TextDiff(
            html=f'<ol class="diff">{body}</ol>' if body else "", changed=False, added=0, removed=0
        )
    lines = list(_lines(old.split("\n") if old else [], new.split("\n") if new else []))
    body = "".join(_line(kind, content) for kind, content in lines)
    return TextDiff(
        html=f'<ol class="diff">{body}</ol>',
        changed=True,
        added=sum(1 for kind, _content in lines if kind == "added"),
        removed=sum(1 for kind, _content in lines if kind == "removed"),
    )
