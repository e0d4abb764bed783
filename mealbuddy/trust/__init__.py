"""Trust between neighbours: 동네인증, reviews and 매너 score, blocks, reports, moderation.

Two layers, so that imports still run one way (STYLE.md rule 14):

- ``selectors.py`` and ``services.py`` hold a person's *standing* (verified 동, sanction,
  blocks). They know only accounts, regions and core, and every other domain (group
  orders, chat, the compat API, sockets) asks them: "may this person write?", "who is
  hidden from whom?".
- ``verification.py``, ``reviews.py``, ``reports.py`` and ``moderation.py`` sit above the
  group orders and chat: a review is about an order two people shared, a report keeps the
  reported order or message as it was, moderation hides orders and messages.
"""
