from django.urls import path

from judging import views

urlpatterns = [
    path("", views.judging_home, name="judging_home"),
]
