"""What the benchmarks read of a server's processes, from /proc (Linux): its process tree, the CPU
seconds and the memory of it. An app process has children of its own: the training fork server
(demos/offload.py), its runs, and multiprocessing's resource tracker."""

from __future__ import annotations

import os
from pathlib import Path


def _stat(pid: int) -> list[str]:
    """/proc/pid/stat's fields after the name's ")": state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)."""
    return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()


def tree(pid: int) -> set[int]:
    """``pid`` and every live descendant of it."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(_stat(int(entry.name))[1])
            except OSError:  # ended meanwhile
                continue
    out, grew = {pid}, True
    while grew:  # pids are recycled, so a child's can be lower than its parent's: grow until stable
        grew = False
        for child, parent in parents.items():
            if parent in out and child not in out:
                out.add(child)
                grew = True
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds so far of a process and all its descendants. Each process counts its
    own time and its reaped children's, so a CPU second is counted once, whether the process that spent
    it still runs or not."""
    total = sum(int(f) for f in _stat(pid)[11:15])
    for child in tree(pid) - {pid}:
        try:
            total += sum(int(f) for f in _stat(child)[11:15])
        except OSError:  # ended meanwhile: its time is in its parent's cutime from now on
            continue
    return total / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> tuple[float, float]:
    """(resident, peak resident) memory of one process in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def children_mb(pid: int) -> tuple[float, float]:
    """(resident, private) memory in MB of a process's descendants. Private: pages no other process
    maps, what they add to the machine's memory (a fork server shares its libraries' pages)."""
    resident = private = 0
    for child in tree(pid) - {pid}:
        try:
            rollup = (Path("/proc") / str(child) / "smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        kb = {line.split(":")[0]: int(line.split()[1]) for line in rollup if line.endswith("kB")}
        resident += kb.get("Rss", 0)
        private += kb.get("Private_Clean", 0) + kb.get("Private_Dirty", 0)
    return resident / 1024, private / 1024
