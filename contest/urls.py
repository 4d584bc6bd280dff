from django.urls import path

from contest import organiser_views, run_views, views

urlpatterns = [
    # Staff
    path("contests/", views.contest_list, name="contest_list"),
    path("contests/<slug:slug>/", views.contest_detail, name="contest_detail"),
    path("contests/<slug:slug>/enter/", views.entry_create, name="entry_create"),
    path("entries/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("entries/<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("entries/<int:pk>/withdraw/", views.entry_withdraw, name="entry_withdraw"),
    path("entries/<int:pk>/image/", views.entry_image, name="entry_image"),
    path("entries/<int:pk>/thumbnail/", views.entry_thumbnail, name="entry_thumbnail"),
    # Runs
    path("entries/<int:pk>/runs/", run_views.entry_runs, name="entry_runs"),
    path("entries/<int:pk>/runs/retry/", run_views.entry_retry_failed, name="entry_retry_failed"),
    path("organise/contests/<slug:slug>/runs/", run_views.run_monitor, name="run_monitor"),
    path(
        "organise/contests/<slug:slug>/runs/retry/",
        run_views.contest_retry_failed,
        name="contest_retry_failed",
    ),
    path(
        "organise/contests/<slug:slug>/runs/cancel/",
        run_views.contest_cancel_pending,
        name="contest_cancel_pending",
    ),
    # Organisers
    path("organise/", organiser_views.organiser_home, name="organiser_home"),
    path(
        "organise/contests/new/",
        organiser_views.contest_create,
        name="organiser_contest_create",
    ),
    path(
        "organise/contests/<slug:slug>/",
        organiser_views.contest_dashboard,
        name="organiser_contest",
    ),
    path(
        "organise/contests/<slug:slug>/edit/",
        organiser_views.contest_edit,
        name="organiser_contest_edit",
    ),
    path(
        "organise/contests/<slug:slug>/transition/",
        organiser_views.contest_transition,
        name="organiser_contest_transition",
    ),
    path(
        "organise/contests/<slug:slug>/tasks/new/",
        organiser_views.task_create,
        name="organiser_task_create",
    ),
    path(
        "organise/contests/<slug:slug>/tasks/import/",
        organiser_views.task_import,
        name="organiser_task_import",
    ),
    path(
        "organise/contests/<slug:slug>/tasks/<int:pk>/edit/",
        organiser_views.task_edit,
        name="organiser_task_edit",
    ),
    path(
        "organise/contests/<slug:slug>/tasks/<int:pk>/delete/",
        organiser_views.task_delete,
        name="organiser_task_delete",
    ),
    path(
        "organise/contests/<slug:slug>/tasks/<int:pk>/move/",
        organiser_views.task_move,
        name="organiser_task_move",
    ),
]
