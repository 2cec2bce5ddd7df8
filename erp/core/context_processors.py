from django.conf import settings


def erp(request):
    return {"ERP_SITE_TITLE": settings.ERP_SITE_TITLE, "CURRENCY": settings.CURRENCY}
