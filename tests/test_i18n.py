import pytest

import app  # noqa: F401  (registers every tab's strings)
from demos import i18n


def test_every_key_has_both_languages():
    table = i18n.I18N.table().translations_dict
    assert set(table) == {"zh", "en"}
    assert set(table["zh"]) == set(table["en"]) == set(i18n.keys())
    for key in i18n.keys():
        assert table["zh"][key] and table["en"][key]


def test_chinese_is_chinese():
    # Every Chinese entry has at least one CJK character or is language-neutral.
    table = i18n.I18N.table().translations_dict
    for key, zh in table["zh"].items():
        if zh != table["en"][key]:
            assert any("\u4e00" <= c <= "\u9fff" for c in zh), key


def test_lookup_and_errors():
    assert i18n.norm_lang("zh-CN") == "zh" and i18n.norm_lang("fr") == "en" and i18n.norm_lang(None) == "en"
    with pytest.raises(KeyError):
        i18n.register({"app_title": ("x", "y")})
    with pytest.raises(KeyError):
        i18n.I18N("no_such_key")
