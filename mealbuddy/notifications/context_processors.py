from __future__ import annotations


def badges(request):
    """Unread counts for the navigation badges (0 for anonymous visitors)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from mealbuddy.notifications.models import Notification

    return {
        "nav_unread_notifications": Notification.objects.filter(
            user=user, read_at__isnull=True
        ).count(),
    }
