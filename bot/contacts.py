"""Operator-maintained contact details, as template variables for the responses.

Why: phone numbers and links must come from data an operator maintains, never from
training data; responses say {hotline}, {tax_website}, {official_account} and the
actions fill them from data/contacts.yml, read again whenever the file changes.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional, Tuple

import yaml

from bot import settings

DEFAULT_HOTLINE = "12366"


@dataclass(frozen=True)
class Contacts:
    hotline: str = DEFAULT_HOTLINE
    hotline_name: str = "全国纳税服务热线"
    website: str = ""
    website_name: str = "广州市税务局官方网站"
    official_account: str = "广州税务局"

    def template_vars(self) -> Dict[str, str]:
        """The values the responses' placeholders take."""
        website = f"{self.website_name} {self.website}" if self.website else self.website_name
        return {
            "hotline": f"{self.hotline_name} {self.hotline}".strip(),
            "tax_website": website,
            "official_account": f"「{self.official_account}」",
        }


_cache: Dict[Path, Tuple[float, Contacts]] = {}


def load_contacts(path: Optional[Path] = None) -> Contacts:
    """Contacts from the YAML file (reloaded when it changes); defaults where it is silent."""
    path = Path(path or settings.CONTACTS_FILE)
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return Contacts()
    cached = _cache.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a mapping of contact fields")
    known = Contacts.__dataclass_fields__
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ValueError(f"{path}: unknown contact field(s): {', '.join(unknown)}")
    values = {k: str(v).strip() for k, v in raw.items() if v is not None and str(v).strip()}
    contacts = Contacts(**values)
    _cache[path] = (mtime, contacts)
    return contacts
