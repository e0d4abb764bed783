"""Native REST API for 동네생활 (``/api/community/...``): parse, call one service, render."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from mealbuddy.community import selectors, services
from mealbuddy.community.models import Post
from mealbuddy.community.serializers import (
    CommentInput,
    CommentOut,
    CommentPageOut,
    MarkOut,
    PhotoInput,
    PhotoOut,
    PostDetailOut,
    PostInput,
    PostPageOut,
    ShareStateInput,
    comment_page_payload,
    comment_payload,
    photo_payload,
    post_detail_payload,
    post_payload,
)
from mealbuddy.core.api import validated

TAGS = ["동네생활"]


def _detail(request, post_id: int, *, status_code: int = 200) -> Response:
    detail = selectors.post_detail(user=request.user, post_id=post_id)
    return Response(post_detail_payload(detail), status=status_code)


def _flag(raw) -> bool:
    return raw in ("1", "true", "on")


class PostListView(APIView):
    throttle_scope = "community"

    @extend_schema(
        tags=TAGS,
        summary="동네생활 글 목록 (cursor로 다음 페이지)",
        operation_id="community_posts_list",
        description=(
            "내 동네 글 (neighbours=1이면 이웃 동네도). sort=newest는 최신순, popular는 "
            "최근 7일 글 중 좋아요 많은 순. q는 낱말마다 제목이나 내용에 모두 들어 있는 글만. "
            "차단했거나 나를 차단한 사람의 글은 보이지 않아요."
        ),
        parameters=[
            OpenApiParameter("topic", OpenApiTypes.STR, enum=Post.Topic.values),
            OpenApiParameter(
                "q", OpenApiTypes.STR, description="검색어 (낱말마다 모두 맞아야 해요)"
            ),
            OpenApiParameter("sort", OpenApiTypes.STR, enum=list(selectors.SORTS)),
            OpenApiParameter("neighbours", OpenApiTypes.BOOL, description="이웃 동네 포함"),
            OpenApiParameter("cursor", OpenApiTypes.STR, description="앞 페이지의 next_cursor"),
        ],
        responses={200: PostPageOut},
    )
    def get(self, request):
        params = request.query_params
        page = selectors.post_feed(
            user=request.user,
            topic=params.get("topic"),
            q=params.get("q", "")[:200],
            sort=params.get("sort", "newest"),
            include_neighbours=_flag(params.get("neighbours")),
            cursor=params.get("cursor", ""),
        )
        return Response(
            {"results": [post_payload(p) for p in page.posts], "next_cursor": page.next_cursor}
        )

    @extend_schema(
        tags=TAGS,
        summary="글쓰기 (내 동네에, 사진은 따로 올려요)",
        request=PostInput,
        responses={201: PostDetailOut},
    )
    def post(self, request):
        data = validated(PostInput, request.data)
        post = services.post_create(author=request.user, **data)
        return _detail(request, post.pk, status_code=status.HTTP_201_CREATED)


class PostDetailView(APIView):
    throttle_scope = {"PATCH": "community"}

    @extend_schema(
        tags=TAGS,
        summary="글 상세 (사진, 댓글과 답글, 내가 할 수 있는 일)",
        responses={200: PostDetailOut},
    )
    def get(self, request, post_id: int):
        return _detail(request, post_id)

    @extend_schema(
        tags=TAGS,
        summary="글 고치기 (글쓴이와 운영자, 보낸 항목만)",
        request=PostInput,
        responses={200: PostDetailOut},
    )
    def patch(self, request, post_id: int):
        data = validated(PostInput, request.data, partial=True)
        services.post_update(post_id=post_id, user=request.user, **data)
        return _detail(request, post_id)

    @extend_schema(tags=TAGS, summary="글 지우기 (글쓴이와 운영자)", responses={204: None})
    def delete(self, request, post_id: int):
        services.post_delete(post_id=post_id, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PhotoListView(APIView):
    throttle_scope = "community"

    @extend_schema(
        tags=TAGS,
        summary="사진 올리기 (글쓴이, 한 글에 5장까지)",
        description="사진은 확인한 뒤 다시 인코딩해서 저장해요 (메타데이터 제거, 1600px 이하, 240px 썸네일).",
        request={"multipart/form-data": PhotoInput},
        responses={201: PhotoOut},
    )
    def post(self, request, post_id: int):
        data = validated(PhotoInput, request.data)
        photo = services.post_photo_add(post_id=post_id, user=request.user, upload=data["photo"])
        return Response(photo_payload(photo), status=status.HTTP_201_CREATED)


class PhotoDetailView(APIView):
    @extend_schema(tags=TAGS, summary="사진 지우기 (글쓴이와 운영자)", responses={204: None})
    def delete(self, request, photo_id: int):
        services.post_photo_delete(photo_id=photo_id, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommentListView(APIView):
    throttle_scope = "comment"

    @extend_schema(
        tags=TAGS,
        summary="댓글 목록 (댓글마다 답글, 오래된 순, 50개씩)",
        description=(
            "댓글 50개와 그 답글 전부가 한 쪽이에요. 다음 쪽은 ?cursor=next_cursor. "
            '운영자가 숨긴 댓글은 "숨겨진 댓글이에요"로 보여요.'
        ),
        parameters=[
            OpenApiParameter("cursor", str, description="앞 쪽의 next_cursor", required=False)
        ],
        responses={200: CommentPageOut},
    )
    def get(self, request, post_id: int):
        page = selectors.post_comments(
            user=request.user, post_id=post_id, cursor=request.query_params.get("cursor")
        )
        return Response(comment_page_payload(page))

    @extend_schema(
        tags=TAGS,
        summary="댓글·답글 달기",
        description="글쓴이에게 (답글이면 댓글 쓴 사람에게도) 알림이 가요.",
        request=CommentInput,
        responses={201: CommentOut},
    )
    def post(self, request, post_id: int):
        data = validated(CommentInput, request.data)
        created = services.comment_create(post_id=post_id, user=request.user, **data)
        view = selectors.comment_view(comment=created, user=request.user)
        return Response(comment_payload(view), status=201)


class CommentDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="댓글 지우기 (쓴 사람과 운영자, 답글은 남아요)",
        responses={204: None},
    )
    def delete(self, request, comment_id: int):
        services.comment_delete(comment_id=comment_id, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _mark_view(name: str, service, keyword: str, summary: str):
    class MarkView(APIView):
        @extend_schema(
            tags=TAGS,
            summary=f"{summary} (두 번 해도 하나)",
            request=None,
            responses={200: MarkOut},
            operation_id=f"community_{name}_create",
        )
        def post(self, request, post_id: int):
            on, count = service(post_id=post_id, user=request.user, **{keyword: True})
            return Response({"on": on, "count": count})

        @extend_schema(
            tags=TAGS,
            summary=f"{summary} 취소",
            responses={200: MarkOut},
            operation_id=f"community_{name}_destroy",
        )
        def delete(self, request, post_id: int):
            on, count = service(post_id=post_id, user=request.user, **{keyword: False})
            return Response({"on": on, "count": count})

    MarkView.__name__ = f"{name.title()}View"
    return MarkView


LikeView = _mark_view("like", services.post_like_toggle, "liked", "좋아요")
CuriousView = _mark_view("curious", services.post_curious_toggle, "curious", "궁금해요 (질문 글만)")


class SolveView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="해결됐어요 (질문 글의 글쓴이만)",
        request=None,
        responses={200: PostDetailOut},
    )
    def post(self, request, post_id: int):
        services.post_solve(post_id=post_id, user=request.user, solved=True)
        return _detail(request, post_id)

    @extend_schema(tags=TAGS, summary="해결됨 취소", responses={200: PostDetailOut})
    def delete(self, request, post_id: int):
        services.post_solve(post_id=post_id, user=request.user, solved=False)
        return _detail(request, post_id)


class ShareStateView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="나눔 상태 바꾸기 (나눔 글의 글쓴이만)",
        description="sharing → reserved → done. 예약이 취소되면 reserved → sharing, done은 끝이에요.",
        request=ShareStateInput,
        responses={200: PostDetailOut},
    )
    def post(self, request, post_id: int):
        data = validated(ShareStateInput, request.data)
        services.share_state_set(post_id=post_id, user=request.user, state=data["state"])
        return _detail(request, post_id)
