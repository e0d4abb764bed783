from django.urls import path  # noqa: F401

app_name = "trust"

urlpatterns: list = []

# --- 동네인증 · 프로필 (verification.py) ---

# --- 후기 (reviews.py) ---

# --- 차단 · 신고 (services.py, reports.py) ---
from mealbuddy.trust import views_blocks  # noqa: E402

urlpatterns += [
    path("settings/blocks/", views_blocks.blocks, name="blocks"),
    path("settings/blocks/<id:user_id>/delete/", views_blocks.unblock, name="unblock"),
    path("users/<id:user_id>/block/", views_blocks.block, name="block"),
    path("reports/new/", views_blocks.report, name="report"),
]

# --- 관리 (moderation.py) ---
