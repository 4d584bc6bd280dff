from django.urls import path

from gallery import views, views_impact, views_start

urlpatterns = [
    path("", views.gallery_list, name="gallery_list"),
    path("<int:pk>/start/", views_start.gallery_start, name="gallery_start"),
    path(
        "<int:pk>/start/<slug:slug>/", views_start.gallery_start_entry, name="gallery_start_entry"
    ),
    path("impact/", views_impact.gallery_impact, name="gallery_impact"),
    path("impact/<slug:slug>/", views_impact.gallery_impact_contest, name="gallery_impact_contest"),
]
