from django.urls import path

from contest.runs import views

urlpatterns = [
    path("entries/<int:pk>/runs/", views.entry_runs, name="entry_runs"),
    path("previews/<uuid:key>/", views.preview_results, name="preview_results"),
    path("entries/<int:pk>/runs/retry/", views.entry_retry_failed, name="entry_retry_failed"),
    path("organise/contests/<slug:slug>/runs/", views.run_monitor, name="run_monitor"),
    path(
        "organise/contests/<slug:slug>/runs/retry/",
        views.contest_retry_failed,
        name="contest_retry_failed",
    ),
    path(
        "organise/contests/<slug:slug>/runs/cancel/",
        views.contest_cancel_pending,
        name="contest_cancel_pending",
    ),
]
