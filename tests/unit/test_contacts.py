"""Operator contacts: every entry carries its source; the answers' wording has no tautology."""

import pytest
import yaml

from bot.contacts import Contacts, load_contacts, parse_contacts


def test_the_shipped_contacts_carry_their_sources_and_read_plainly():
    contacts = load_contacts()
    for key, entry in contacts.entries.items():
        assert entry.source and entry.trust in ("high", "good", "medium"), key
    values = contacts.template_vars()
    assert values["hotline"].startswith("12366纳税缴费服务热线") and "020-12366" in values["hotline"]
    assert "https://inv-veri.chinatax.gov.cn/" in values["verification_site"]
    assert "guangdong.chinatax.gov.cn" in values["tax_website"]
    assert "核对" in values["etax_site"]  # medium trust: phrased as a pointer to check
    assert values["official_account"] == "微信公众号“广东税务”"
    assert "广州税务局" not in " ".join(values.values())  # a name no source confirms


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"hotline": {"number": "12366", "trust": "high"}}, "needs a source"),
        ({"hotline": {"number": "12366", "source": "x"}}, "trust"),
        ({"website": {"url": "http://x.example", "source": "x", "trust": "high"}}, "https://"),
        ({"fax": {"number": "1", "source": "x", "trust": "high"}}, "unknown contact entry"),
        ({"hotline": {"numbr": "1", "source": "x", "trust": "high"}}, "unknown field"),
    ],
)
def test_bad_operator_data_is_refused_naming_the_problem(raw, message):
    with pytest.raises(ValueError, match=message):
        parse_contacts(raw)


def test_missing_entries_fall_back_to_naming_the_channel(tmp_path):
    path = tmp_path / "contacts.yml"
    path.write_text(yaml.safe_dump({"hotline": {"number": "12366", "source": "s", "trust": "high"}}), "utf-8")
    values = load_contacts(path).template_vars()
    assert values["hotline"] == "12366"
    assert values["tax_website"] == "广州市税务局的官方网站" and "http" not in values["tax_website"]
    assert Contacts().hotline == "12366"


def test_english_variants_get_english_contact_wording_from_the_same_data():
    """{hotline_en} … are written from the same entries: numbers and addresses from the data, a
    WeChat account's Chinese name kept (visitors search for it) and labelled as such."""
    import re

    from bot.contacts import load_contacts

    values = load_contacts().template_vars()
    english = {k: v for k, v in values.items() if k.endswith("_en")}
    assert set(english) == {f"{k}_en" for k in values if not k.endswith("_en")}
    assert english["hotline_en"] == "the 12366 tax service hotline (in Guangzhou also 020-12366)"
    assert english["tax_website_en"].endswith("https://guangdong.chinatax.gov.cn/")
    assert "check the address" in english["etax_site_en"]  # medium trust, said in English too
    for key, text in english.items():
        unlabelled = re.sub(r'"[^"]+" \(search for its Chinese name\)', "", text)
        assert not re.search(r"[\u4e00-\u9fff]", unlabelled), (key, text)
    assert '"广东税务" (search for its Chinese name)' in english["official_account_en"]
