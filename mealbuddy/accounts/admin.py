from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, BaseUserCreationForm, UserChangeForm

from mealbuddy.accounts import services
from mealbuddy.accounts.errors import InvalidInput
from mealbuddy.accounts.models import Profile, User
from mealbuddy.core.errors import RateLimited


class ThrottledAdminLoginForm(AdminAuthenticationForm):
    """/admin/login/ goes through the same log-in service, throttle included, as every door."""

    def clean(self):
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is not None and password:
            try:
                self.user_cache = services.user_login(
                    email=email, password=password, ip=services.client_ip(self.request)
                )
            except RateLimited as exc:
                raise forms.ValidationError(exc.message, code="throttled") from None
            except InvalidInput:
                raise self.get_invalid_login_error() from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


admin.site.login_form = ThrottledAdminLoginForm


class StaffPasswordForm(AdminPasswordChangeForm):
    """A password set by staff ends the account's sessions and sockets, like any change."""

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            services.account_sessions_end(user=user)
        return user


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
    change_password_form = StaffPasswordForm
    actions = ["suspend"]
    ordering = ["-date_joined"]
    list_display = ["email", "username", "region", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff"]
    search_fields = ["email", "username", "address"]
    raw_id_fields = ["region"]
    readonly_fields = ["date_joined", "last_login", "deactivated_at"]

    def get_inlines(self, request, obj):
        return [ProfileInline] if obj is not None else []

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            services.user_suspend(user=obj)

    def has_delete_permission(self, request, obj=None):
        # Rows stay (messages and orders point at them): staff deactivate, people delete
        # themselves through 회원 탈퇴, which erases what identified them.
        return False

    @admin.action(description="선택한 사용자 비활성화 (로그인·연결 모두 종료)")
    def suspend(self, request, queryset):
        for user in queryset.filter(is_active=True):
            services.user_suspend(user=user)

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
