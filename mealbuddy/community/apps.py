from django.apps import AppConfig
from django.db.models.signals import post_delete


def _photo_deleted(sender, instance, **kwargs) -> None:
    from mealbuddy.community.services import photo_files_delete

    photo_files_delete(photo=instance)


class CommunityConfig(AppConfig):
    name = "mealbuddy.community"
    label = "community"
    verbose_name = "동네생활"

    def ready(self) -> None:
        from mealbuddy.community import reporting
        from mealbuddy.community.models import PostPhoto

        # Trust (below us) reaches posts and comments for 신고 and moderation only this way.
        reporting.register()
        # A photo row can go by a cascade (a post or an account deleted for good, the admin)
        # that no service sees: the files follow the row, after commit.
        post_delete.connect(_photo_deleted, sender=PostPhoto, dispatch_uid="community-photo-files")
