"""Where an entry names its author: the pure check behind the organiser's blind check."""

from judging.blind import DEPARTMENT, EMAIL, NAME, AuthorIdentity, find_mentions

AUTHOR = AuthorIdentity(
    display_name="高橋 美咲",
    email="m.takahashi@city.example.jp",
    department_names=("税務課", "Taxation Division"),
)


def _found(texts: dict[str, str]) -> list[tuple[str, str, str]]:
    return [(m.field, m.kind, m.term) for m in find_mentions(texts, AUTHOR)]


def test_the_whole_name_is_found_with_or_without_the_space_and_reported_once() -> None:
    assert _found({"usage_notes": "作成：高橋美咲"}) == [("usage_notes", NAME, "高橋 美咲")]
    assert _found({"usage_notes": "作成：高橋　美咲（全角スペース）"}) == [
        ("usage_notes", NAME, "高橋 美咲")
    ]


def test_a_part_of_the_name_is_found_on_its_own() -> None:
    assert _found({"purpose": "高橋が作りました"}) == [("purpose", NAME, "高橋")]
    assert _found({"purpose": "美咲より"}) == [("purpose", NAME, "美咲")]


def test_the_email_and_its_local_part_are_found_whatever_the_case_or_width() -> None:
    assert _found({"system_prompt": "連絡先 M.Takahashi@City.Example.jp"}) == [
        ("system_prompt", EMAIL, "m.takahashi@city.example.jp")
    ]
    assert _found({"title": "ｍ．ｔａｋａｈａｓｈｉ版"}) == [("title", EMAIL, "m.takahashi")]


def test_the_department_is_found_in_japanese_and_in_english() -> None:
    assert _found({"usage_notes": "税務課で使っています"}) == [
        ("usage_notes", DEPARTMENT, "税務課")
    ]
    assert _found({"run:7": "Prepared by the TAXATION division."}) == [
        ("run:7", DEPARTMENT, "Taxation Division")
    ]


def test_every_field_is_searched_and_each_finding_shows_where_it_is() -> None:
    (mention,) = find_mentions(
        {"title": "通知文の要約", "usage_notes": "わからないことは税務課の担当まで。"}, AUTHOR
    )
    assert mention.field == "usage_notes"
    assert "[税務課]" in mention.excerpt


def test_short_name_parts_and_text_without_the_author_are_not_flagged() -> None:
    short = AuthorIdentity(display_name="港 さ", email="ab@city.example.jp")
    assert find_mentions({"purpose": "港の案内と、さまざまな手続き。ab テスト"}, short) == []
    assert _found({"prompt_template": "次の文章を要約してください。{{input}}"}) == []
