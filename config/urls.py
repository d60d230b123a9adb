from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from config.api import api
from jobs.views import today
from ops.views import healthz
from reports.views import dashboard
from telephony.views import call_recording

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("favicon.ico", RedirectView.as_view(url=static("leadline/favicon.svg"), permanent=True)),
    path("settings/", admin.site.urls),
    # The dashboard is the home page (issue: "Dashboard (home)").
    path("", dashboard, name="home"),
    path("", include("accounts.urls")),
    path("today/", today, name="today"),
    path("customers/", include("customers.urls")),
    path("jobs/", include("jobs.urls")),
    path("leads/", include("leads.urls")),
    path("calls/<int:pk>/recording/", call_recording, name="call_recording"),
    path("calls/", include("calls.urls")),
    path("messages/", include("messaging.urls")),
    path("notifications/", include("notifications.urls")),
    path("bookings/", include("bookings.urls")),
    path("book/", include("formdrafts.urls")),
    path("book/", include("bookings.public_urls")),
    path("scheduling/", include("scheduling.urls")),
    path("reports/", include("reports.urls")),
]
