from django.urls import path  # noqa: F401

app_name = "trust"

urlpatterns: list = []

# --- 동네인증 · 프로필 (verification.py) ---
from mealbuddy.trust import views_verify  # noqa: E402

urlpatterns += [
    path("trust/verify/", views_verify.verify, name="verify"),
    path("u/<int:user_id>/", views_verify.profile, name="profile"),
]

# --- 후기 (reviews.py) ---
from mealbuddy.trust import views_reviews  # noqa: E402

urlpatterns += [
    path("groupbuys/<id:pk>/reviews/", views_reviews.review_page, name="reviews"),
    path("reviews/received/", views_reviews.reviews_received_page, name="reviews-received"),
]

# --- 차단 · 신고 (services.py, reports.py) ---
from mealbuddy.trust import views_blocks  # noqa: E402

urlpatterns += [
    path("settings/blocks/", views_blocks.blocks, name="blocks"),
    path("settings/blocks/<id:user_id>/delete/", views_blocks.unblock, name="unblock"),
    path("users/<id:user_id>/block/", views_blocks.block, name="block"),
    path("reports/new/", views_blocks.report, name="report"),
]

# --- 관리 (moderation.py) ---
from mealbuddy.trust import views_moderation  # noqa: E402

urlpatterns += [
    path("staff/moderation/", views_moderation.queue, name="moderation-queue"),
    path("staff/moderation/log/", views_moderation.log, name="moderation-log"),
    path("staff/moderation/<id:report_id>/", views_moderation.detail, name="moderation-detail"),
]
