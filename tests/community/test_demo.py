import pytest

from mealbuddy.accounts import demo as accounts_demo
from mealbuddy.community import demo
from mealbuddy.community.models import Comment, Post
from mealbuddy.groupbuys import demo as groupbuys_demo


@pytest.mark.django_db
def test_demo_posts_are_seeded_once_with_comments_in_the_demo_dong(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    accounts_demo.seed()
    groupbuys_demo.seed()
    assert demo.seed() == f"{len(demo.DEMO_POSTS)} demo neighbourhood posts created"
    assert demo.seed() == "0 demo neighbourhood posts created"
    assert Post.objects.count() == len(demo.DEMO_POSTS)
    assert Comment.objects.count() == 4
    linked = Post.objects.get(topic="food")
    assert linked.group_order is not None and linked.like_count == 1
    assert Post.objects.get(topic="share").share_state == "reserved"


def test_seed_demo_finds_the_module():
    from importlib.util import find_spec

    assert find_spec("mealbuddy.community.demo") is not None
