"""``{% field_widget field %}``: a widget linked to its help text and errors for screen readers."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag
def field_widget(field, **attrs):
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    if field.errors:
        described.append(f"{field.auto_id}_errors")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)
