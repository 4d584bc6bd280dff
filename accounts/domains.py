"""Which e-mail addresses may be used. Plain values, no request, no settings."""

from collections.abc import Iterable


def normalize_domain(domain: str) -> str:
    """`@City.Example.JP ` -> `city.example.jp`: a pasted "@domain" in the setting still works."""
    return domain.strip().lstrip("@").casefold()


def email_domain(email: str) -> str:
    """The domain after the last "@", case-folded (`a@b@Example.JP` -> `example.jp`).

    An address without "@" has no domain: "" never matches a configured one.
    """
    local, at, domain = email.strip().rpartition("@")
    if not at or not local:
        return ""
    return normalize_domain(domain)


def is_allowed_email(email: str, allowed_domains: Iterable[str]) -> bool:
    """True when no domains are configured, or the domain equals one of them exactly.

    Exact equality on purpose: `sub.example.jp`, `evil-example.jp` and
    `example.jp.evil.com` are different organisations' mailboxes.
    """
    allowed = {normalize_domain(d) for d in allowed_domains if normalize_domain(d)}
    if not allowed:
        return True
    return email_domain(email) in allowed


def allowed_domains_label(allowed_domains: Iterable[str]) -> str:
    """`@city.example.jp, @example.jp` for messages and hints."""
    return ", ".join("@" + d for d in (normalize_domain(d) for d in allowed_domains) if d)
