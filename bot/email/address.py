"""An email address as a member's or a channel's id (`email:pat@police.example`): checked when it is given, and
kept lower-cased, so the same address is always the same target."""

from __future__ import annotations

import re

from flows.errors import InvalidInput

MAX_ADDRESS = 254  # RFC 5321's limit for a forward path
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
ADDRESS = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})+")


def check_address(text: str) -> str:
    """`text` as a plain address (name@domain.example), lower-cased; anything else refused in one sentence."""
    address = text.strip()
    if address.lower().startswith("mailto:"):
        address = address[len("mailto:") :]
    if len(address) > MAX_ADDRESS or not ADDRESS.fullmatch(address) or len(address.partition("@")[0]) > 64:
        raise InvalidInput(
            f'"{text.strip()[:80]}" is not an email address; write it as email:name@agency.example '
            "(one address per id; give --id again for another)."
        )
    return address.lower()
