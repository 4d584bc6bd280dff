"""Gallery prompts for the impact, print, starting-point and benchmark tests."""

from typing import Any

from django.utils import timezone

from gallery.models import GalleryPrompt
from gallery.publishing import search_text_of


def make_gallery_prompt(**fields: Any) -> GalleryPrompt:
    """A published prompt with a plausible snapshot; `fields` override any of it."""
    values: dict[str, Any] = {
        "title": "通知文の3行要約",
        "category": "要約",
        "purpose": "住民向けのお知らせを3行に要約します。\n窓口での説明にも使えます。",
        "system_prompt": "あなたは市役所の広報担当です。",
        "prompt_template": "次の文章を3行で要約してください。\n{{input}}",
        "variables": [{"name": "input", "label": "文章", "example": "ごみの収集日が変わります。"}],
        "usage_notes": "固有名詞が正しいか確認してください。",
        "minutes_before": 30,
        "minutes_after": 10,
        "organisation": "テスト市",
        "published_at": timezone.now(),
    }
    values.update(fields)
    before, after = values["minutes_before"], values["minutes_after"]
    if "minutes_saved" not in fields:
        values["minutes_saved"] = (
            max(before - after, 0) if before is not None and after is not None else None
        )
    prompt = GalleryPrompt(**values)
    prompt.search_text = search_text_of(prompt)
    prompt.save()
    return prompt
