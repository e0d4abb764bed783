from django.urls import path  # noqa: F401

urlpatterns: list = []

# --- 동네인증 · 프로필 (verification.py) ---
from mealbuddy.trust import api_verify  # noqa: E402

urlpatterns += [
    path("trust/verify/", api_verify.VerifyApi.as_view(), name="trust-verify"),
    path("profiles/<int:user_id>/", api_verify.PublicProfileApi.as_view(), name="profile"),
]

# --- 후기 (reviews.py) ---
from mealbuddy.trust import api_reviews  # noqa: E402

urlpatterns += [
    path(
        "groupbuys/<id:pk>/reviews/",
        api_reviews.GroupOrderReviewsView.as_view(),
        name="groupbuys-reviews",
    ),
    path("reviews/received/", api_reviews.ReviewsReceivedView.as_view(), name="reviews-received"),
]

# --- 차단 · 신고 (services.py, reports.py) ---
from mealbuddy.trust import api_blocks  # noqa: E402

urlpatterns += [
    path("blocks/", api_blocks.BlockListApi.as_view(), name="trust-blocks"),
    path("blocks/<id:user_id>/", api_blocks.BlockDetailApi.as_view(), name="trust-block"),
    path("reports/", api_blocks.ReportCreateApi.as_view(), name="trust-reports"),
]

# --- 관리 (moderation.py) ---
