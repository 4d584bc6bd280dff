"""The PII guard: personal data an entrant may have typed, found before anything reaches a model.

Pure functions, no ORM and no request. The text is normalised with NFKC (full-width digits,
hyphens and parentheses become ASCII) character by character, so every position in the
normalised text maps back to a position in what was typed; findings report the original
offsets and text.

Every pattern uses bounded quantifiers and look-arounds of fixed width, so each start
position costs a bounded amount of work and a search is linear in the length of the text.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext

EMAIL = "email"
PHONE = "phone"
MY_NUMBER = "my_number"
CREDIT_CARD = "credit_card"
ADDRESS = "address"
KINDS = (EMAIL, PHONE, MY_NUMBER, CREDIT_CARD, ADDRESS)

MASK = "•"
_NUMERIC_KINDS = frozenset({PHONE, MY_NUMBER, CREDIT_CARD})


def _is_digit(ch: str) -> bool:
    return unicodedata.normalize("NFKC", ch) in "0123456789"


@dataclass(frozen=True)
class PiiFinding:
    kind: str
    text: str
    start: int
    end: int
    line: int

    @property
    def label(self) -> str:
        labels = {
            EMAIL: gettext("e-mail address"),
            PHONE: gettext("phone number"),
            MY_NUMBER: gettext("My Number (individual number)"),
            CREDIT_CARD: gettext("credit card number"),
            ADDRESS: gettext("postal code and address"),
        }
        return labels.get(self.kind, self.kind)

    @property
    def masked(self) -> str:
        """The match with its letters and digits hidden, keeping separators for its shape.

        At most the last two significant characters stay visible (fewer for short
        matches), which is enough to recognise one's own data and useless to anyone else.
        """
        is_significant = _is_digit if self.kind in _NUMERIC_KINDS else str.isalnum
        significant = sum(1 for ch in self.text if is_significant(ch))
        keep = min(2, significant // 4)
        visible_from = significant - keep
        seen = 0
        out = []
        for ch in self.text:
            if not is_significant(ch):
                out.append(ch)
                continue
            out.append(ch if seen >= visible_from else MASK)
            seen += 1
        return "".join(out)


# --- Normalisation ------------------------------------------------------------------------

# Dashes people type in numbers that NFKC leaves alone.
_DASHES = dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212", "-")
# The long-vowel mark is a dash only between digits (an IME's "090ー1234ー5678"); elsewhere
# it belongs to a word such as センター.
_LONG_VOWEL_MARKS = frozenset("\u30fc\uff70")


def _normalise(text: str) -> tuple[str, list[int]]:
    """NFKC per character, plus dash folding; returns the text and each char's origin."""
    chars: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        folded = ch if ch.isascii() else unicodedata.normalize("NFKC", ch)
        for out in folded:
            chars.append(_DASHES.get(out, out))
            origin.append(index)
    for i, ch in enumerate(chars):
        if (
            ch in _LONG_VOWEL_MARKS
            and 0 < i < len(chars) - 1
            and chars[i - 1].isdigit()
            and chars[i + 1].isdigit()
        ):
            chars[i] = "-"
    return "".join(chars), origin


# --- Patterns -----------------------------------------------------------------------------

# Not inside a longer number: no digit, "+" or "digit-"/"digit." right before, no digit or
# "-digit" right after.
_NUMBER_START = r"(?<![0-9+])(?<![0-9][-.])"
_NUMBER_END = r"(?![0-9])(?![-.][0-9])"
# A number followed by a unit or counter is an amount, a count or a document number.
_NOT_A_QUANTITY = r"(?![ ]?[円号条項件人年月日時分秒%万億千百])"

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9_%+-])"
    r"[A-Za-z0-9_%+-][A-Za-z0-9._%+-]{0,63}"
    r"@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}"
    r"(?![A-Za-z0-9-])"
)

_PHONE = re.compile(
    _NUMBER_START
    + r"""(?:
        \+81[ -]?(?:\(0\)[ -]?)?[1-9][0-9]{0,3}[ -][0-9]{1,4}[ -][0-9]{3,4}  # +81 3-1234-5678
      | \+81[ -]?(?:\(0\)[ -]?)?[1-9][0-9]{8,9}                            # +819012345678
      | 0[0-9]{1,4}[ -][0-9]{1,4}[ -][0-9]{3,4}                            # 03-1234-5678
      | 0[0-9]{1,4}\([0-9]{1,4}\)[0-9]{3,4}                                # 045(123)4567
      | \(0[0-9]{1,4}\)[ ]?[0-9]{1,4}[ -]?[0-9]{3,4}                       # (045)123-4567
      | 0[0-9]{9,10}                                                       # 09012345678
    )"""
    + _NUMBER_END,
    re.VERBOSE,
)
# Eleven-digit numbers exist only for these prefixes: M2M, IP phones, mobiles, free dial.
_ELEVEN_DIGIT_PREFIXES = ("020", "050", "060", "070", "080", "090", "0800")

# Not followed by another group of four: that is a longer number written in groups.
_MY_NUMBER = re.compile(
    _NUMBER_START
    + r"[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}"
    + _NUMBER_END
    + r"(?![ ][0-9]{4})"
    + _NOT_A_QUANTITY
)

_CARD = re.compile(_NUMBER_START + r"[0-9](?:[ -]?[0-9]){12,18}" + _NUMBER_END + _NOT_A_QUANTITY)

_PREFECTURES = (
    "北海道|東京都|京都府|大阪府|"
    "(?:青森|岩手|宮城|秋田|山形|福島|茨城|栃木|群馬|埼玉|千葉|神奈川|新潟|富山|石川|福井|"
    "山梨|長野|岐阜|静岡|愛知|三重|滋賀|兵庫|奈良|和歌山|鳥取|島根|岡山|広島|山口|徳島|"
    "香川|愛媛|高知|福岡|佐賀|長崎|熊本|大分|宮崎|鹿児島|沖縄)県"
)
_PLACE_CHARS = "\u3005\u3041-\u309f\u30a0-\u30ff\u4e00-\u9fff"
_ADDRESS = re.compile(
    r"(?:〒[ ]?[0-9]{3}-?[0-9]{4}|" + _NUMBER_START + r"[0-9]{3}-[0-9]{4})"
    r"(?![0-9])(?!-[0-9])(?!号)"
    r"[\s:,、]{0,3}"
    rf"(?:{_PREFECTURES}|[{_PLACE_CHARS}]{{1,10}}?[市区町村郡])"
    r"[^\s、。,]{0,40}"
)


# --- Validators ---------------------------------------------------------------------------


def _digits(text: str) -> str:
    return "".join(ch for ch in text if "0" <= ch <= "9")


def my_number_is_valid(digits: str) -> bool:
    """The check digit of a My Number (個人番号), as defined by the 総務省令.

    Pn is the n-th of the first eleven digits counted from the right; its weight Qn is
    n + 1 for n = 1..6 and n - 5 for n = 7..11; the check digit is 0 when the sum of
    Pn × Qn leaves a remainder of 0 or 1 modulo 11, else 11 minus the remainder.
    """
    if len(digits) != 12 or not digits.isascii() or not digits.isdigit():
        return False
    body = digits[:11]
    total = 0
    for n, digit in enumerate(reversed(body), start=1):
        weight = n + 1 if n <= 6 else n - 5
        total += int(digit) * weight
    remainder = total % 11
    check = 0 if remainder <= 1 else 11 - remainder
    return check == int(digits[11])


def luhn_is_valid(digits: str) -> bool:
    total = 0
    for position, ch in enumerate(reversed(digits)):
        value = int(ch)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


# (first digits range, lengths) of the card brands issued in Japan and abroad. Visa's old
# 13-digit numbers are left out: they are no longer issued, and 13 digits is the length of
# a 法人番号, which municipal text quotes often.
_CARD_RANGES: tuple[tuple[int, int, range], ...] = (
    (4, 4, range(16, 20, 3)),  # Visa: 16 or 19
    (51, 55, range(16, 17)),  # Mastercard
    (2221, 2720, range(16, 17)),  # Mastercard 2-series
    (34, 34, range(15, 16)),  # American Express
    (37, 37, range(15, 16)),
    (3528, 3589, range(16, 20)),  # JCB
    (300, 305, range(14, 20)),  # Diners Club
    (3095, 3095, range(14, 20)),
    (36, 36, range(14, 20)),
    (38, 39, range(14, 20)),
    (6011, 6011, range(16, 20)),  # Discover
    (644, 649, range(16, 20)),
    (65, 65, range(16, 20)),
    (62, 62, range(16, 20)),  # UnionPay
    (50, 50, range(16, 20)),  # Maestro
    (56, 58, range(16, 20)),
)


def _card_prefix_is_plausible(digits: str) -> bool:
    for low, high, lengths in _CARD_RANGES:
        width = len(str(low))
        if low <= int(digits[:width]) <= high and len(digits) in lengths:
            return True
    return False


def _phone_is_valid(matched: str) -> bool:
    if matched.startswith("+"):
        national = "0" + _digits(matched.replace("(0)", ""))[2:]
    else:
        national = _digits(matched)
    if len(national) == 10:
        return national[1] != "0"
    if len(national) == 11:
        return national.startswith(_ELEVEN_DIGIT_PREFIXES)
    return False


def _card_end(normalised: str, start: int, end: int) -> int | None:
    """The end of the longest valid card number in this run of digits, if any.

    The run may have swallowed a number written after the card ("4111 … 1111 12"), so
    shorter candidates that end at a group boundary are tried as well.
    """
    for stop in range(end, start, -1):
        if stop != end and normalised[stop] not in " -":
            continue
        digits = _digits(normalised[start:stop])
        if len(digits) < 13:
            return None
        if luhn_is_valid(digits) and _card_prefix_is_plausible(digits):
            return stop
    return None


# --- Search -------------------------------------------------------------------------------


def _spans(normalised: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) in the normalised text, possibly overlapping."""
    spans: list[tuple[str, int, int]] = []
    for match in _EMAIL.finditer(normalised):
        spans.append((EMAIL, match.start(), match.end()))
    for match in _PHONE.finditer(normalised):
        if _phone_is_valid(match.group()):
            spans.append((PHONE, match.start(), match.end()))
    for match in _MY_NUMBER.finditer(normalised):
        if my_number_is_valid(_digits(match.group())):
            spans.append((MY_NUMBER, match.start(), match.end()))
    for match in _CARD.finditer(normalised):
        stop = _card_end(normalised, match.start(), match.end())
        if stop is not None:
            spans.append((CREDIT_CARD, match.start(), stop))
    for match in _ADDRESS.finditer(normalised):
        spans.append((ADDRESS, match.start(), match.end()))
    return spans


def find_personal_data(text: str) -> list[PiiFinding]:
    """Personal data in `text`, ordered by position; overlapping matches keep the longest."""
    if not text:
        return []
    normalised, origin = _normalise(text)
    findings: list[PiiFinding] = []
    taken_until = 0
    for kind, n_start, n_end in sorted(_spans(normalised), key=lambda s: (s[1], -s[2])):
        start = origin[n_start]
        end = origin[n_end - 1] + 1
        if start < taken_until:
            continue
        findings.append(
            PiiFinding(
                kind=kind,
                text=text[start:end],
                start=start,
                end=end,
                line=text.count("\n", 0, start) + 1,
            )
        )
        taken_until = end
    return findings
