"""Server-rendered payment pages (outside the API): the co-payment checkout."""

from django.urls import path

from payments import views

urlpatterns = [
    path("checkout/<int:enrolment_id>", views.checkout_page, name="payments-checkout"),
    path(
        "checkout/<int:enrolment_id>/accept", views.checkout_accept, name="payments-checkout-accept"
    ),
    path(
        "checkout/<int:enrolment_id>/confirm",
        views.checkout_confirm,
        name="payments-checkout-confirm",
    ),
]
