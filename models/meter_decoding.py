"""Constrained decoding for regulated verse (like Jiuge, THUNLP): at each character slot the logits
are masked to the characters the tone pattern and the rhyme allow there.

Meters:
- "free": no constraint (the form only);
- "rhyme": the rhyming line ends (every second line, and the first if ``first_rhymes``) take 平
  characters of one 平声 rhyme group, never the same character twice; the other line ends take 仄;
- "regulated": the rhyme, and every ○ / ● of the pattern's grid (models.meter.grid) takes a 平 / 仄
  character; ◐ is free.
A character of either tone fits ○ and ●; a character the table does not know goes only where the
tone is free (◐), never at a fixed tone or a rhyme.

The rhyme group is chosen at the first rhyme slot by the model's own probabilities: the mass,
under the slot's distribution (temperature applied), of each group's allowed characters, among the
groups that still have a character for every remaining rhyme slot; sampled in proportion to that
mass (greedy: the largest). A given character at a rhyme slot picks the group itself.

Back-off, never a dead end: if a slot has no allowed character left (possible only through given
characters or another vocabulary), it relaxes one step at a time: first a rhyme character may
repeat, then any character of the group's tone, then any character; each relaxation is recorded.
Given characters (an opening, acrostic heads) are kept even where they break the pattern; each
break is recorded as a conflict, and the rest of the poem stays regulated.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import torch

from models import meter as M

METERS = ("free", "rhyme", "regulated")


@dataclass(frozen=True)
class SlotRule:
    tone: str | None  # 平 / 仄 / None (free)
    rhyme: bool  # a rhyming line end


def slot_rules(width: int, lines: int, meter: str, pattern: str, first_rhymes: bool) -> list[SlotRule]:
    """One rule per character slot, line-major."""
    if meter not in METERS:
        raise ValueError(f"meter must be one of {METERS}")
    rhyming = set(M.rhyme_lines(lines, first_rhymes))
    marks = M.grid(width, lines, pattern, first_rhymes) if meter == "regulated" else None
    rules = []
    for line in range(lines):
        for col in range(width):
            tone = None
            if meter != "free" and col == width - 1:
                tone = M.PING if line in rhyming else M.ZE
            elif marks is not None:
                tone = {M.PING_MARK: M.PING, M.ZE_MARK: M.ZE}.get(marks[line][col])
            rules.append(SlotRule(tone, meter != "free" and col == width - 1 and line in rhyming))
    return rules


@dataclass
class VocabMeter:
    """Boolean masks over a vocabulary (V,): which token may take a 平 / 仄 slot, and each group's members."""

    ping: torch.Tensor
    ze: torch.Tensor
    members: dict[str, torch.Tensor]  # group -> (V,) bool
    groups_of: dict[int, tuple[str, ...]]  # token id -> its 平声 groups


@functools.cache
def vocab_meter(itos: tuple[str, ...], first_char: int) -> VocabMeter:
    v = len(itos)
    ping, ze = torch.zeros(v, dtype=torch.bool), torch.zeros(v, dtype=torch.bool)
    members: dict[str, torch.Tensor] = {}
    groups_of = {}
    for i in range(first_char, v):
        t = M.tone(itos[i])
        ping[i] = t in (M.PING, M.EITHER)
        ze[i] = t in (M.ZE, M.EITHER)
        gs = M.groups(itos[i])
        groups_of[i] = gs
        for g in gs:
            members.setdefault(g, torch.zeros(v, dtype=torch.bool))[i] = True
    return VocabMeter(ping, ze, members, groups_of)


@dataclass
class MeterState:
    """What the decoding has committed to so far: the rhyme group, the rhyme characters used, and
    the conflicts and relaxations to report."""

    rules: list[SlotRule]
    vm: VocabMeter
    group: str | None = None
    used: set[int] = field(default_factory=set)
    conflicts: list[dict] = field(default_factory=list)
    relaxed: list[dict] = field(default_factory=list)

    def rhymes_left(self, slot: int) -> int:
        return sum(r.rhyme for r in self.rules[slot:])

    def tone_mask(self, rule: SlotRule) -> torch.Tensor | None:
        return {M.PING: self.vm.ping, M.ZE: self.vm.ze}.get(rule.tone)

    def eligible_groups(self, slot: int) -> list[str]:
        """Groups with an unused character for this and every later rhyme slot."""
        need = self.rhymes_left(slot)
        unused = self.unused()
        return sorted(g for g, m in self.vm.members.items() if int((m & unused).sum()) >= need)

    def unused(self) -> torch.Tensor:
        mask = torch.ones_like(self.vm.ping)
        if self.used:
            mask[list(self.used)] = False
        return mask

    def allowed(self, slot: int, base: torch.Tensor) -> tuple[torch.Tensor, list[str]]:
        """The slot's allowed tokens (base: the characters) before the group is picked; at the first rhyme
        slot, also the groups to choose from."""
        rule = self.rules[slot]
        tone = self.tone_mask(rule)
        mask = base if tone is None else base & tone
        if not rule.rhyme:
            return mask, []
        if self.group is not None:
            return mask & self.vm.members[self.group] & self.unused(), []
        eligible = self.eligible_groups(slot)
        any_group = torch.zeros_like(mask)
        for g in eligible:
            any_group |= self.vm.members[g]
        return mask & any_group & self.unused(), eligible

    def relax(self, slot: int, base: torch.Tensor) -> torch.Tensor:
        """The first non-empty of: the rhyme group with repeats, the tone, anything (recorded)."""
        rule = self.rules[slot]
        tone = self.tone_mask(rule)
        steps = []
        if rule.rhyme and self.group is not None:
            steps.append(("repeat", base & tone & self.vm.members[self.group]))
        if tone is not None:
            steps.append(("tone", base & tone))
        steps.append(("free", base))
        for how, mask in steps:
            if bool(mask.any()):
                self.relaxed.append({"slot": slot, "how": how})
                return mask
        raise ValueError("the vocabulary has no character at all")

    def pick_group(self, probs: torch.Tensor, eligible: list[str], greedy: bool, gen: torch.Generator) -> None:
        """Choose the rhyme group by the mass ``probs`` (the slot's distribution) gives its characters."""
        mass = torch.stack([probs[self.vm.members[g]].sum() for g in eligible])
        if float(mass.sum()) <= 0:
            mass = torch.ones(len(eligible))
        k = int(torch.argmax(mass)) if greedy else int(torch.multinomial(mass, 1, generator=gen))
        self.group = eligible[k]

    def commit(self, slot: int, idx: int, given: bool, char: str) -> None:
        """Record the slot's character; a given one that breaks the rule becomes a conflict."""
        rule = self.rules[slot]
        t = M.tone(char)
        if given and rule.tone is not None and not M.can_be(t, rule.tone):
            self.conflicts.append({"slot": slot, "char": char, "needs": rule.tone, "tone": t})
        if not rule.rhyme:
            return
        gs = self.vm.groups_of.get(idx, ())
        if self.group is None and gs:
            # a given rhyme character picks the group: of its groups, the one with most room
            self.group = max(gs, key=lambda g: (int(self.vm.members[g].sum()), g))
        elif given and self.group is not None and gs and self.group not in gs and M.can_be(t, M.PING):
            self.conflicts.append({"slot": slot, "char": char, "needs": self.group, "tone": t})
        self.used.add(idx)
