"""The PII guard: personal data someone typed, found before anything reaches a model.

Pure functions, no ORM and no request. The text is first folded so that the ways people
write (or disguise) the same data look alike: NFKC character by character (full-width
digits, letters, ＠ and U+3000 become ASCII), every dash (‐ - – — ― − －, and ー between
digits) becomes "-", 〜 and ～ become "~", and zero-width characters (U+200B–U+200D,
U+2060, U+FEFF, the soft hyphen) are dropped. Findings report the offsets and text of
what was typed, not of the folded text.

What it finds:
- e-mail addresses, also with spaces around "@" and "." (``taro . yamada @ city . example
  . jp``), with (at)/[at]/★ for "@" and (dot)/[dot] for ".";
- Japanese phone numbers (fixed, mobile, IP, free dial, +81), with "-", ".", "/", "~",
  spaces or spaced hyphens between the groups, and a public office's number as well: the
  guard cannot tell whose number it is;
- My Number (12 digits whose check digit is right), credit card numbers (Luhn and a card
  brand's prefix and length), with the same separators;
- addresses: a postal code followed by a place; a place followed by 丁目・番地・番…号
  (digits or kanji numerals); a place name followed by a block of three numbers
  (``千代田1-1-1``) unless the word before it is a document, date or other non-place word;
  a municipality (…市, …区, …郡, a prefecture) followed by a town name and a number
  (``横浜市中区日本大通1``).

What it leaves alone on purpose: place names and offices without a house number
(``横須賀市役所 市民課``, ``港区六本木6丁目``: an area, not a dwelling), counts, amounts,
dates, times, document and article numbers (``第2025-123号``, ``第3条第2項``), section
numbering (``資料1-2-3``), placeholders (``{{address}}``, ``〇〇町〇丁目``), a postal code
alone, a town name with one or two numbers and no municipality before it (``本町2-3``),
and names of people (no list of names can tell them from words).

Every pattern uses bounded quantifiers and look-arounds of fixed width, and the place
name before a number is read backwards at most `_MAX_PLACE_CHARS` characters, so each
position costs a bounded amount of work and a search is linear in the length of the text.
"""

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext

EMAIL = "email"
PHONE = "phone"
MY_NUMBER = "my_number"
CREDIT_CARD = "credit_card"
ADDRESS = "address"

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
            ADDRESS: gettext("address"),
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

# Folded after NFKC: dashes NFKC leaves alone, wave dashes, invisible characters, tabs.
_FOLDS = {
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2e3a\u2e3b", "-"),
    **dict.fromkeys("\u301c\u3030\u223c", "~"),
    **dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff", ""),
    "\t": " ",
}
# The long-vowel mark and box-drawing lines are dashes only between digits (an IME's
# "090ー1234ー5678"); elsewhere they belong to a word such as センター.
_DASH_BETWEEN_DIGITS = re.compile(r"(?<=[0-9])([ ]{0,2})[\u30fc\u2500\u2501]([ ]{0,2})(?=[0-9])")


class _FoldTable(dict[int, str]):
    """A `str.translate` table that folds each character once and remembers the result.

    It also remembers which characters fold to zero or several characters: as long as a
    text has none of them, each folded position is the typed position.
    """

    def __init__(self) -> None:
        super().__init__()
        # Replaced, never changed in place: a reader in another thread keeps its snapshot.
        self.reshaping: frozenset[str] = frozenset()

    def __missing__(self, code: int) -> str:
        folded = "".join(_FOLDS.get(ch, ch) for ch in unicodedata.normalize("NFKC", chr(code)))
        if len(folded) != 1:
            self.reshaping = self.reshaping | {chr(code)}
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def _normalise(text: str) -> str:
    folded = text.translate(_FOLD_TABLE)
    if "\u30fc" in folded or "\u2500" in folded or "\u2501" in folded:
        folded = _DASH_BETWEEN_DIGITS.sub(r"\1-\2", folded)
    return folded


def _origins(text: str) -> Sequence[int]:
    """For each character of the folded text, the index of the typed character it came from.

    Folding a character gives zero, one or more characters; the dash substitution keeps
    lengths, so this mapping holds for the folded text. Call it after `_normalise(text)`.
    """
    reshaping = _FOLD_TABLE.reshaping
    if reshaping.isdisjoint(text):
        return range(len(text))
    origin: list[int] = []
    done = 0
    for match in _any_of(reshaping).finditer(text):
        index = match.start()
        origin.extend(range(done, index))
        origin.extend([index] * len(_FOLD_TABLE[ord(text[index])]))
        done = index + 1
    origin.extend(range(done, len(text)))
    return origin


@functools.lru_cache(maxsize=8)
def _any_of(chars: frozenset[str]) -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(ch) for ch in sorted(chars)) + "]")


# --- Numbers ------------------------------------------------------------------------------

# Between the groups of a number: "-", ".", "/", "~" with up to two spaces around, or spaces.
_SEP = r"(?:[ ]{0,2}[-./~][ ]{0,2}|[ ]{1,2})"
_SEP_CHARS = " -./~"
# Not inside a longer number: no digit, "+" or "digit-"/"digit." right before, no digit or
# "-digit"/".digit" right after. "/" and "~" separate numbers as often as they join groups
# ("03-1234-5678/03-1234-5679"), so they do not extend a number here.
_NUMBER_START = r"(?<![0-9+])(?<![0-9][-.])"
_NUMBER_END = r"(?![0-9])(?![-.][0-9])"
# A number followed by a unit or counter is an amount, a count or a document number.
_NOT_A_QUANTITY = r"(?![ ]?[円号条項件人年月日時分秒%万億千百])"

# Each pattern opens with a look-ahead at its possible first characters: `re` then skips
# every other position at once instead of trying the look-behinds there.
_PHONE = re.compile(
    r"(?=[0-9+(])"
    + _NUMBER_START
    + rf"""(?:
        \+81{_SEP}?(?:\(0\){_SEP}?)?[1-9][0-9]{{0,3}}{_SEP}[0-9]{{1,4}}{_SEP}[0-9]{{3,4}}
      | \+81{_SEP}?(?:\(0\){_SEP}?)?[1-9][0-9]{{8,9}}            # +819012345678
      | 0[0-9]{{1,4}}{_SEP}[0-9]{{1,4}}{_SEP}[0-9]{{3,4}}         # 03-1234-5678
      | 0[0-9]{{1,5}}{_SEP}[0-9]{{4,9}}                          # 03-12345678
      | 0[0-9]{{1,4}}[ ]?\([0-9]{{1,4}}\)[ ]?[0-9]{{3,4}}         # 045(123)4567
      | \(0[0-9]{{1,4}}\)[ ]{{0,2}}[0-9]{{1,4}}{_SEP}?[0-9]{{3,4}}  # (045)123-4567
      | 0[0-9]{{9,10}}                                            # 09012345678
    )"""
    + _NUMBER_END,
    re.VERBOSE,
)
# Eleven-digit numbers exist only for these prefixes: M2M, IP phones, mobiles, free dial.
_ELEVEN_DIGIT_PREFIXES = ("020", "050", "060", "070", "080", "090", "0800")

# Not followed by another group of four: that is a longer number written in groups.
_MY_NUMBER = re.compile(
    r"(?=[0-9])"
    + _NUMBER_START
    + rf"[0-9]{{4}}{_SEP}?[0-9]{{4}}{_SEP}?[0-9]{{4}}"
    + _NUMBER_END
    + rf"(?!{_SEP}[0-9]{{4}})"
    + _NOT_A_QUANTITY
)

_CARD = re.compile(
    r"(?=[0-9])"
    + _NUMBER_START
    + rf"[0-9](?:{_SEP}?[0-9]){{12,18}}"
    + _NUMBER_END
    + _NOT_A_QUANTITY
)

# --- E-mail -------------------------------------------------------------------------------

# "@" as typed or spelt out, spaces around it allowed; a "." with spaces on both sides or
# none (so "noon. Thanks" is not a domain), or spelt out.
_AT = r"(?:[ ]{0,2}(?:@|★|\(at\)|\[at\])[ ]{0,2})"
_DOT = r"(?:\.|[ ]{1,2}\.[ ]{1,2}|[ ]{0,2}(?:\(dot\)|\[dot\])[ ]{0,2})"
_LOCAL_CHAR = r"[A-Za-z0-9_%+-]"
_LABEL = r"[A-Za-z0-9-]{1,63}"
# Most text has no "@" at all; then the e-mail pattern need not run.
_AT_SIGN = re.compile(r"@|★|\(at\)|\[at\]", re.IGNORECASE)
_EMAIL = re.compile(
    rf"(?={_LOCAL_CHAR})(?<![A-Za-z0-9_%+-])"
    rf"{_LOCAL_CHAR}{{1,64}}(?:{_DOT}{_LOCAL_CHAR}{{1,64}}){{0,8}}"
    rf"{_AT}{_LABEL}(?:{_DOT}{_LABEL}){{0,8}}{_DOT}[A-Za-z]{{2,24}}"
    r"(?![A-Za-z0-9-])",
    re.IGNORECASE,
)

# --- Addresses ----------------------------------------------------------------------------

_PREFECTURES = (
    "北海道|東京都|京都府|大阪府|"
    "(?:青森|岩手|宮城|秋田|山形|福島|茨城|栃木|群馬|埼玉|千葉|神奈川|新潟|富山|石川|福井|"
    "山梨|長野|岐阜|静岡|愛知|三重|滋賀|兵庫|奈良|和歌山|鳥取|島根|岡山|広島|山口|徳島|"
    "香川|愛媛|高知|福岡|佐賀|長崎|熊本|大分|宮崎|鹿児島|沖縄)県"
)
_PREFECTURE = re.compile(_PREFECTURES)
_PLACE_CHARS = "\u3005\u3041-\u309f\u30a0-\u30ff\u4e00-\u9fff"
# A place after a postal code: a prefecture or a municipality, not a sentence going on
# with a particle ("231-0017 は中区の番号です").
_POSTAL_ADDRESS = re.compile(
    r"(?=[〒0-9])(?:〒[ ]?[0-9]{3}[ ]?-?[ ]?[0-9]{4}|" + _NUMBER_START + r"[0-9]{3}-[0-9]{4})"
    r"(?![0-9])(?!-[0-9])(?!号)"
    r"[\s:,、]{0,3}"
    rf"(?:{_PREFECTURES}|(?![はをにでへもやのがと])[{_PLACE_CHARS}]{{1,10}}?[市区町村郡])"
    r"[^\s、。,]{0,40}"
)

# House numbers. Kanji numerals count only before 丁目, 番 or 号: 〇 is left out, as
# 〇〇町〇丁目〇番〇号 is how a form shows where the address goes.
_NUM = r"[1-9][0-9]{0,3}"
_KANJI_NUM = r"[一二三四五六七八九十百千]{1,5}"
_ANY_NUM = rf"(?:{_NUM}|{_KANJI_NUM})"
_NUMBERS = re.compile(r"[0-9]+|[一二三四五六七八九十百千]+")
# Not a count, an amount or a longer number: what follows a house number.
_HOUSE_NUMBER_END = (
    r"(?![0-9])(?![-.,:/][0-9])"
    r"(?![ ]?[件人円年月日時分秒%万億千百回台枚本個歳名世戸棟階度倍割])"
)
_ADDRESS_NUMBER = re.compile(
    r"(?=[0-9一二三四五六七八九十百千])"
    + _NUMBER_START
    + rf"""(?:
        (?P<marked>
            {_ANY_NUM}丁目[ ]?(?:
                {_NUM}(?:番地?(?:[ ]?[の-]?[ ]?{_ANY_NUM}号?)?|(?:[-の]{_NUM}){{1,3}}|号)?
              | {_KANJI_NUM}番地?(?:の?{_ANY_NUM}号?)?
            )
          | {_ANY_NUM}番地(?:[ ]?[の-]?[ ]?{_ANY_NUM}号?)?
          | {_ANY_NUM}番[ ]?{_ANY_NUM}号
        )
      | (?P<blocks>[1-9][0-9]{{0,2}}[-の]{_NUM}[-の]{_NUM}(?:-{_NUM})?(?!号(?!室)))
      | (?<=[{_PLACE_CHARS}])(?P<single>{_NUM}(?:-{_NUM})?(?=$|[\s、。,.・()「」『』【】/:;!?]))
    )"""
    + _HOUSE_NUMBER_END,
    re.VERBOSE,
)

# How far back the place name before a house number is read.
_MAX_PLACE_CHARS = 30
_MUNICIPALITY_SUFFIXES = "市区町村郡"
_AREA_SUFFIXES = "都道府県" + _MUNICIPALITY_SUFFIXES
# Hiragana that end a word rather than belong to a place name written in kana.
_PARTICLES = frozenset("はをにでへもやのがと")
# Words that, right before a block of numbers, make it a reference, a date, a score or an
# office rather than a house number ("資料1-2-3", "令和7-6-30", "会議室1"). A single
# character is here only when no common town name ends with it: 日 (春日), 分 (国分),
# 口 (山口) and 名 (桑名) are not.
_NOT_PLACES = tuple(
    " ".join(
        (
            # references and numbering
            "第 図 表 条 項 号 章 節 款 編 版 頁 案 例 問 式 録 番号 記号 資料 別紙 別記 別添",
            "様式 附則 付則 参照 参考 添付 項目 手順 段階 区分 分類 科目 事業 施策 目標 計画",
            "方針 取組 政策 指標 規則 要綱 規程 条例 議案 議題 課題 案件 通知 文書 報告 質問",
            "回答 意見 要望 提案 事例 設問 コード ページ ステップ レベル パターン ケース",
            # dates and times
            "令和 平成 昭和 大正 明治 西暦 年度 期 日付 日時 締切 期限 期日",
            # scores, amounts and counts
            "点 位 回 比 率 計 評価 配点 割合 得点 点数 順位 結果 成績 予算",
            "金額 人口 世帯 職員",
            # telephone
            "電話 内線 携帯",
            # offices, rooms, stations and areas
            "室 課 係 局 庁 階 駅 線 出口 入口 会 役所 役場 庁舎 支所 出張所 事務所 研究所 保健所",
            "相談所 窓口 センター 学校 会館 公民館 図書館 体育館 美術館 博物館 保育園 幼稚園",
            "公園 本部 支部 町村 区域 地区 地域 全域 市内 区内 町内",
        )
    ).split()
)
# Blocks of numbers with the place before them: a bare place name needs at least this many
# characters, a town after a municipality this many.
_MIN_PLACE_CHARS = 2


def _is_kanji(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or ch in "\u3005\u3006"


def _is_katakana(ch: str) -> bool:
    return "\u30a1" <= ch <= "\u30fa" or ch == "\u30fc"


def _is_hiragana(ch: str) -> bool:
    return "\u3041" <= ch <= "\u3096"


def _place_start(text: str, end: int) -> int:
    """Where the place name that ends at `end` starts (`end` itself when there is none)."""
    limit = max(0, end - _MAX_PLACE_CHARS)
    i = end
    while i > limit:
        width = _place_chars_before(text, i, end, limit)
        if not width:
            break
        i -= width
    return i


def _place_chars_before(text: str, i: int, end: int, limit: int) -> int:
    """How many characters right before `i` belong to the place name ending at `end`.

    Kanji and katakana do; digits only before 条 or 線 (北1条西2丁目: Hokkaido's street
    grids number their blocks); の and が only inside a name (丸の内, 霞が関), not as a
    particle after a municipality (横浜市の…); other hiragana only as a name written in
    kana before its suffix (さいたま市) or after its municipality (西区みなとみらい); a
    single space (an ideographic space, folded) only after a municipality or prefecture.
    """
    ch = text[i - 1]
    if _is_kanji(ch) or _is_katakana(ch):
        return 1
    started = i < end
    if "0" <= ch <= "9":
        if not (started and text[i] in "条線"):
            return 0
        j = i - 1
        while j > limit and "0" <= text[j - 1] <= "9":
            j -= 1
        return i - j
    before = text[i - 2] if i - 1 > limit else ""
    if ch == " ":
        return int(started and before != "" and before in _AREA_SUFFIXES)
    if not _is_hiragana(ch):
        return 0
    if ch in "のが" and started and _is_kanji(text[i]) and before != "" and _is_kanji(before):
        return int(before not in _AREA_SUFFIXES)
    j = i
    if started and text[i] in _MUNICIPALITY_SUFFIXES:
        while j > limit and _is_hiragana(text[j - 1]) and text[j - 1] not in _PARTICLES:
            j -= 1
        return i - j
    if started:
        return 0
    while j > limit and _is_hiragana(text[j - 1]):
        j -= 1
    return i - j if j > 0 and text[j - 1] in _MUNICIPALITY_SUFFIXES else 0


def _town_after_area(place: str) -> str | None:
    """What follows the first municipality or prefecture in `place`, or None without one."""
    prefecture = _PREFECTURE.search(place)
    first = prefecture.end() if prefecture else None
    for k in range(1, len(place)):
        if first is not None and k >= first:
            break
        ch, before = place[k], place[k - 1]
        if ch not in _MUNICIPALITY_SUFFIXES or before in _AREA_SUFFIXES or before in "のが ":
            continue
        # 町 and 村 end a municipality's name only after two characters (箱根町); 本町 is a
        # town within one.
        if ch in "町村" and k < 2:
            continue
        first = k + 1
        break
    if first is None:
        return None
    return place[first:].lstrip(" ")


def _address_start(text: str, match: re.Match[str]) -> int | None:
    """Where the address that ends with this house number starts, or None if it is not one."""
    start = match.start()
    if match.lastgroup == "marked":
        place_start = _place_start(text, start)
        # Without a place before it, a part such as 1丁目1番地 or 10番地 is how a text
        # describes an area ("1丁目1番地から10番地まで"); all three numbers are a dwelling.
        if place_start == start and len(_NUMBERS.findall(match.group())) < 3:
            return None
        return place_start
    spaced = start > 0 and text[start - 1] == " "
    place_end = start - 1 if spaced else start
    place_start = _place_start(text, place_end)
    place = text[place_start:place_end]
    if not place or place.endswith(_NOT_PLACES):
        return None
    town = _town_after_area(place)
    if match.lastgroup == "blocks":
        if town is not None:
            return place_start
        is_bare_name = not spaced and len(place) >= _MIN_PLACE_CHARS and _is_kanji(place[-1])
        return place_start if is_bare_name else None
    # A single number or two: only a town after a municipality makes it a house number.
    if spaced or town is None or len(town) < _MIN_PLACE_CHARS:
        return None
    if not (_is_kanji(town[-1]) or _is_katakana(town[-1]) or all(map(_is_hiragana, town))):
        return None
    return place_start


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
        if stop != end and normalised[stop] not in _SEP_CHARS:
            continue
        if not normalised[stop - 1].isdigit():
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
    if _AT_SIGN.search(normalised):
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
    for match in _POSTAL_ADDRESS.finditer(normalised):
        spans.append((ADDRESS, match.start(), match.end()))
    for match in _ADDRESS_NUMBER.finditer(normalised):
        start = _address_start(normalised, match)
        if start is not None:
            spans.append((ADDRESS, start, match.end()))
    return spans


def find_personal_data(text: str) -> list[PiiFinding]:
    """Personal data in `text`, ordered by position; overlapping matches keep the longest."""
    if not text:
        return []
    normalised = _normalise(text)
    spans = sorted(_spans(normalised), key=lambda s: (s[1], -s[2]))
    if not spans:
        return []
    origin = _origins(text)
    findings: list[PiiFinding] = []
    taken_until = 0
    for kind, n_start, n_end in spans:
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
