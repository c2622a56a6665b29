"""Google's `fields` partial-response masks: "id,name", "files(id,name)", "sheets.properties"."""
from __future__ import annotations

from typing import Any, Optional

Mask = dict[str, Optional["Mask"]]  # None: keep the whole value


def parse_mask(text: str) -> Mask:
    mask, _ = _parse_list(text.replace(" ", ""), 0)
    return mask


def _parse_list(text: str, i: int) -> tuple[Mask, int]:
    mask: Mask = {}
    while i < len(text):
        start = i
        while i < len(text) and text[i] not in ",()":
            i += 1
        path = [p for p in text[start:i].replace(".", "/").split("/") if p]
        sub: Optional[Mask] = None
        if i < len(text) and text[i] == "(":
            sub, i = _parse_list(text, i + 1)
            i += 1  # the closing ")"
        if path:
            _merge(mask, path, sub)
        if i < len(text) and text[i] == ",":
            i += 1
            continue
        if i < len(text) and text[i] == ")":
            return mask, i
    return mask, i


def _merge(mask: Mask, path: list[str], sub: Optional[Mask]) -> None:
    head, rest = path[0], path[1:]
    if not rest:
        if head in mask and mask[head] is not None and sub is not None:
            mask[head].update(sub)  # type: ignore[union-attr]
        else:
            mask[head] = None if head in mask and mask[head] is None else sub
        return
    child = mask.get(head, {})
    if child is None:
        return  # the whole value is already kept
    mask[head] = child
    _merge(child, rest, sub)


def apply_mask(value: Any, mask: Optional[Mask]) -> Any:
    if mask is None or "*" in mask:
        return value
    if isinstance(value, list):
        return [apply_mask(v, mask) for v in value]
    if isinstance(value, dict):
        return {k: apply_mask(value[k], sub) for k, sub in mask.items() if k in value}
    return value
