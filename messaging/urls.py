from django.urls import path

from messaging import views

urlpatterns = [
    path("", views.inbox, name="texts_inbox"),
    path("lead/<int:lead_id>/", views.lead_conversation, name="lead_conversation"),
    path("call/<int:call_id>/", views.call_conversation, name="call_conversation"),
    path("<int:pk>/read/", views.mark_read, name="text_mark_read"),
    path("unread-count/", views.unread_count, name="texts_unread_count"),
]
