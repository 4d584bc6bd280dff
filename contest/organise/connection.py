"""The connection test of a contest's model settings: what one cheap call found.

The call itself is a service (`services.contest_connection_test`); this module is the
result, stored on the contest as JSON, and what an organiser reads about it. An error is
shown three ways: the words staff read for that error code (`llm.error_message`), what an
organiser can do about it, and the technical detail for whoever runs the server.
"""

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from contest.models import Contest
from contest.runs import llm

PROMPT = _("This is a connection test. Reply with just “OK”.")
MAX_TOKENS = 5
# Seconds an organiser waits at most; a model that needs longer to say "OK" is a finding.
TIMEOUT_SECONDS = 10.0
# A test this recent stands for the provider's state when opening the contest.
RECENT = timedelta(minutes=10)

# What an organiser (or the administrator they ask) can do, by error code.
ACTIONS: dict[str, Promise] = {
    "auth": _(
        "Check the API key in the server's environment (OPENAI_API_KEY, or "
        "AZURE_OPENAI_API_KEY for Azure) and restart the web server and the workers."
    ),
    "configuration": _(
        "Set the API key (and OPENAI_BASE_URL for a compatible server, or the Azure "
        "settings) in the server's environment, then restart it. Or choose “Offline "
        "preview” as the model provider."
    ),
    "permission": _(
        "Check that the API key's project may use this model, or choose another model in "
        "the contest settings."
    ),
    "not_found": _(
        "Check the model name in the contest settings (for Azure OpenAI, the deployment "
        "name), and OPENAI_BASE_URL."
    ),
    "insufficient_quota": _(
        "Check the plan and billing of the API account; runs will fail until the limit is raised."
    ),
    "rate_limited": _(
        "Test again in a minute. If it keeps happening, ask for a higher rate limit or set "
        "LLM_REQUESTS_PER_MINUTE lower."
    ),
    "server_error": _("The AI service has a temporary problem: test again in a few minutes."),
    "timeout": _(
        "The AI service did not answer in time. Test again; if it stays slow, check the "
        "network between the server and the AI service."
    ),
    "connection": _(
        "Check OPENAI_BASE_URL (or the Azure endpoint) and that the server can reach it "
        "through the network (proxy, firewall)."
    ),
    "bad_request": _(
        "Check that this model accepts the contest's settings (temperature, maximum tokens)."
    ),
    "bad_response": _(
        "The server answered, but not like an OpenAI-compatible API. Check OPENAI_BASE_URL."
    ),
}


@dataclass(frozen=True)
class ConnectionResult:
    at: datetime
    provider: str
    model: str
    ok: bool
    reply: str = ""
    latency_ms: int | None = None
    code: str = ""
    detail: str = ""

    @property
    def message(self) -> str:
        """What went wrong, in the words staff read for this error; empty when it worked."""
        return "" if self.ok else llm.error_message(self.code)

    @property
    def action(self) -> str:
        """What an organiser can do about it; empty when it worked or nothing specific helps."""
        return "" if self.ok else str(ACTIONS.get(self.code, ""))

    def tested(self, contest: Contest) -> bool:
        """Whether this result is about the contest's current provider and model."""
        return (self.provider, self.model) == (contest.model_provider, contest.model_name)

    def is_recent(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) - self.at < RECENT

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["at"] = self.at.isoformat()
        return data


def connection_result(contest: Contest) -> ConnectionResult | None:
    """The last test of the contest's current model settings, or None (never, or changed)."""
    data = contest.connection_test
    at = parse_datetime(str(data.get("at", ""))) if data else None
    if at is None:
        return None
    latency = data.get("latency_ms")
    result = ConnectionResult(
        at=at,
        provider=str(data.get("provider", "")),
        model=str(data.get("model", "")),
        ok=bool(data.get("ok")),
        reply=str(data.get("reply", "")),
        latency_ms=latency if isinstance(latency, int) else None,
        code=str(data.get("code", "")),
        detail=str(data.get("detail", "")),
    )
    return result if result.tested(contest) else None


def needs_test(contest: Contest) -> bool:
    """Offline preview calls no model, so there is nothing to test."""
    return contest.model_provider != Contest.Provider.ECHO
