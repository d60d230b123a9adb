from django.urls import URLPattern, URLResolver, path

from leads import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.follow_up, name="follow_up"),
    path("export.csv", views.follow_up_export, name="follow_up_export"),
    path("bulk/", views.follow_up_bulk, name="follow_up_bulk"),
    path("views/", views.follow_up_view_save, name="follow_up_view_save"),
    path("views/<int:view_id>/", views.follow_up_view_apply, name="follow_up_view_apply"),
    path("views/<int:view_id>/delete/", views.follow_up_view_delete, name="follow_up_view_delete"),
    path("new/", views.lead_new, name="lead_new"),
    path("matches/hx/", views.capture_matches_hx, name="lead_matches_hx"),
    path("job-types/hx/", views.job_type_options_hx, name="lead_job_types_hx"),
    path("<int:lead_id>/", views.lead_detail, name="lead_detail"),
    path("<int:lead_id>/edit/", views.lead_edit, name="lead_edit"),
    path("<int:lead_id>/follow-up/", views.lead_follow_up_post, name="lead_follow_up"),
    path("<int:lead_id>/note/", views.lead_note_post, name="lead_note"),
    path("<int:lead_id>/notes/<int:activity_id>/pin/", views.lead_note_pin_post, name="lead_note_pin"),
    path("<int:lead_id>/dismiss/", views.lead_dismiss_post, name="lead_dismiss"),
    path("<int:lead_id>/reopen/", views.lead_reopen_post, name="lead_reopen"),
    path("<int:lead_id>/merge/", views.lead_merge_post, name="lead_merge"),
    path("<int:lead_id>/link/", views.lead_link_post, name="lead_link"),
    path("<int:lead_id>/convert/", views.lead_convert_page, name="lead_convert"),
    path("<int:lead_id>/convert/customers/hx/", views.convert_customers_hx, name="lead_convert_customers_hx"),
    path("from-job/<int:job_id>/", views.job_lead, name="job_lead"),
    path("from-job/<int:job_id>/hx/", views.job_lead_hx, name="job_lead_hx"),
]
