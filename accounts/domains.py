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


def mailbox_identity(email: str) -> str:
    """The mailbox an address reaches: `Taro+Kouhou@City.Example.JP` -> `taro@city.example.jp`.

    Mail servers deliver `name+tag@domain` to `name@domain` (sub-addressing, RFC 5233),
    so for "one account per person" the two are the same address. Case is folded in both
    parts, as the rest of the site treats addresses. Dots stay: a city's mail server
    delivers `ta.ro@` and `taro@` to different people. A local part that is only a tag
    (`+news@`) is kept whole; a value without a local part and a domain is returned
    stripped and case-folded, and matches only itself.
    """
    local, at, domain = email.strip().rpartition("@")
    if not at or not local or not domain:
        return email.strip().casefold()
    base = local.split("+", 1)[0] or local
    return f"{base.casefold()}@{normalize_domain(domain)}"
