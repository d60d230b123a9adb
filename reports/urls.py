from django.urls import URLPattern, URLResolver, path

from reports import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.reports_index, name="reports_index"),
    path("campaigns/", views.report_campaigns, name="report_campaigns"),
    path("technician-leads/", views.report_technician_leads, name="report_technician_leads"),
    path("abandoned-calls/", views.report_abandoned_calls, name="report_abandoned_calls"),
    path("csr-scorecard/", views.report_csr_scorecard, name="report_csr_scorecard"),
]
