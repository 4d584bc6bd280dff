"""Organiser pages, under /organise/."""

from django.urls import path

from contest.organise import views

urlpatterns = [
    path("", views.organiser_home, name="organiser_home"),
    path("contests/new/", views.contest_create, name="organiser_contest_create"),
    path("slug-suggestion/", views.slug_suggestion, name="organiser_slug_suggestion"),
    path("contests/<slug:slug>/", views.contest_dashboard, name="organiser_contest"),
    path("contests/<slug:slug>/edit/", views.contest_edit, name="organiser_contest_edit"),
    path(
        "contests/<slug:slug>/transition/",
        views.contest_transition,
        name="organiser_contest_transition",
    ),
    path(
        "contests/<slug:slug>/status/<str:to_status>/",
        views.contest_transition_confirm,
        name="organiser_contest_confirm",
    ),
    path(
        "contests/<slug:slug>/connection-test/",
        views.contest_connection_test,
        name="organiser_connection_test",
    ),
    path("contests/<slug:slug>/entries/", views.contest_entries, name="organiser_entries"),
    path(
        "contests/<slug:slug>/entries.csv",
        views.contest_entries_csv,
        name="organiser_entries_csv",
    ),
    path("contests/<slug:slug>/tasks/new/", views.task_create, name="organiser_task_create"),
    path("contests/<slug:slug>/tasks/import/", views.task_import, name="organiser_task_import"),
    path(
        "contests/<slug:slug>/tasks/<int:pk>/edit/",
        views.task_edit,
        name="organiser_task_edit",
    ),
    path(
        "contests/<slug:slug>/tasks/<int:pk>/delete/",
        views.task_delete,
        name="organiser_task_delete",
    ),
    path(
        "contests/<slug:slug>/tasks/<int:pk>/move/",
        views.task_move,
        name="organiser_task_move",
    ),
]
