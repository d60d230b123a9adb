"""The public online booking form, outside the signed-in screens (/book/<slug>/)."""

from django.urls import URLPattern, path

from bookings import views

urlpatterns: list[URLPattern] = [
    path("<slug:slug>/", views.booking_form, name="booking_form"),
    path("<slug:slug>/windows/", views.booking_form_windows, name="booking_form_windows"),
]
