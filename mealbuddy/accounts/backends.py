from django.contrib.auth.backends import ModelBackend

from mealbuddy.accounts.models import User
from mealbuddy.accounts.selectors import user_with_standing


class EmailBackend(ModelBackend):
    """Log in with the email address, case-insensitively."""

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        email = (email or username or kwargs.get(User.USERNAME_FIELD) or "").strip()
        # Longer than the column: no account has it (and a huge LIKE pattern fails on SQLite).
        if not email or password is None or len(email) > User._meta.get_field("email").max_length:
            return None
        try:
            user = User.objects.get(email__iexact=email)
        except User.DoesNotExist:
            User().set_password(password)  # same work either way: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        # The standing (sanction, 동네인증) comes in the same query: every page's banner and
        # badge read it from ``request.user`` without another query.
        user = user_with_standing(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
