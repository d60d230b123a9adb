from django.urls import path

from core import views

urlpatterns = [
    path("today/", views.today, name="today"),
]
