from django.urls import path

from customers import views

urlpatterns = [
    path("", views.customer_search, name="customer_search"),
    path("hx/", views.customer_search_hx, name="customer_search_hx"),
    path("new/", views.customer_new, name="customer_new"),
    path("<int:customer_id>/", views.customer_detail, name="customer_detail"),
    path("<int:customer_id>/locations/", views.customer_location_add, name="customer_location_add"),
    path("<int:customer_id>/edit/", views.customer_edit, name="customer_edit"),
    path("<int:customer_id>/merge/", views.customer_merge_page, name="customer_merge"),
    path(
        "<int:customer_id>/locations/<int:location_id>/edit/",
        views.customer_location_edit,
        name="customer_location_edit",
    ),
    path(
        "<int:customer_id>/locations/<int:location_id>/retire/",
        views.customer_location_retire,
        name="customer_location_retire",
    ),
]
