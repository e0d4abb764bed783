"""Chat pages: "내 채팅" and one room. The room page draws its messages with
static/js/chat-room.js (history API + socket); text is only ever set as text."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from mealbuddy.chat import selectors, services
from mealbuddy.core.errors import ApplicationError


@login_required
def chat_list(request):
    rooms = selectors.my_chat_rooms(user=request.user)
    return render(request, "chat/list.html", {"rooms": rooms})


@login_required
def chat_room(request, room_id: int):
    try:
        room = selectors.access_chat_room(user=request.user, id=room_id)
    except ApplicationError as exc:
        return render(
            request, "chat/unavailable.html", {"message": exc.message}, status=exc.status_code
        )
    if room.is_direct:
        return _direct_room(request, room)
    order = room.group_order
    context = {"room": room, "order": order, "is_host": order.host_id == request.user.pk}
    if request.htmx:
        # The open page asks again after a status change, join or leave: only the header's
        # status and headcount, as the order now has them.
        response = render(request, "chat/_order_meta.html", context)
    else:
        # Opening a room marks it read (the page keeps it read over the socket).
        services.room_mark_read(room_id=room.pk, user=request.user)
        response = render(request, "chat/room.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _direct_room(request, room):
    """A 1:1 room about a 나눔 post: the post's title and state on top, linking back."""
    context = {
        "room": room,
        "post": room.post,
        "title": selectors.room_title(room),
        "partner": selectors.room_partner(room, viewer_id=request.user.pk),
        "send_refusal": services.direct_send_refusal(room=room),
    }
    if request.htmx:
        response = render(request, "chat/_post_meta.html", context)
    else:
        services.room_mark_read(room_id=room.pk, user=request.user)
        response = render(request, "chat/direct_room.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response
