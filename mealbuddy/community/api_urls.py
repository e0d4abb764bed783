from django.urls import path

from mealbuddy.community import api

urlpatterns = [
    path("community/posts/", api.PostListView.as_view(), name="community-posts"),
    path("community/posts/<id:post_id>/", api.PostDetailView.as_view(), name="community-post"),
    path(
        "community/posts/<id:post_id>/photos/",
        api.PhotoListView.as_view(),
        name="community-photos",
    ),
    path(
        "community/posts/<id:post_id>/comments/",
        api.CommentListView.as_view(),
        name="community-comments",
    ),
    path("community/posts/<id:post_id>/like/", api.LikeView.as_view(), name="community-like"),
    path(
        "community/posts/<id:post_id>/curious/",
        api.CuriousView.as_view(),
        name="community-curious",
    ),
    path("community/posts/<id:post_id>/solve/", api.SolveView.as_view(), name="community-solve"),
    path(
        "community/posts/<id:post_id>/share-state/",
        api.ShareStateView.as_view(),
        name="community-share-state",
    ),
    path(
        "community/photos/<id:photo_id>/",
        api.PhotoDetailView.as_view(),
        name="community-photo",
    ),
    path(
        "community/comments/<id:comment_id>/",
        api.CommentDetailView.as_view(),
        name="community-comment",
    ),
]
