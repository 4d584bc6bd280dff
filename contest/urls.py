from django.urls import include, path

from contest import views

urlpatterns = [
    path("", views.home, name="home"),
    path("contests/", views.contest_list, name="contest_list"),
    path("contests/<slug:slug>/", views.contest_detail, name="contest_detail"),
    path("contests/<slug:slug>/enter/", views.entry_create, name="entry_create"),
    path("entries/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("entries/<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("entries/<int:pk>/revisions/<int:number>/", views.entry_revision, name="entry_revision"),
    path("entries/<int:pk>/compare/", views.entry_revision_diff, name="entry_revision_diff"),
    path("entries/<int:pk>/withdraw/", views.entry_withdraw, name="entry_withdraw"),
    path("entries/<int:pk>/image/", views.entry_image, name="entry_image"),
    path("entries/<int:pk>/thumbnail/", views.entry_thumbnail, name="entry_thumbnail"),
    path("", include("contest.runs.urls")),
    path("organise/", include("contest.organise.urls")),
]
