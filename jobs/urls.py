from django.urls import path

from jobs import views

urlpatterns = [
    path("", views.job_list, name="job_list"),
    path("new/", views.job_new, name="job_new"),
    path("job-types/hx/", views.job_type_options_hx, name="job_type_options_hx"),
    path("<int:job_id>/", views.job_detail, name="job_detail"),
    path("<int:job_id>/edit/", views.job_edit, name="job_edit"),
    path("<int:job_id>/status/", views.job_status, name="job_status"),
    path("<int:job_id>/invoice/lines/", views.invoice_line_add, name="invoice_line_add"),
    path("<int:job_id>/invoice/status/", views.invoice_status, name="invoice_status"),
]
