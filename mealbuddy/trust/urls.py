from django.urls import path  # noqa: F401

app_name = "trust"

urlpatterns: list = []

# --- 동네인증 · 프로필 (verification.py) ---

# --- 후기 (reviews.py) ---

# --- 차단 · 신고 (services.py, reports.py) ---

# --- 관리 (moderation.py) ---
