from __future__ import annotations

from django.utils.functional import SimpleLazyObject


def badges(request):
    """Unread counts for the navigation badges: at most two queries per page, run only when
    a template shows them (htmx partials don't), none for anonymous visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from mealbuddy.chat.selectors import chat_unread_total
    from mealbuddy.notifications.selectors import notification_unread_count

    return {
        "nav_unread_notifications": SimpleLazyObject(lambda: notification_unread_count(user=user)),
        "nav_unread_chats": SimpleLazyObject(lambda: chat_unread_total(user=user)),
    }
