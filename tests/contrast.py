"""WCAG 2.x contrast, and just enough CSS reading to check our own stylesheet. Pure.

`contrast_ratio("#17703a", "#dcf2e3")` -> 5.23: (L1 + 0.05) / (L2 + 0.05) with the relative
luminance of sRGB colours (WCAG 2.2, "contrast ratio"). The CSS reader knows the form
static/css/site.css is written in: `selector { property: value; ... }` rules, colours as
#rgb or #rrggbb or `var(--name)` of a custom property declared in `:root`.
"""

import re


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def hex_rgb(colour: str) -> tuple[int, int, int]:
    digits = colour.strip().lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    if not re.fullmatch(r"[0-9a-fA-F]{6}", digits):
        raise ValueError(f"not a hex colour: {colour!r}")
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def relative_luminance(colour: str) -> float:
    r, g, b = (_channel(v) for v in hex_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(one: str, other: str) -> float:
    lighter, darker = sorted((relative_luminance(one), relative_luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def css_rules(css: str) -> list[tuple[list[str], dict[str, str]]]:
    """(selectors, declarations) of each plain rule, media queries' rules included."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = {}
        for declaration in body.split(";"):
            name, colon, value = declaration.partition(":")
            if colon:
                declarations[name.strip()] = value.strip()
        names = [s.strip() for s in selectors.split(",") if s.strip()]
        # A rule right after "@media (...) {" carries the at-rule in front of its selector.
        names = [re.sub(r"^@[^{]*$", "", n).strip() for n in names]
        rules.append((names, declarations))
    return rules


def custom_properties(css: str) -> dict[str, str]:
    return {
        name: value
        for selectors, declarations in css_rules(css)
        if ":root" in selectors
        for name, value in declarations.items()
        if name.startswith("--")
    }


def resolve_colour(value: str, properties: dict[str, str]) -> str | None:
    """The first #colour in a value, through `var(--x)`; None when there is none."""
    value = re.sub(r"var\((--[\w-]+)\)", lambda m: properties.get(m.group(1), ""), value)
    found = re.search(r"#[0-9a-fA-F]{3,6}\b", value)
    return found.group(0) if found else None
