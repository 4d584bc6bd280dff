"""The PII guard: what it must catch, and the ordinary municipal text it must leave alone."""

import time

import pytest
from django.utils import translation

from contest.pii import PiiFinding, find_personal_data, luhn_is_valid, my_number_is_valid
from tests.contest.pii_cases import BENIGN, CASES, PERSONAL, Case

# A realistic notice full of numbers that are not personal data: dates, amounts, article
# and document numbers, times, percentages, budget codes, a 法人番号, a 12-digit number
# whose check digit fails, a postal code with no address, a placeholder.
MUNICIPAL_NOTICE = """\
市総第1234号
令和7年6月30日

各局区長 様
　　　　　　　　　　　　　　　　　　　　総務局長

令和8年度予算編成方針について（通知）

令和8年度の予算編成にあたっては、中期計画2022～2025の最終年度として、
地方自治法第211条第1項及び財務規則第12条第3項の規定に基づき、次のとおり編成してください。

1　一般会計の歳入見込額は1兆9,876億5,432万円（対前年度比2.3%増）、歳出は
　 1,234,567千円の削減を目標とします。前年度当初予算額 ２，３４５，６７８千円。
2　予算要求書は、令和7年7月15日（火）午後3時30分まで（2025-07-15 15:30）に、
　 財政課へ提出してください。受付時間は8:45～17:15です。
3　人口は3,771,186人（令和7年1月1日現在）、世帯数は1,812,345世帯、
　 高齢化率は25.4％です。
4　予算科目コード 01-02-03-04、事業番号 2025-0123-0456、会計番号 123456789012、
　 整理番号 0000123456、法人番号 4000020141003 を記載してください。
5　補正予算（第2号）の議案第45号は、6月12日の本会議で可決されました。
6　プロンプト例：「{{input}} を 300 字以内で要約してください」（様式第3号）。
7　所在地の郵便番号は 〒231-0005 です。詳しくは庁内ポータル（No.2025-06）を参照。
"""


def kinds(text: str) -> list[str]:
    return [finding.kind for finding in find_personal_data(text)]


def only(text: str) -> PiiFinding:
    findings = find_personal_data(text)
    assert len(findings) == 1, findings
    return findings[0]


def test_municipal_notice_full_of_numbers_gives_no_finding() -> None:
    assert len(MUNICIPAL_NOTICE) > 500
    assert find_personal_data(MUNICIPAL_NOTICE) == []


@pytest.mark.parametrize(
    "text",
    [
        "令和7年6月30日",
        "2025-06-30",
        "2025/06/30 17:00",
        "1,234,567円",
        "１，２３４，５６７円",
        "第12条第3項",
        "市総第1234号",
        "9:00～17:00",
        "対前年比 12.5%",
        "{{input}} を要約",
        "2310017",
        "〒231-0017",
        "231-0017 です",
        "123456789012",  # check digit should be 8
        "1234 5678 9012",
        "4111 1111 1111 1112",  # Luhn fails
        "1234 5678 9012 3452",  # Luhn passes, no card brand starts with 1
        "0000123456",
        "user@localhost",
        "@mention",
        "",
    ],
)
def test_ordinary_text_is_not_personal_data(text: str) -> None:
    assert find_personal_data(text) == []


# --- e-mail -------------------------------------------------------------------------------


def test_email_is_found_with_its_offsets_in_japanese_text() -> None:
    text = "連絡先はtaro.yamada@city.yokohama.lg.jpまでお願いします。"
    finding = only(text)
    assert finding.kind == "email"
    assert finding.text == "taro.yamada@city.yokohama.lg.jp"
    assert text[finding.start : finding.end] == finding.text
    assert finding.line == 1


def test_full_width_email_is_found_and_reported_as_typed() -> None:
    text = "メール：ｔａｒｏ＠ｃｉｔｙ．ｅｘａｍｐｌｅ．ｊｐ"
    finding = only(text)
    assert finding.kind == "email"
    assert finding.text == "ｔａｒｏ＠ｃｉｔｙ．ｅｘａｍｐｌｅ．ｊｐ"
    assert (finding.start, finding.end) == (4, len(text))


def test_email_after_a_full_stop_does_not_swallow_the_stop() -> None:
    finding = only("送付済み.hanako+contest@example.com")
    assert finding.text == "hanako+contest@example.com"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("返信先は taro . yamada @ city . example . jp", "taro . yamada @ city . example . jp"),
        ("taro@ city.example.jp へ", "taro@ city.example.jp"),
        ("taro ＠ city.example.jp", "taro ＠ city.example.jp"),
        ("taro(at)example.co.jpへ", "taro(at)example.co.jp"),
        ("k-tanaka[AT]example[dot]org を共有", "k-tanaka[AT]example[dot]org"),
        ("連絡先 taro\u200b@\u2060example.jp", "taro\u200b@\u2060example.jp"),
    ],
)
def test_email_written_to_slip_past_a_filter_is_found(text: str, expected: str) -> None:
    finding = only(text)
    assert finding.kind == "email"
    assert finding.text == expected


@pytest.mark.parametrize(
    "text",
    [
        "Meeting @ noon. Thanks",  # a full stop with a space after it only ends a sentence
        "see you @ the office . jp",
        "taro@ city",
        "＠ＩＴの記事",
    ],
)
def test_spaced_at_sign_without_a_domain_is_not_an_email(text: str) -> None:
    assert kinds(text) == []


# --- phone numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "03-1234-5678",
        "045-671-2345",
        "0466-12-3456",
        "0120-123-456",
        "0800-123-4567",
        "0570-012-345",
        "045(123)4567",
        "(045)123-4567",
        "(03) 1234-5678",
        "090-1234-5678",
        "080 1234 5678",
        "070-1234-5678",
        "09012345678",
        "0312345678",
        "+81-3-1234-5678",
        "+81 90-1234-5678",
        "+81(0)3-1234-5678",
        "+819012345678",
        "０９０－１２３４－５６７８",
        "０４５（１２３）４５６７",
        "090ー1234ー5678",
        "03−1234−5678",
    ],
)
def test_japanese_phone_numbers_are_found(number: str) -> None:
    text = f"電話：{number}（平日9時〜17時）"
    finding = only(text)
    assert finding.kind == "phone"
    assert finding.text == number


def test_phone_after_katakana_long_vowel_mark_is_found() -> None:
    finding = only("お問い合わせはコールセンター0120-123-456へ")
    assert finding.text == "0120-123-456"


@pytest.mark.parametrize(
    "number",
    [
        "090 - 1234 - 5678",
        "090.1234.5678",
        "03/1234/5678",
        "090〜1234〜5678",
        "090～1234～5678",
        "090‐1234‐5678",
        "090–1234–5678",
        "090—1234—5678",
        "090―1234―5678",
        "090 ー 1234 ー 5678",
        "０９０－１２３４－５６７８",
        "090\u200b1234\u200b5678",
        "090\ufeff-1234-\u200d5678",
        "090\u30001234\u30005678",
        "03-12345678",
    ],
)
def test_phone_numbers_with_any_separator_are_found_as_typed(number: str) -> None:
    text = f"連絡先：{number}（平日のみ）"
    finding = only(text)
    assert finding.kind == "phone"
    assert finding.text == number
    assert text[finding.start : finding.end] == number


def test_phone_numbers_separated_by_a_slash_are_two_findings() -> None:
    findings = find_personal_data("03-1234-5678/03-1234-5679")
    assert [f.text for f in findings] == ["03-1234-5678", "03-1234-5679"]


def test_public_office_number_is_flagged_like_any_other() -> None:
    # The guard cannot know whose number it is; an entrant writes a placeholder instead.
    assert kinds("お問い合わせ：横須賀市役所 市民課（046-822-4000）") == ["phone"]


@pytest.mark.parametrize(
    "text",
    [
        "03-1234-56789",  # too long
        "012-3456-78901",
        "03-123-456",  # too short
        "1203-1234-5678",  # inside a longer number
        "2025-03-1234-5678",
        "0012345678",  # 00 is the international prefix
        "01012345678",  # 11 digits with a prefix that has none
        "01-02-03-04",
    ],
)
def test_number_shaped_like_a_phone_but_not_one_is_ignored(text: str) -> None:
    assert kinds(text) == []


# --- My Number ----------------------------------------------------------------------------


def test_my_number_check_digit_follows_the_official_algorithm() -> None:
    assert my_number_is_valid("123456789018")
    for wrong in "012345679":
        assert not my_number_is_valid("12345678901" + wrong)
    # Remainder 0 or 1 gives check digit 0: 00000000000 sums to 0.
    assert my_number_is_valid("000000000000")
    assert not my_number_is_valid("12345678901")
    assert not my_number_is_valid("１２３４５６７８９０１８")


def test_my_number_check_digit_is_zero_when_the_remainder_is_one() -> None:
    # 12345678900: weighted sum 551 = 11 × 50 + 1. Eleven minus the remainder would be 10,
    # which is no digit: the rule says 0.
    assert my_number_is_valid("123456789000")
    for wrong in "123456789":
        assert not my_number_is_valid("12345678900" + wrong)
    assert my_number_is_valid("555566667730")
    assert not my_number_is_valid("555566667731")
    assert kinds("個人番号 1234 5678 9000") == ["my_number"]
    assert kinds("個人番号 1234 5678 9001") == []


@pytest.mark.parametrize(
    "number",
    [
        "123456789018",
        "1234 5678 9018",
        "1234-5678-9018",
        "１２３４５６７８９０１８",
        "１２３４－５６７８－９０１８",
    ],
)
def test_my_number_with_valid_check_digit_is_found(number: str) -> None:
    finding = only(f"個人番号 {number} を記入")
    assert finding.kind == "my_number"
    assert finding.text == number


@pytest.mark.parametrize(
    "text",
    [
        "1234567890185",  # 13 digits
        "0123456789018",
        "123456789018円",  # an amount
        "第123456789018号",
        "1234-5678-9018-1234",
        "1234 5678 9018 1234",
    ],
)
def test_valid_my_number_digits_inside_something_else_are_ignored(text: str) -> None:
    assert "my_number" not in kinds(text)


# --- credit cards -------------------------------------------------------------------------


def test_luhn() -> None:
    assert luhn_is_valid("4111111111111111")
    assert luhn_is_valid("378282246310005")
    assert not luhn_is_valid("4111111111111112")


@pytest.mark.parametrize(
    "number",
    [
        "4111111111111111",  # Visa
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "5555555555554444",  # Mastercard
        "2223003122003222",  # Mastercard 2-series
        "378282246310005",  # American Express
        "3782 822463 10005",
        "3530111333300000",  # JCB
        "6011111111111117",  # Discover
        "30569309025904",  # Diners Club, 14 digits
        "４１１１　１１１１　１１１１　１１１１",
    ],
)
def test_credit_card_numbers_are_found(number: str) -> None:
    finding = only(f"カード番号：{number}、有効期限12/27")
    assert finding.kind == "credit_card"
    assert finding.text == number


def test_card_followed_by_another_number_is_still_found() -> None:
    finding = only("4111 1111 1111 1111 12")
    assert finding.text == "4111 1111 1111 1111"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("個人番号 1234.5678.9018", "my_number"),
        ("個人番号 1234 - 5678 - 9018", "my_number"),
        ("個人番号 1234/5678/9018", "my_number"),
        ("個人番号 1234\u200b5678\u200b9018", "my_number"),
        ("個人番号 1234\u30005678\u30009018", "my_number"),
        ("カード 4111.1111.1111.1111", "credit_card"),
        ("カード 4111 - 1111 - 1111 - 1111", "credit_card"),
        ("カード 4111\u200b1111\u200b1111\u200b1111", "credit_card"),
    ],
)
def test_my_number_and_cards_with_other_separators_are_found(text: str, kind: str) -> None:
    assert kinds(text) == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "4111111111111112",  # Luhn fails
        "4222222222222",  # 13-digit Visa: no longer issued
        "9111111111111111111",  # no such brand
        "41111111111111111111",  # 20 digits
        "4111111111111111円",
    ],
)
def test_number_that_is_not_a_card_is_ignored(text: str) -> None:
    assert "credit_card" not in kinds(text)


# --- postal code with address -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("〒231-0017 横浜市中区港町1-1", "〒231-0017 横浜市中区港町1-1"),
        ("231-0017 横浜市中区港町1-1 横浜市役所", "231-0017 横浜市中区港町1-1"),
        ("〒100-0001 東京都千代田区千代田1-1", "〒100-0001 東京都千代田区千代田1-1"),
        ("〒2310017 神奈川県横浜市中区", "〒2310017 神奈川県横浜市中区"),
        (
            "〒０６０－０００１　札幌市中央区北1条西2丁目",
            "〒０６０－０００１　札幌市中央区北1条西2丁目",
        ),
        ("住所：〒330-0063 さいたま市浦和区高砂3-15-1。", "〒330-0063 さいたま市浦和区高砂3-15-1"),
        ("〒250-0631\n足柄下郡箱根町仙石原", "〒250-0631\n足柄下郡箱根町仙石原"),
    ],
)
def test_postal_code_followed_by_an_address_is_found(text: str, expected: str) -> None:
    finding = only(text)
    assert finding.kind == "address"
    assert finding.text == expected


@pytest.mark.parametrize(
    "text",
    [
        "〒231-0017",
        "231-0017",
        "2310017 横浜市中区",
        "郵便番号231-0017までお問い合わせください",
        "231-0017号市長決裁",
    ],
)
def test_postal_code_without_an_address_is_not_a_finding(text: str) -> None:
    assert "address" not in kinds(text)


# --- address without a postal code --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("住所は千代田1-1-1です", "千代田1-1-1"),
        ("千代田一丁目1番1号", "千代田一丁目1番1号"),
        ("東京都千代田区千代田一丁目1番1号に住む", "東京都千代田区千代田一丁目1番1号"),
        ("横浜市中区日本大通1 に転居", "横浜市中区日本大通1"),
        ("横浜市中区日本大通1", "横浜市中区日本大通1"),
        ("港区六本木6丁目10番1号のマンション", "港区六本木6丁目10番1号"),
        ("港区六本木六丁目十番一号", "港区六本木六丁目十番一号"),
        ("横須賀市小川町11番地", "横須賀市小川町11番地"),
        ("本町3丁目5番地の2にお住まい", "本町3丁目5番地の2"),
        ("丸の内2-7-2の事業所", "丸の内2-7-2"),
        ("千代田区霞が関1-2-1", "千代田区霞が関1-2-1"),
        ("神奈川県横浜市西区みなとみらい2-3-1", "神奈川県横浜市西区みなとみらい2-3-1"),
        ("さいたま市浦和区高砂3-15-1", "さいたま市浦和区高砂3-15-1"),
        ("札幌市中央区北1条西2丁目1番地", "札幌市中央区北1条西2丁目1番地"),
        ("足柄下郡箱根町仙石原1285", "足柄下郡箱根町仙石原1285"),
        ("横須賀市\u3000小川町11", "横須賀市\u3000小川町11"),
        ("千代田\u200b1\u200b-1-1", "千代田\u200b1\u200b-1-1"),
        ("千代田1ー1ー1", "千代田1ー1ー1"),
        ("千代田１－１－１", "千代田１－１－１"),
        ("千代田1-2-3-405", "千代田1-2-3-405"),
        ("千代田1-2-3号室", "千代田1-2-3"),
        ("一丁目2番3号", "一丁目2番3号"),
    ],
)
def test_address_without_a_postal_code_is_found(text: str, expected: str) -> None:
    finding = only(text)
    assert finding.kind == "address"
    assert finding.text == expected


@pytest.mark.parametrize(
    "text",
    [
        "横須賀市役所 市民課",
        "千代田区の子育て支援",
        "港区六本木6丁目の再開発",  # an area, not a dwelling
        "本町三丁目バス停",
        "3件",
        "1,234人",
        "2025/6/30",
        "令和7年6月30日",
        "6-30",
        "横浜市の締切6-30",
        "令和7-6-30",
        "2025-6-30",
        "9:00〜17:00",
        "1,234円",
        "第2025-123号",
        "総務第123号",
        "第3条第2項",
        "{{input}}",
        "{{address}}",
        "〇〇市〇〇町〇丁目〇番〇号",
        "資料1-2-3",
        "施策1-2-3",
        "別表1-2-3",
        "市道1-2-3号線",
        "1-2-3の手順",
        "本町2-3",  # one or two numbers need a municipality before the town
        "千代田 1-1-1",  # nor a spaced block, without one
        "横浜市中区役所 会議室2",
        "横浜市中区の人口150,000人",
        "横浜市中区の会議室3。",
        "市区町村1-2-3",
        "市区町村3。",
        "郵便番号 231-0017 は中区の番号です",
    ],
)
def test_place_names_and_numbers_that_are_not_an_address_are_ignored(text: str) -> None:
    assert kinds(text) == []


# --- the labelled table -------------------------------------------------------------------


def test_the_table_has_at_least_a_hundred_lines_of_each_label_in_use() -> None:
    assert len(CASES) >= 100
    assert len(PERSONAL) >= 50
    assert len(BENIGN) >= 50
    assert {case.kind for case in PERSONAL} == {
        "email",
        "phone",
        "my_number",
        "credit_card",
        "address",
    }
    assert all(case.personal for case in PERSONAL)
    assert not any(case.personal for case in BENIGN)
    texts = [case.text for case in CASES]
    assert len(set(texts)) == len(texts)


def test_table_recall_is_complete_without_false_positives() -> None:
    flagged = {case.text for case in CASES if find_personal_data(case.text)}
    missed = [case.text for case in PERSONAL if case.text not in flagged]
    false_positives = [case.text for case in BENIGN if case.text in flagged]
    recall = (len(PERSONAL) - len(missed)) / len(PERSONAL)
    print(
        f"\nPII table: {len(CASES)} lines ({len(PERSONAL)} personal, {len(BENIGN)} benign); "
        f"recall {len(PERSONAL) - len(missed)}/{len(PERSONAL)} = {recall:.1%}; "
        f"false positives {len(false_positives)}/{len(BENIGN)}"
    )
    assert missed == []
    assert false_positives == []


@pytest.mark.parametrize("case", PERSONAL, ids=lambda case: case.text[:24])
def test_each_personal_line_is_flagged_as_its_kind(case: Case) -> None:
    findings = find_personal_data(case.text)
    assert findings, case.note
    assert findings[0].kind == case.kind
    for finding in findings:
        assert case.text[finding.start : finding.end] == finding.text


# --- several findings ---------------------------------------------------------------------


def test_findings_are_ordered_with_lines_and_offsets_of_the_original_text() -> None:
    text = (
        "申請者：山田太郎\n"
        "住所：〒231-0017 横浜市中区港町1-1\n"
        "電話：０９０－１２３４－５６７８　メール：taro@example.jp\n"
        "個人番号：1234 5678 9018\n"
        "カード：4111-1111-1111-1111\n"
    )
    findings = find_personal_data(text)
    assert [(f.kind, f.line) for f in findings] == [
        ("address", 2),
        ("phone", 3),
        ("email", 3),
        ("my_number", 4),
        ("credit_card", 5),
    ]
    for finding in findings:
        assert text[finding.start : finding.end] == finding.text
    starts = [f.start for f in findings]
    assert starts == sorted(starts)


def test_overlapping_matches_are_reported_once() -> None:
    # 16 digits hold a 12-digit run and a valid card: one finding, the card.
    findings = find_personal_data("4111-1111-1111-1111")
    assert [f.kind for f in findings] == ["credit_card"]


def test_finding_is_immutable() -> None:
    finding = only("taro@example.jp")
    with pytest.raises(AttributeError):
        finding.text = "x"  # type: ignore[misc]


# --- label and mask -----------------------------------------------------------------------


def test_label_is_translated_name_of_the_kind() -> None:
    with translation.override("en"):
        assert only("taro@example.jp").label == "e-mail address"
        assert only("03-1234-5678").label == "phone number"
        assert only("4111111111111111").label == "credit card number"
        assert only("千代田1-1-1").label == "address"


def test_masked_hides_most_characters_and_keeps_the_shape() -> None:
    assert only("03-1234-5678").masked == "••-••••-••78"
    assert only("123456789018").masked == "••••••••••18"
    assert only("4111 1111 1111 1111").masked == "•••• •••• •••• ••11"
    assert only("taro@example.jp").masked == "••••@•••••••.jp"
    assert only("０９０－１２３４－５６７８").masked == "•••－••••－••７８"
    assert only("090ー1234ー5678").masked == "•••ー••••ー••78"


def test_masked_shows_at_most_a_quarter_of_a_short_match() -> None:
    assert only("a@b.jp").masked == "•@•.•p"
    assert only("ab@c.jp").masked == "••@•.•p"


# --- speed --------------------------------------------------------------------------------


def _realistic_prompt(length: int) -> str:
    """A long prompt as staff paste them: a notice, then table lines, some personal."""
    lines = [MUNICIPAL_NOTICE, *(case.text for case in CASES)]
    text = ""
    while len(text) < length:
        text += "\n".join(lines) + "\n"
    return text[:length]


def test_an_eight_thousand_character_prompt_takes_well_under_ten_milliseconds() -> None:
    text = _realistic_prompt(8_000)
    assert find_personal_data(text)
    timings = []
    for _ in range(15):
        started = time.thread_time()
        find_personal_data(text)
        timings.append(time.thread_time() - started)
    # This thread's CPU time, best of several runs: other processes on a busy machine
    # stretch wall time, not the work done. It takes about 2 ms here; 10 ms is the budget.
    print(f"\nPII guard on 8,000 characters: best {min(timings) * 1000:.2f} ms")
    assert min(timings) < 0.010


@pytest.mark.parametrize(
    "text",
    [
        "a" * 100_000,
        "a." * 50_000,
        "a@" * 50_000,
        "x@" + "a-" * 50_000,
        "1" * 100_000,
        "1 " * 50_000,
        "0-" * 50_000,
        "１ー" * 50_000,
        ("〒123-4567" + "あ" * 9) * 5_000,
        "漢" * 100_000,
        "漢1-1-1" * 20_000,
        "千代田区一丁目" * 15_000,
        "横浜市中区日本大通1 " * 10_000,
        "の" * 100_000,
        "市" * 100_000,
        "a @ " * 25_000,
        "a . " * 25_000,
        "1 - " * 25_000,
    ],
    ids=[
        "letters",
        "dots",
        "ats",
        "hyphenated-domain",
        "digits",
        "spaced-digits",
        "zero-hyphens",
        "full-width",
        "postal-codes",
        "kanji",
        "kanji-blocks",
        "chome",
        "municipality-numbers",
        "no",
        "shi",
        "spaced-ats",
        "spaced-dots",
        "spaced-hyphens",
    ],
)
def test_adversarial_input_is_scanned_in_linear_time(text: str) -> None:
    started = time.perf_counter()
    find_personal_data(text)
    assert time.perf_counter() - started < 2.0
