from django import template

from mealbuddy.accounts.social_selectors import social_buttons

register = template.Library()


@register.simple_tag
def social_login_buttons() -> list[dict]:
    return social_buttons()
