from django.urls import URLPattern, path

from scheduling import views

urlpatterns: list[URLPattern] = [
    path("slots/", views.slots_hx, name="slots_hx"),
]
