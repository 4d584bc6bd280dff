"""Prompt templates: which placeholders a prompt uses, and the messages sent to the model."""

import pytest

from contest.templating import build_messages, placeholders, render

# --- placeholders -------------------------------------------------------------------------


def test_placeholders_are_listed_in_order_of_first_appearance_without_repeats() -> None:
    text = "{{audience}}向けに{{input}}を要約し、{{audience}}の言葉で{{max_chars}}字以内に"
    assert placeholders(text) == ["audience", "input", "max_chars"]


@pytest.mark.parametrize(
    "text",
    ["{{ input }}", "{{input }}", "{{  input}}", "{{\tinput\n}}", "次を要約：{{ input }}。"],
)
def test_placeholder_may_have_spaces_inside_the_braces(text: str) -> None:
    assert placeholders(text) == ["input"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no placeholder at all",
        "{input}",  # single braces
        "{{}}",
        "{{ 1st }}",  # a name cannot start with a digit
        "{{in put}}",
        "{{入力}}",  # names are ASCII
        "{{input",
    ],
)
def test_text_without_a_valid_placeholder_has_none(text: str) -> None:
    assert placeholders(text) == []


def test_same_name_written_with_and_without_spaces_is_one_placeholder() -> None:
    assert placeholders("{{input}} と {{ input }}") == ["input"]


# --- render -------------------------------------------------------------------------------


def test_render_fills_every_occurrence_of_a_known_name() -> None:
    rendered = render("{{a}}-{{ a }}-{{b}}", {"a": "x", "b": "y"})
    assert rendered == "x-x-y"


def test_render_fills_a_placeholder_with_inner_spaces() -> None:
    assert render("要約：{{ input }}", {"input": "本文"}) == "要約：本文"


def test_render_leaves_an_unknown_placeholder_as_written() -> None:
    template = "{{input}} を {{ audience }} 向けに"
    assert render(template, {"input": "本文"}) == "本文 を {{ audience }} 向けに"


def test_render_does_not_fill_placeholders_inside_the_values_it_inserts() -> None:
    # A sample task's text that happens to contain "{{audience}}" reaches the model as is.
    rendered = render("{{input}}", {"input": "{{audience}}", "audience": "高齢者"})
    assert rendered == "{{audience}}"


def test_render_keeps_text_without_placeholders_unchanged() -> None:
    assert render("そのまま", {"input": "x"}) == "そのまま"


# --- build_messages -----------------------------------------------------------------------


def test_messages_hold_the_rendered_system_prompt_then_the_user_prompt() -> None:
    messages = build_messages(
        system_prompt="あなたは{{ audience }}向けの文書を書く職員です。",
        prompt_template="次を要約：{{input}}",
        variables={"input": "お知らせ本文", "audience": "高齢者"},
    )
    assert messages == [
        {"role": "system", "content": "あなたは高齢者向けの文書を書く職員です。"},
        {"role": "user", "content": "次を要約：お知らせ本文"},
    ]


@pytest.mark.parametrize("system_prompt", ["", "   ", "\n\t"])
def test_an_empty_system_prompt_sends_only_the_user_message(system_prompt: str) -> None:
    messages = build_messages(
        system_prompt=system_prompt, prompt_template="{{input}}", variables={"input": "本文"}
    )
    assert messages == [{"role": "user", "content": "本文"}]


def test_unknown_names_reach_the_model_as_written() -> None:
    messages = build_messages(
        system_prompt="{{tone}}", prompt_template="{{ input }} / {{ missing }}", variables={}
    )
    assert messages == [
        {"role": "system", "content": "{{tone}}"},
        {"role": "user", "content": "{{ input }} / {{ missing }}"},
    ]
