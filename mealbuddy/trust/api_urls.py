from django.urls import path  # noqa: F401

urlpatterns: list = []

# --- 동네인증 · 프로필 (verification.py) ---

# --- 후기 (reviews.py) ---

# --- 차단 · 신고 (services.py, reports.py) ---
from mealbuddy.trust import api_blocks  # noqa: E402

urlpatterns += [
    path("blocks/", api_blocks.BlockListApi.as_view(), name="trust-blocks"),
    path("blocks/<id:user_id>/", api_blocks.BlockDetailApi.as_view(), name="trust-block"),
    path("reports/", api_blocks.ReportCreateApi.as_view(), name="trust-reports"),
]

# --- 관리 (moderation.py) ---
