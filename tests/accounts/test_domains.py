"""The e-mail rules as plain functions: exact domain after the last "@"; one mailbox, one person."""

import pytest

from accounts.domains import (
    allowed_domains_label,
    email_domain,
    is_allowed_email,
    mailbox_identity,
)

ALLOWED = ["example.jp"]


def test_domain_is_taken_after_the_last_at_sign_and_case_folded() -> None:
    assert email_domain("Taro@EXAMPLE.JP") == "example.jp"
    assert email_domain('"a@b"@Example.JP') == "example.jp"


def test_address_without_at_sign_has_no_domain() -> None:
    assert email_domain("example.jp") == ""
    assert email_domain("@example.jp") == ""


@pytest.mark.parametrize("email", ["taro@example.jp", "Taro@EXAMPLE.JP", " taro@example.jp "])
def test_address_at_an_allowed_domain_passes(email: str) -> None:
    assert is_allowed_email(email, ALLOWED)


@pytest.mark.parametrize(
    "email",
    [
        "taro@evil-example.jp",
        "taro@example.jp.evil.com",
        "taro@sub.example.jp",
        "taro@example.jp.",
        "example.jp@evil.com",
        "taro@evil.com@example.jp.evil.com",
        "taro@ｅｘａｍｐｌｅ.jp",
        "example.jp",
        "",
    ],
)
def test_lookalike_or_other_domain_is_refused(email: str) -> None:
    assert not is_allowed_email(email, ALLOWED)


def test_any_address_passes_when_no_domain_is_configured() -> None:
    assert is_allowed_email("someone@anywhere.example.com", [])
    assert is_allowed_email("someone@anywhere.example.com", ["", "  "])


def test_configured_domains_are_normalised() -> None:
    assert is_allowed_email("taro@city.example.jp", ["@City.Example.JP "])
    assert is_allowed_email("taro@example.jp", ["city.example.jp", "example.jp"])


def test_label_names_every_allowed_domain() -> None:
    assert allowed_domains_label(["city.example.jp", "@Example.JP"]) == (
        "@city.example.jp, @example.jp"
    )
    assert allowed_domains_label([]) == ""


# --- One mailbox, one person --------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "identity"),
    [
        ("taro@city.example.jp", "taro@city.example.jp"),
        ("taro+x@city.example.jp", "taro@city.example.jp"),
        ("Taro+Kouhou@City.Example.JP", "taro@city.example.jp"),
        ("taro+a+b@city.example.jp", "taro@city.example.jp"),
        ("  TARO@city.example.jp ", "taro@city.example.jp"),
        ("taro+@city.example.jp", "taro@city.example.jp"),
    ],
)
def test_a_plus_tag_and_case_reach_the_same_mailbox(email: str, identity: str) -> None:
    assert mailbox_identity(email) == identity


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("ta.ro@city.example.jp", "taro@city.example.jp"),  # dots are different mailboxes
        ("taro@city.example.jp", "taro@sub.city.example.jp"),
        ("taro@city.example.jp", "taroko@city.example.jp"),
        ("+news@city.example.jp", "news@city.example.jp"),  # only a tag: kept whole
    ],
)
def test_other_differences_are_other_mailboxes(one: str, other: str) -> None:
    assert mailbox_identity(one) != mailbox_identity(other)


def test_a_value_without_name_or_domain_matches_only_itself() -> None:
    assert mailbox_identity("not-an-address") == "not-an-address"
    assert mailbox_identity("@city.example.jp") == "@city.example.jp"
    assert mailbox_identity("taro+x@") == "taro+x@"
