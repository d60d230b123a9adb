from django.urls import URLPattern, URLResolver, path

from bookings import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.booking_queue, name="booking_queue"),
    path("rows/", views.booking_queue_hx, name="booking_queue_hx"),
    path("<int:booking_id>/", views.booking_detail, name="booking_detail"),
    path("<int:booking_id>/locations/", views.booking_locations_hx, name="booking_locations_hx"),
    path("<int:booking_id>/accept/", views.booking_accept_post, name="booking_accept"),
    path("<int:booking_id>/convert/", views.booking_convert_post, name="booking_convert"),
    path("<int:booking_id>/dismiss/", views.booking_dismiss_post, name="booking_dismiss"),
]
