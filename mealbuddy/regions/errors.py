from __future__ import annotations

from typing import TYPE_CHECKING

from mealbuddy.core.errors import ApplicationError

if TYPE_CHECKING:
    from mealbuddy.regions.models import Region


class RegionAddressError(ApplicationError):
    """An address that does not name one 읍면동.

    ``suggestions`` are 읍면동 the person probably meant (the dongs of the 시군구 that was
    recognised, or the places sharing an ambiguous dong name); the API also returns their
    full names under ``"suggestions"``.
    """

    code = "address_invalid"

    def __init__(
        self, message: str, *, code: str | None = None, suggestions: list[Region] | None = None
    ) -> None:
        self.suggestions = list(suggestions or [])
        super().__init__(
            message,
            code=code,
            field="address",
            extra={"suggestions": [r.full_name for r in self.suggestions]},
        )
