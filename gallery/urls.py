from django.urls import path

from gallery import views, views_impact, views_print, views_start
from gallery.feed import GalleryFeed
from gallery.views_try import gallery_try

urlpatterns = [
    path("", views.gallery_list, name="gallery_list"),
    path("feed/", views.gallery_readable(GalleryFeed()), name="gallery_feed"),
    path("export.json", views.gallery_export_json, name="gallery_export"),
    path("<int:pk>/", views.gallery_detail, name="gallery_detail"),
    path("<int:pk>/try/", gallery_try, name="gallery_try"),
    path("<int:pk>/copy/", views.gallery_copy, name="gallery_copy"),
    path("<int:pk>/like/", views.gallery_like, name="gallery_like"),
    path("<int:pk>/unlike/", views.gallery_unlike, name="gallery_unlike"),
    path("<int:pk>/use/", views.gallery_use, name="gallery_use"),
    path("<int:pk>/unpublish/", views.gallery_unpublish, name="gallery_unpublish"),
    path("<int:pk>/republish/", views.gallery_republish, name="gallery_republish"),
    path("<int:pk>/start/", views_start.gallery_start, name="gallery_start"),
    path(
        "<int:pk>/start/<slug:slug>/", views_start.gallery_start_entry, name="gallery_start_entry"
    ),
    path("print/", views_print.gallery_print, name="gallery_print"),
    path("impact/", views_impact.gallery_impact, name="gallery_impact"),
    path("impact/<slug:slug>/", views_impact.gallery_impact_contest, name="gallery_impact_contest"),
]
