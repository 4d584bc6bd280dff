from django.urls import path

from gallery import views

urlpatterns = [
    path("", views.gallery_list, name="gallery_list"),
]
