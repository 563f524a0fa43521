"""Guangzhou's 11 districts: the canonical names the entity `district` resolves to."""

DISTRICTS = ("越秀", "海珠", "荔湾", "天河", "白云", "黄埔", "番禺", "花都", "南沙", "从化", "增城")


def canonical_district(value: str | None) -> str | None:
    """ "天河区" / "天河" -> "天河"; anything that is not one of the 11 -> None."""
    if not value:
        return None
    name = value.strip()
    if name.endswith(("区", "區")):
        name = name[:-1]
    return name if name in DISTRICTS else None
