from django.urls import path

from . import views, views_account, views_hotspot

app_name = "portal"

urlpatterns = [
    path("<str:site_code>/", views.portal_page, name="page"),
    path("<str:site_code>/buy/", views.buy, name="buy"),
    path("<str:site_code>/paid/<uuid:payment_id>/", views.paid, name="paid"),
    path("<str:site_code>/nds/", views.opennds, name="opennds"),
    path("<str:site_code>/claim/", views.claim, name="claim"),
    path("<str:site_code>/help/", views.get_help, name="help"),
]

# The customer's account (phone + one-time SMS code).
urlpatterns += [
    path("<str:site_code>/account/", views_account.account_page, name="account"),
]

# The login.html to upload to a MikroTik hotspot: it sends each device to this portal.
urlpatterns += [
    path(
        "<str:site_code>/hotspot/login.html",
        views_hotspot.hotspot_login,
        name="hotspot_login",
    ),
]
