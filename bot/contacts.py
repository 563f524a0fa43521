"""Operator-maintained contact details, with their sources, as template variables for responses.

Why: phone numbers and links must come from data an operator maintains, never from training
data, and each must say where it was read: data/contacts.yml holds every entry with `source`
and `trust`, and an entry without a source is refused. Responses say {hotline}, {tax_website},
{official_account}, ... and the actions fill them from here (the file is read again when it
changes). A medium-trust entry is phrased as a pointer to check, never as settled fact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Mapping, Optional, Tuple

import yaml

from bot import settings

DEFAULT_HOTLINE = "12366"
CHANNEL_KINDS_EN = {"微信公众号": "WeChat official account", "微信小程序": "WeChat mini program"}
TRUST_LEVELS = ("high", "good", "medium")
FIELDS = ("number", "name", "url", "kind", "source", "trust")
ENTRIES = (
    "hotline",
    "local_hotline",
    "website",
    "verification_site",
    "etax_site",
    "official_account",
    "mini_program",
)


@dataclass(frozen=True)
class Entry:
    """One contact fact and where it was read."""

    source: str
    trust: str
    number: str = ""
    name: str = ""
    url: str = ""
    kind: str = ""


@dataclass(frozen=True)
class Contacts:
    entries: Mapping[str, Entry] = field(default_factory=dict)

    def get(self, key: str) -> Optional[Entry]:
        return self.entries.get(key)

    @property
    def hotline(self) -> str:
        """The hotline number alone (12366 when the operator data has none)."""
        entry = self.get("hotline")
        return entry.number if entry and entry.number else DEFAULT_HOTLINE

    def hotline_text(self) -> str:
        """ "12366纳税缴费服务热线（广州地区拨打020-12366）"."""
        entry = self.get("hotline")
        text = f"{self.hotline}{entry.name if entry else ''}"
        local = self.get("local_hotline")
        if local and local.number:
            text += f"（{local.name}{local.number}）" if local.name else f"（或{local.number}）"
        return text

    def _site(self, key: str, fallback: str) -> str:
        entry = self.get(key)
        if not entry or not entry.url:
            return fallback
        text = f"{entry.name}：{entry.url}" if entry.name else entry.url
        if entry.trust == "medium":
            text += "（请从税务局官网入口进入，核对网址）"
        return text

    def _channel(self, key: str, fallback: str) -> str:
        entry = self.get(key)
        if not entry or not entry.name:
            return fallback
        return f"{entry.kind}“{entry.name}”"

    def hotline_text_en(self) -> str:
        """ "the 12366 tax service hotline (in Guangzhou also 020-12366)"."""
        text = f"the {self.hotline} tax service hotline"
        local = self.get("local_hotline")
        return f"{text} (in Guangzhou also {local.number})" if local and local.number else text

    def _site_en(self, key: str, label: str) -> str:
        entry = self.get(key)
        if not entry or not entry.url:
            return label
        text = f"{label}: {entry.url}"
        if entry.trust == "medium":
            text += " (open it from the tax bureau's official website and check the address)"
        return text

    def _channel_en(self, key: str, fallback: str) -> str:
        """A WeChat account is found by its Chinese name, so the name stays, labelled."""
        entry = self.get(key)
        if not entry or not entry.name:
            return fallback
        kind = CHANNEL_KINDS_EN.get(entry.kind, "WeChat account")
        return f'the {kind} "{entry.name}" (search for its Chinese name)'

    def template_vars(self) -> Dict[str, str]:
        """The values the responses' placeholders take: {hotline} … for the Chinese variants,
        {hotline_en} … for the English ones (written, not translated: a Chinese account name
        stays, since visitors search for it)."""
        return {
            "hotline": self.hotline_text(),
            "tax_website": self._site("website", "广州市税务局的官方网站"),
            "verification_site": self._site("verification_site", "国家税务总局的发票查验平台"),
            "etax_site": self._site("etax_site", "广东省电子税务局"),
            "official_account": self._channel("official_account", "税务局的官方微信公众号"),
            "mini_program": self._channel("mini_program", "税务局的官方小程序"),
            "hotline_en": self.hotline_text_en(),
            "tax_website_en": self._site_en("website", "the official tax website"),
            "verification_site_en": self._site_en("verification_site", "the national invoice verification platform"),
            "etax_site_en": self._site_en("etax_site", "the Guangdong e-tax bureau"),
            "official_account_en": self._channel_en("official_account", "the tax bureau's official WeChat account"),
            "mini_program_en": self._channel_en("mini_program", "the tax bureau's official WeChat mini program"),
        }


def parse_contacts(raw: object, where: str = "contacts") -> Contacts:
    """Validate the operator data: known entries and fields, each entry with its source."""
    if raw is None:
        return Contacts()
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a mapping of contact entries")
    unknown = sorted(set(raw) - set(ENTRIES))
    if unknown:
        raise ValueError(f"{where}: unknown contact entry: {', '.join(unknown)}")
    entries: Dict[str, Entry] = {}
    for key, fields in raw.items():
        if fields is None:
            continue
        if not isinstance(fields, dict):
            raise ValueError(f"{where}: {key} must be a mapping with number/name/url and source")
        bad = sorted(set(fields) - set(FIELDS))
        if bad:
            raise ValueError(f"{where}: {key}: unknown field: {', '.join(bad)}")
        values = {k: str(v).strip() for k, v in fields.items() if v is not None and str(v).strip()}
        if not values.get("source"):
            raise ValueError(f"{where}: {key}: needs a source (where the fact was read)")
        if values.get("trust") not in TRUST_LEVELS:
            raise ValueError(f"{where}: {key}: trust must be one of {', '.join(TRUST_LEVELS)}")
        if values.get("url") and not values["url"].startswith("https://"):
            raise ValueError(f"{where}: {key}: url must start with https://")
        entries[key] = Entry(**values)
    return Contacts(entries)


_cache: Dict[Path, Tuple[float, Contacts]] = {}


def load_contacts(path: Optional[Path] = None) -> Contacts:
    """Contacts from the YAML file (reloaded when it changes); 12366 alone when it is missing."""
    path = Path(path or settings.CONTACTS_FILE)
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return Contacts()
    cached = _cache.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    contacts = parse_contacts(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
    _cache[path] = (mtime, contacts)
    return contacts
