"""The one domain error: a refusal with a message for the person who asked.

Every app's refusals derive from `DomainError`; views show `message` as a form error or a message,
the commands print it, and the API will turn it into a problem document. `details` carries what a
caller may need to say more (the numbers of a shortfall, every problem of a snapshot).
"""

from typing import Any


class DomainError(Exception):
    # The HTTP status the API answers this refusal with; a subclass says 403, 409, ...
    status: int = 422

    def __init__(self, message, **details: Any):
        super().__init__(str(message))
        self.message = message
        self.details = details
