from django.urls import URLPattern, URLResolver, path

from calls import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.calls_screen, name="calls_screen"),
    path("incoming/", views.calls_incoming_hx, name="calls_incoming_hx"),
    path("availability/", views.calls_availability_view, name="calls_availability"),
    path("list/", views.calls_list, name="calls_list"),
    path("queue/", views.dashboard_leads, name="dashboard_leads"),
    path("<int:pk>/", views.call_detail, name="call_detail"),
    path("<int:pk>/guide/", views.call_guide_hx, name="call_guide_hx"),
    path("<int:pk>/accept/", views.call_accept_view, name="call_accept"),
    path("<int:pk>/close/", views.call_close_view, name="call_close"),
    path("<int:pk>/capture/", views.call_capture_view, name="call_capture"),
    path("<int:pk>/book/", views.call_book_view, name="call_book"),
    path("<int:pk>/callback/", views.call_callback_view, name="call_callback"),
    path("<int:pk>/dismiss/", views.call_dismiss_view, name="call_dismiss"),
    path("<int:pk>/excuse/", views.call_excuse_view, name="call_excuse"),
]
