from django.urls import URLPattern, path

from formdrafts import views

urlpatterns: list[URLPattern] = [
    path("<slug:slug>/draft/", views.draft_post, name="booking_form_draft"),
]
