"""Prompt templates: `{{name}}` placeholders, found and filled. No ORM, no request."""

import re

# A variable's name: what `{{name}}` may hold, and what an organiser may call a variable.
NAME = r"[A-Za-z_][A-Za-z0-9_]*"
PLACEHOLDER = re.compile(r"\{\{\s*(" + NAME + r")\s*\}\}")


def tag(name: str) -> str:
    """How a placeholder is written in a prompt: `input` -> `{{input}}`."""
    return "{{" + name + "}}"


def placeholders(text: str) -> list[str]:
    """The placeholder names in `text`, in order of first appearance, without repeats."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text)))


def render(template: str, variables: dict[str, str]) -> str:
    """Fill every known placeholder; an unknown one is left as written."""

    def fill(match: re.Match[str]) -> str:
        return variables.get(match.group(1), match.group(0))

    return PLACEHOLDER.sub(fill, template)


def build_messages(
    *, system_prompt: str, prompt_template: str, variables: dict[str, str]
) -> list[dict[str, str]]:
    """The chat messages sent to the model for one sample task, exactly as stored on a run."""
    messages = []
    if system_prompt.strip():
        messages.append({"role": "system", "content": render(system_prompt, variables)})
    messages.append({"role": "user", "content": render(prompt_template, variables)})
    return messages
