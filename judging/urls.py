"""Judging pages, under /judging/: the judge's queue and sheets, then the organiser's pages
of each contest under /judging/organise/<slug>/."""

from django.urls import path

from judging import views
from judging.organise import views as organise
from judging.results import views as results

urlpatterns = [
    path("", views.judging_home, name="judging_home"),
    path("assignments/<int:pk>/", views.judging_sheet, name="judging_sheet"),
    path("assignments/<int:pk>/image/", views.judging_sheet_image, name="judging_sheet_image"),
    path(
        "assignments/<int:pk>/thumbnail/",
        views.judging_sheet_thumbnail,
        name="judging_sheet_thumbnail",
    ),
    path("organise/<slug:slug>/criteria/", organise.judging_criteria, name="judging_criteria"),
    path(
        "organise/<slug:slug>/assignments/",
        organise.judging_assignments,
        name="judging_assignments",
    ),
    path("organise/<slug:slug>/remind/", organise.judging_remind, name="judging_remind"),
    path(
        "organise/<slug:slug>/entries/<int:entry_id>/",
        organise.judging_entry,
        name="judging_entry",
    ),
    path(
        "organise/<slug:slug>/entries/<int:entry_id>/assign/",
        organise.judging_assignment_add,
        name="judging_assignment_add",
    ),
    path(
        "organise/<slug:slug>/assignments/<int:pk>/remove/",
        organise.judging_assignment_remove,
        name="judging_assignment_remove",
    ),
    path(
        "organise/<slug:slug>/assignments/<int:pk>/waive/",
        organise.judging_assignment_waive,
        name="judging_assignment_waive",
    ),
    path("organise/<slug:slug>/blind/", organise.judging_blind, name="judging_blind"),
    path(
        "organise/<slug:slug>/entries/<int:entry_id>/redaction/",
        organise.judging_redaction,
        name="judging_redaction",
    ),
    path("organise/<slug:slug>/results/", results.judging_results, name="judging_results"),
    path(
        "organise/<slug:slug>/results.csv",
        results.judging_results_csv,
        name="judging_results_csv",
    ),
    path(
        "organise/<slug:slug>/results.json",
        results.judging_results_json,
        name="judging_results_json",
    ),
    path("organise/<slug:slug>/awards/", results.judging_awards, name="judging_awards"),
]
