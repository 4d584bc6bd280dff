"""The gallery's pages: listing with filters and sort in the URL, the prompt page and its
no-JavaScript fill, likes, uses, copies, unpublishing, and who may read."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from gallery.models import GalleryLike, GalleryPrompt, GalleryUse

from .conftest import make_prompt

pytestmark = pytest.mark.django_db


def _titles(response) -> list[str]:
    return [prompt.title for prompt in response.context["page"].object_list]


def test_filters_and_sort_come_from_the_url(client: Client, staff: User):
    make_prompt(title="古い", category="要約", copy_count=1, award_name="最優秀賞")
    make_prompt(title="多くコピー", category="要約", copy_count=9)
    make_prompt(title="翻訳もの", category="翻訳", copy_count=5, fiscal_year=2024)
    make_prompt(title="他の町", category="要約", organisation="かもめ台町", external_id="x1")
    client.force_login(staff)
    url = reverse("gallery_list")
    assert _titles(client.get(url, {"category": "要約", "sort": "copied"}))[:2] == [
        "多くコピー",
        "古い",
    ]
    assert _titles(client.get(url, {"award": "最優秀賞"})) == ["古い"]
    assert _titles(client.get(url, {"year": "2024"})) == ["翻訳もの"]
    assert _titles(client.get(url, {"organisation": "かもめ台町"})) == ["他の町"]
    assert _titles(client.get(url, {"year": "二〇二四", "sort": "nonsense"}))[0] == "他の町"


def test_any_filter_value_answers_a_page(client: Client, staff: User):
    make_prompt(title="ふつう")
    client.force_login(staff)
    odd = {name: "a\x00%_'\"" + "長" * 1000 for name in ("q", "category", "contest", "year")}
    response = client.get(reverse("gallery_list"), {**odd, "page": "-1", "sort": "\x00"})
    assert response.status_code == 200
    assert _titles(response) == []


def test_most_liked_and_most_time_saved_sorts(client: Client, staff: User):
    make_prompt(title="少し", like_count=1, minutes_saved=50)
    make_prompt(title="たくさん", like_count=7, minutes_saved=5)
    make_prompt(title="不明", like_count=0, minutes_saved=None)
    client.force_login(staff)
    url = reverse("gallery_list")
    assert _titles(client.get(url, {"sort": "liked"})) == ["たくさん", "少し", "不明"]
    assert _titles(client.get(url, {"sort": "saved"})) == ["少し", "たくさん", "不明"]


def test_department_filter(client: Client, staff: User):
    make_prompt(title="総務の", credit_department="総務課")
    make_prompt(title="匿名の")
    client.force_login(staff)
    assert _titles(client.get(reverse("gallery_list"), {"department": "総務課"})) == ["総務の"]


def test_pagination_keeps_the_filters(client: Client, staff: User):
    for n in range(30):
        make_prompt(title=f"要約 {n}", category="要約")
    client.force_login(staff)
    response = client.get(reverse("gallery_list"), {"q": "要約", "category": "要約"})
    body = response.content.decode()
    assert "page=2" in body and "category=" in body and "q=" in body


def test_a_broad_search_says_more_than_instead_of_counting_everything(
    client: Client, staff: User, monkeypatch
):
    from gallery import views

    monkeypatch.setattr(views, "MAX_COUNTED", 3)
    for n in range(5):
        make_prompt(title=f"要約 {n}")
    client.force_login(staff)
    response = client.get(reverse("gallery_list"), {"q": "要約"})
    assert response.context["more_than"] == 3
    assert "3" in response.content.decode()
    assert client.get(reverse("gallery_list"), {"q": "要約 4"}).context["more_than"] is None


def test_unpublished_prompts_are_not_listed_nor_opened(client: Client, staff: User):
    prompt = make_prompt(title="取り下げ", status=GalleryPrompt.Status.UNPUBLISHED)
    client.force_login(staff)
    assert "取り下げ" not in client.get(reverse("gallery_list")).content.decode()
    assert client.get(reverse("gallery_detail", args=[prompt.pk])).status_code == 404


def test_only_organisers_list_the_unpublished(client: Client, staff: User, organiser: User):
    make_prompt(title="公開中")
    make_prompt(title="取り下げ済み", status=GalleryPrompt.Status.UNPUBLISHED)
    url = reverse("gallery_list")
    client.force_login(staff)
    assert _titles(client.get(url, {"status": "unpublished"})) == ["公開中"]
    client.force_login(organiser)
    assert _titles(client.get(url, {"status": "unpublished"})) == ["取り下げ済み"]


def test_detail_fills_the_variables_without_javascript(client: Client, staff: User):
    prompt = make_prompt(
        system_prompt="あなたは{{role}}です。",
        prompt_template="{{input}}を要約して",
        variables=[
            {"name": "role", "label": "役割", "example": "広報担当"},
            {"name": "input", "label": "入力", "example": "例文"},
        ],
    )
    client.force_login(staff)
    url = reverse("gallery_detail", args=[prompt.pk])
    assert client.get(url).context["filled"] == "あなたは広報担当です。\n\n例文を要約して"
    response = client.get(url, {"v_role": "窓口職員", "v_input": "<b>通知</b>"})
    assert response.context["filled"] == "あなたは窓口職員です。\n\n<b>通知</b>を要約して"
    assert "&lt;b&gt;通知&lt;/b&gt;を要約して" in response.content.decode()


def test_copy_counts_and_answers_a_script_with_no_content(client: Client, staff: User):
    prompt = make_prompt()
    client.force_login(staff)
    url = reverse("gallery_copy", args=[prompt.pk])
    assert client.post(url, headers={"X-Requested-With": "fetch"}).status_code == 204
    assert client.post(url).status_code == 302
    prompt.refresh_from_db()
    assert prompt.copy_count == 2


def test_like_is_once_per_person_and_can_be_taken_back(client: Client, staff: User):
    prompt = make_prompt()
    client.force_login(staff)
    like, unlike = (reverse(name, args=[prompt.pk]) for name in ("gallery_like", "gallery_unlike"))
    client.post(like)
    client.post(like)
    prompt.refresh_from_db()
    assert prompt.like_count == 1
    response = client.post(unlike, headers={"HX-Request": "true"})
    assert "♡" in response.content.decode()
    prompt.refresh_from_db()
    assert prompt.like_count == 0
    assert not GalleryLike.objects.exists()


def test_i_used_it_counts_with_optional_minutes(client: Client, staff: User):
    prompt = make_prompt()
    client.force_login(staff)
    url = reverse("gallery_use", args=[prompt.pk])
    client.post(url, {"minutes_saved": "25"})
    client.post(url, {"minutes_saved": ""})
    client.post(url, {"minutes_saved": "-3"})
    prompt.refresh_from_db()
    assert (prompt.use_count, prompt.reported_minutes_saved) == (2, 25)
    assert GalleryUse.objects.count() == 2


def test_a_click_on_an_unpublished_prompt_changes_nothing(client: Client, organiser: User):
    prompt = make_prompt(status=GalleryPrompt.Status.UNPUBLISHED)
    client.force_login(organiser)
    for name in ("gallery_copy", "gallery_like", "gallery_use"):
        response = client.post(reverse(name, args=[prompt.pk]), follow=True)
        assert "公開されていない" in response.content.decode()
    prompt.refresh_from_db()
    assert (prompt.copy_count, prompt.like_count, prompt.use_count) == (0, 0, 0)
    assert not GalleryLike.objects.exists() and not GalleryUse.objects.exists()


def test_organiser_unpublishes_with_a_reason_and_republishes(client: Client, organiser: User):
    prompt = make_prompt()
    client.force_login(organiser)
    url = reverse("gallery_unpublish", args=[prompt.pk])
    client.post(url, {"reason": " "})
    prompt.refresh_from_db()
    assert prompt.is_published
    client.post(url, {"reason": "個人名が含まれていたため"})
    prompt.refresh_from_db()
    assert not prompt.is_published
    assert prompt.unpublished_reason == "個人名が含まれていたため"
    assert prompt.unpublished_by == organiser
    page = client.get(reverse("gallery_detail", args=[prompt.pk])).content.decode()
    assert "個人名が含まれていたため" in page
    client.post(reverse("gallery_republish", args=[prompt.pk]))
    prompt.refresh_from_db()
    assert prompt.is_published


def test_anonymous_readers_need_gallery_public(client: Client, settings):
    prompt = make_prompt(title="公開設定の確認")
    urls = [
        reverse("gallery_list"),
        reverse("gallery_detail", args=[prompt.pk]),
        reverse("gallery_feed"),
        reverse("gallery_export"),
    ]
    for url in urls:
        assert client.get(url).status_code == 302
    settings.GALLERY_PUBLIC = True
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        assert "公開設定の確認" in response.content.decode()
    # Reading is open; liking still needs someone to be signed in.
    like = client.post(reverse("gallery_like", args=[prompt.pk]))
    assert like.status_code == 302 and reverse("account_login") in like["Location"]


def test_the_header_leads_anonymous_readers_to_a_public_gallery_only(client: Client, settings):
    link = f'href="{reverse("gallery_list")}"'
    settings.GALLERY_PUBLIC = False
    assert link not in client.get(reverse("home")).content.decode()
    settings.GALLERY_PUBLIC = True
    assert link in client.get(reverse("home")).content.decode()


def test_list_and_detail_query_counts_do_not_grow_with_the_gallery(
    client: Client, staff: User, django_assert_num_queries
):
    def counts() -> tuple[int, int]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        prompt = GalleryPrompt.objects.first()
        assert prompt is not None
        result = []
        for url in (reverse("gallery_list"), reverse("gallery_detail", args=[prompt.pk])):
            client.get(url)  # warm the session and the filter choices
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url, {"q": "要約"} if "detail" not in url else {}).status_code
            result.append(len(queries))
        return result[0], result[1]

    for _n in range(10):
        make_prompt()
    client.force_login(staff)
    at_ten = counts()
    GalleryPrompt.objects.bulk_create(
        GalleryPrompt(
            title=f"追加 {n}",
            prompt_template="{{input}}",
            organisation="みなと坂市",
            search_text="要 約 要約",
            published_at=GalleryPrompt.objects.first().published_at,  # type: ignore[union-attr]
        )
        for n in range(990)
    )
    assert counts() == at_ten


def test_the_capped_count_leaves_the_sort_out(client: Client, staff: User):
    """Ordered, the count walked the sort's index checking every prompt (98 ms at 100,000
    prompts); unordered, it reads the index that fits the filters (1 ms)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_prompt(title="要約", category="要約")
    client.force_login(staff)
    client.get(reverse("gallery_list"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("gallery_list"), {"category": "要約", "sort": "liked"})
    counts = [q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert len(counts) == 1
    assert "ORDER BY" not in counts[0]
