"""Demo 동네생활 posts around 서교동 for `make run` (idempotent: matched by author and title).

Runs after the group orders' demo (INSTALLED_APPS order), so a post can link one of them.
"""

from __future__ import annotations

from mealbuddy.accounts.models import User
from mealbuddy.community.models import Post
from mealbuddy.community.services import (
    comment_create,
    post_create,
    post_curious_toggle,
    post_like_toggle,
    share_state_set,
)
from mealbuddy.groupbuys.models import GroupOrder

DEMO_POSTS = [
    {
        "author": "neighbour@mealbuddy.kr",
        "topic": "news",
        "title": "서교동 주민센터 앞에 붕어빵 트럭 왔어요",
        "text": "팥이랑 슈크림 두 가지예요. 저녁 8시까지 있대요!",
        "likes": ["demo@mealbuddy.kr", "hapjeong@mealbuddy.kr"],
        "comments": [
            (
                "demo@mealbuddy.kr",
                "오 지금 가 볼게요",
                [("neighbour@mealbuddy.kr", "슈크림 금방 떨어져요 ㅎㅎ")],
            ),
        ],
    },
    {
        "author": "demo@mealbuddy.kr",
        "topic": "question",
        "title": "늦게까지 하는 세탁소 있을까요?",
        "text": "퇴근하고 맡기려는데 9시 넘어서도 여는 곳 아시는 분 계세요?",
        "curious": ["hapjeong@mealbuddy.kr"],
        "comments": [("hapjeong@mealbuddy.kr", "합정역 쪽 크린토피아가 10시까지 해요", [])],
    },
    {
        "author": "hapjeong@mealbuddy.kr",
        "topic": "share",
        "title": "아이 장난감 나눔해요",
        "text": "블록 장난감 한 상자예요. 합정역 근처에서 드릴게요.",
        "share_state": "reserved",
        "comments": [("demo@mealbuddy.kr", "저 받고 싶어요!", [])],
    },
    {
        "author": "demo@mealbuddy.kr",
        "topic": "food",
        "title": "교촌 홍대점 허니콤보 맛있어요",
        "text": "오늘 저녁에 같이 시킬 분은 공동주문에 들어오세요.",
        "restaurant": "교촌치킨 홍대점",
        "group_order": "교촌 허니콤보 같이 시켜요",
        "likes": ["neighbour@mealbuddy.kr"],
        "comments": [],
    },
    {
        "author": "neighbour@mealbuddy.kr",
        "topic": "lost",
        "title": "갈색 푸들을 찾아요",
        "text": "어제 저녁 서교동 놀이터 근처에서 잃어버렸어요. 보시면 댓글 부탁해요.",
        "comments": [],
    },
]


def seed() -> str:
    users = {u.email: u for u in User.objects.filter(email__endswith="@mealbuddy.kr")}
    created = 0
    for spec in DEMO_POSTS:
        author = users.get(spec["author"])
        if author is None or author.region_id is None:
            continue
        if Post.objects.filter(author=author, title=spec["title"]).exists():
            continue
        order = None
        if spec.get("group_order"):
            order = GroupOrder.objects.filter(title=spec["group_order"]).order_by("id").first()
        post = post_create(
            author=author,
            topic=spec["topic"],
            title=spec["title"],
            text=spec["text"],
            restaurant=spec.get("restaurant", ""),
            group_order_id=order.pk if order is not None else None,
        )
        for email in spec.get("likes", []):
            if email in users:
                post_like_toggle(post_id=post.pk, user=users[email], liked=True)
        for email in spec.get("curious", []):
            if email in users:
                post_curious_toggle(post_id=post.pk, user=users[email], curious=True)
        for email, text, replies in spec["comments"]:
            if email not in users:
                continue
            top = comment_create(post_id=post.pk, user=users[email], text=text)
            for reply_email, reply_text in replies:
                if reply_email in users:
                    comment_create(
                        post_id=post.pk, user=users[reply_email], text=reply_text, parent_id=top.pk
                    )
        if spec.get("share_state"):
            share_state_set(post_id=post.pk, user=author, state=spec["share_state"])
        created += 1
    return f"{created} demo neighbourhood posts created"
