"""Organiser pages, under /organise/."""

from django.urls import path

from contest.organise import views

urlpatterns = [
    path("", views.organiser_home, name="organiser_home"),
    path("contests/new/", views.contest_create, name="organiser_contest_create"),
    path("contests/<slug:slug>/", views.contest_dashboard, name="organiser_contest"),
    path("contests/<slug:slug>/edit/", views.contest_edit, name="organiser_contest_edit"),
    path(
        "contests/<slug:slug>/transition/",
        views.contest_transition,
        name="organiser_contest_transition",
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
