"""Chat rooms and messages.

Dependency direction: group orders → chat, never back. Group-order services create a room,
post the join/leave/ban/status lines and close a departing member's sockets through this
package's services; chat knows only rooms, messages and who the members are. It never
imports ``mealbuddy.groupbuys``: a room points at its order through the ``ChatRoom.group_order``
relation (declared by name), and the members are that order's participations, reached through
the same relation (``selectors.room_member_q`` / ``room_member_sql``). This direction because
an order owns its room (the room is created, emptied and deleted with the order), while a chat
line never changes an order; tests/test_imports.py enforces it.

A room without an order is a 1:1 room about a 동네생활 나눔 post (issue 13): its two members
are ``ChatRoom.starter`` and ``ChatRoom.post_author``. The board opens it through
``services.direct_room_open``; chat reaches the post only through ``ChatRoom.post``, never
by importing ``mealbuddy.community``. The membership rule above covers both kinds.
"""
