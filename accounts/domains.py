"""Which e-mail addresses may sign up. Plain values, no request."""


def email_domain(email: str) -> str:
    """The domain after the last "@", case-folded (so `a@b@Example.JP` is `example.jp`)."""
    return email.rpartition("@")[2].strip().casefold()


def is_allowed_email(email: str, allowed_domains: list[str]) -> bool:
    """True when no domains are configured, or the domain matches one of them exactly."""
    if not allowed_domains:
        return True
    return email_domain(email) in {d.casefold() for d in allowed_domains}
