"""Staff see 동네생활 posts and comments (read-mostly: taking one down goes through the
services' soft delete, so the counters stay exact; hiding one goes through a report in the
moderation queue, so it is audited). Deleting a post row here removes its photo files too."""

from django.contrib import admin

from mealbuddy.community.models import Comment, Post


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "title",
        "topic",
        "author",
        "region",
        "like_count",
        "comment_count",
        "created_at",
        "deleted_at",
        "hidden_at",
    )
    list_filter = ("topic",)
    search_fields = ("title", "text", "author__username")
    raw_id_fields = ("author", "region", "group_order")
    readonly_fields = ("like_count", "curious_count", "comment_count", "photo_count")


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("id", "post", "author", "parent", "created_at", "deleted_at", "hidden_at")
    search_fields = ("text", "author__username")
    raw_id_fields = ("post", "author", "parent")
