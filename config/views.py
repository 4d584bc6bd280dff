from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from contest.models import Contest


def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    open_contests = Contest.objects.filter(
        status=Contest.Status.OPEN, opens_at__lte=now, closes_at__gt=now
    ).order_by("closes_at")
    return render(request, "home.html", {"open_contests": open_contests})


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """For a load balancer: the web process answers and the database is reachable."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})
