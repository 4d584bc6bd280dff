from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    """What every page needs to know: whether a real model is behind the runs."""
    return {"llm_offline": settings.LLM_PROVIDER == "echo"}
