"""Markdown to plain text, for places that show no formatting (WeChat, staff copying answers)."""

import re

_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)")
_BOLD = re.compile(r"\*\*([^*\n]+)\*\*")


def strip_markdown(text: str) -> str:
    """Bold loses its stars, links become "label URL", bullets become "•"."""
    text = _LINK.sub(lambda m: f"{m.group(1)} {m.group(2)}", text)
    text = _BOLD.sub(r"\1", text)
    return re.sub(r"^(\s*)[-*]\s+", r"\1• ", text, flags=re.MULTILINE)
