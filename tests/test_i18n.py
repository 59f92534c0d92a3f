import ast
import fnmatch
from pathlib import Path

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


def literal_strings() -> set[str]:
    """Every string constant in the app's code, except the keys of register({...}) dicts."""
    root = Path(__file__).resolve().parents[1]
    found: set[str] = set()
    for path in [root / "app.py", *sorted(root.glob("demos/**/*.py")), *sorted(root.glob("models/*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        definitions = {
            id(key)
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "register"
            for arg in node.args
            if isinstance(arg, ast.Dict)
            for key in arg.keys
        }
        found |= {
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in definitions
        }
    return found


def test_every_key_is_used():
    """A key is written out literally where it is used, or matches a pattern declared with built_keys
    where code builds it at run time; every declared pattern matches some key."""
    used = literal_strings()
    unused = [
        key for key in i18n.keys() if key not in used and not any(fnmatch.fnmatchcase(key, p) for p in i18n.BUILT)
    ]
    assert not unused, f"translation keys that nothing uses: {unused}"
    stale = [p for p in i18n.BUILT if not fnmatch.filter(i18n.keys(), p)]
    assert not stale, f"built_keys patterns that match no key: {stale}"
