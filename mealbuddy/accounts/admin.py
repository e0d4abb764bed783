from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm

from mealbuddy.accounts.models import Profile, User


class UserAddForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "username")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserAddForm
    form = UserEditForm
    ordering = ["-date_joined"]
    list_display = ["email", "username", "region", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff"]
    search_fields = ["email", "username", "address"]
    raw_id_fields = ["region"]
    readonly_fields = ["date_joined", "last_login", "deactivated_at"]

    def get_inlines(self, request, obj):
        return [ProfileInline] if obj is not None else []

    fieldsets = [
        (None, {"fields": ["email", "username", "password"]}),
        ("동네", {"fields": ["region", "address", "lat", "lon"]}),
        (
            "권한",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("기록", {"fields": ["date_joined", "last_login", "deactivated_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "username", "password1", "password2"]}),
    ]
