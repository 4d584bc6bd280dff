"""What a new contest is judged on until the organiser changes it (DESIGN.md "Judging").

Plain data: the criteria a municipal prompt contest usually weighs, each with a level
description per point of its 1–5 scale (lowest first), and the usual three award tiers.
"""

from typing import TypedDict


class CriterionDefaults(TypedDict):
    name_ja: str
    name_en: str
    weight: int
    description: str
    levels: list[str]


class AwardTierDefaults(TypedDict):
    name_ja: str
    name_en: str
    count: int


DEFAULT_CRITERIA: list[CriterionDefaults] = [
    {
        "name_ja": "実用性・効果",
        "name_en": "Usefulness and effect",
        "weight": 30,
        "description": (
            "出力がそのまま、または少しの手直しで業務に使え、作業時間を確かに減らせるか。"
        ),
        "levels": [
            "業務には使えない",
            "大きな手直しが必要",
            "手直しすれば使える",
            "少しの手直しで使える",
            "そのまま使え、効果が大きい",
        ],
    },
    {
        "name_ja": "汎用性・横展開性",
        "name_en": "Reusability across departments",
        "weight": 25,
        "description": "ほかの課や似た業務でも、入力を変えるだけで使えるか。",
        "levels": [
            "この場面でしか使えない",
            "ごく近い業務なら使える",
            "同じ課の似た業務で使える",
            "いくつかの課で使える",
            "多くの課でそのまま使える",
        ],
    },
    {
        "name_ja": "再現性",
        "name_en": "Consistency",
        "weight": 15,
        "description": "どのサンプル課題でも、何度実行しても、安定した品質の出力が得られるか。",
        "levels": [
            "出力が毎回大きく違う",
            "品質のばらつきが大きい",
            "おおむね安定している",
            "ほとんどの課題で安定している",
            "すべての課題で安定している",
        ],
    },
    {
        "name_ja": "独創性",
        "name_en": "Originality",
        "weight": 15,
        "description": "これまでにない使い方や、プロンプトの書き方の工夫があるか。",
        "levels": [
            "よくある使い方",
            "少し工夫がある",
            "工夫が見られる",
            "新しい使い方を示している",
            "ほかの職員の手本になる発想",
        ],
    },
    {
        "name_ja": "安全性・適切さ",
        "name_en": "Safety and appropriateness",
        "weight": 15,
        "description": (
            "個人情報を扱わず、誤りや不適切な表現を防ぐ工夫があり、確認の手順が示されているか。"
        ),
        "levels": [
            "リスクが大きい",
            "注意が足りない",
            "大きな問題はない",
            "確認の手順が示されている",
            "誤りや不適切な表現を防ぐ工夫が十分",
        ],
    },
]

DEFAULT_AWARD_TIERS: list[AwardTierDefaults] = [
    {"name_ja": "最優秀賞", "name_en": "Grand prize", "count": 1},
    {"name_ja": "優秀賞", "name_en": "Excellence award", "count": 2},
    {"name_ja": "特別賞", "name_en": "Special award", "count": 1},
]
