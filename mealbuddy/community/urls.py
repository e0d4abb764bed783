from django.urls import path

from mealbuddy.community import views

app_name = "community"
urlpatterns = [
    path("", views.board, name="board"),
    path("new/", views.write, name="write"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/edit/", views.edit, name="edit"),
    path("<id:pk>/delete/", views.delete, name="delete"),
    path("<id:pk>/like/", views.like, name="like"),
    path("<id:pk>/curious/", views.curious, name="curious"),
    path("<id:pk>/solve/", views.solve, name="solve"),
    path("<id:pk>/share-state/", views.share_state, name="share_state"),
    path("<id:pk>/comments/", views.comment, name="comment"),
    path("comments/<id:comment_id>/delete/", views.comment_delete, name="comment_delete"),
]
