"""{% load erp_brand %}: the product's and the organisation's names and colours in templates.

Simple tags reading settings, so a template renders them without a request or a context
processor (the 500 page has neither).
"""

from __future__ import annotations

from django import template

from erp.core import branding

register = template.Library()


@register.simple_tag
def product_name() -> str:
    return branding.product_name()


@register.simple_tag
def organisation_name() -> str:
    return branding.organisation_name()


@register.simple_tag
def brand_signature() -> str:
    return branding.signature()


@register.simple_tag
def brand_primary_color() -> str:
    return branding.PRIMARY_COLOR


@register.simple_tag
def brand_secondary_color() -> str:
    return branding.SECONDARY_COLOR
