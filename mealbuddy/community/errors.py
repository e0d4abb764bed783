"""동네생활 error codes: every refusal is an ApplicationError with a Korean message.

``invalid`` (field validation; ``as_errors()`` returns every field at once), ``not_found``
(missing, deleted, or hidden by a block either way), ``not_author`` (403), ``no_region``,
``wrong_topic``, ``invalid_share_state``, ``too_many_photos``.
"""

from __future__ import annotations

from mealbuddy.core.errors import ApplicationError, FieldErrors, NotFound, PermissionDenied


class CommunityValidationError(FieldErrors):
    """Several field errors at once (``core.errors.FieldErrors``)."""


class PostNotFound(NotFound):
    def __init__(self, message: str = "글을 찾을 수 없어요.", **kwargs) -> None:
        super().__init__(message, **kwargs)


class CommentNotFound(NotFound):
    def __init__(self, message: str = "댓글을 찾을 수 없어요.", **kwargs) -> None:
        super().__init__(message, **kwargs)


class NotAuthor(PermissionDenied):
    code = "not_author"

    def __init__(self, message: str = "글쓴이만 할 수 있어요.", **kwargs) -> None:
        super().__init__(message, **kwargs)


class NoRegion(ApplicationError):
    code = "no_region"

    def __init__(self, message: str = "내 동네를 먼저 설정해 주세요.", **kwargs) -> None:
        super().__init__(message, **kwargs)


class WrongTopic(ApplicationError):
    code = "wrong_topic"


class InvalidShareState(ApplicationError):
    code = "invalid_share_state"


class TooManyPhotos(ApplicationError):
    code = "too_many_photos"
