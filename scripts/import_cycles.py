#!/usr/bin/env python3
"""Lists the import edges between the files of src/ and exits 1 when they form a cycle.

An edge a -> b is a `use crate::x::y` / `crate::x::y::` path or a `use super::z` /
`super::z::` path in file a that resolves to file b (the longest module path that is a file:
`src/x/y.rs` or `src/x/y/mod.rs`). Items of a file's own `#[cfg(test)] mod tests` are skipped
(a test module importing its parent is no cycle), and so are comments and doc comments. A
`mod.rs` that only declares and re-exports its children is a folder, not a dependency: edges to
a `mod.rs` count only for the items it defines itself, which this script cannot tell apart, so
re-exports (`pub use`) in a mod.rs are not followed.

With --allow-parent, a file's use of its own parent `mod.rs` (`super::helper` in a child of
`io/mod.rs`) is not an edge, so only cycles through siblings and other folders are reported.

Usage: scripts/import_cycles.py [SRC_DIR] [--edges] [--allow-parent]
"""

import re
import sys
from pathlib import Path


def module_of(path: Path, src: Path) -> tuple:
    rel = path.relative_to(src).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "mod":
        parts.pop()
    if parts == ["lib"] or parts == ["main"]:
        return ()
    return tuple(parts)


def strip(text: str) -> str:
    """Drops comments, string and char literals and the `#[cfg(test)] mod tests { .. }` block."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif c == "r" and re.match(r'r#*"', text[i:]) and not re.match(r"\w", text[i - 1 : i] or " "):
            hashes = re.match(r'r(#*)"', text[i:]).group(1)
            j = text.find('"' + hashes, i + 2 + len(hashes))
            out.append('""')
            i = n if j < 0 else j + 1 + len(hashes)
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""')
            i = j + 1
        elif c == "'" and re.match(r"'(\\.[^']*|[^\\'])'", text[i:]):
            m = re.match(r"'(\\.[^']*|[^\\'])'", text[i:])
            out.append("' '")
            i += m.end()
        else:
            out.append(c)
            i += 1
    text = "".join(out)
    m = re.search(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text)
    if m:
        text = text[: m.start()]
    return text


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    show = "--edges" in sys.argv
    allow_parent = "--allow-parent" in sys.argv
    src = Path(args[0] if args else "src")
    files = {}
    for p in sorted(src.rglob("*.rs")):
        files[module_of(p, src)] = p
    edges = {}
    for mod, p in files.items():
        text = strip(p.read_text())
        is_mod_rs = p.name in ("mod.rs", "lib.rs", "main.rs")
        targets = set()

        def add(full):
            # longest prefix that is a file
            for n in range(len(full), 0, -1):
                if full[:n] in files:
                    if full[:n] != mod:
                        targets.add(full[:n])
                    break
        for m in re.finditer(r"(?<![\w:])(crate|super)((?:::\w+)+)", text):
            line_start = text.rfind("\n", 0, m.start()) + 1
            line = text[line_start : m.start()]
            if is_mod_rs and re.match(r"\s*pub(\(\w+\))?\s+use\b", line):
                continue
            segs = m.group(2).split("::")[1:]
            if m.group(1) == "crate":
                full = tuple(segs)
            else:
                up = 1
                while segs and segs[0] == "super":
                    segs, up = segs[1:], up + 1
                full = mod[: len(mod) - up] + tuple(segs)
            add(full)
        for m in re.finditer(r"(?<![\w:])(crate|super)((?:::\w+)*)::\{([^{}]*)\}", text):
            line_start = text.rfind("\n", 0, m.start()) + 1
            if is_mod_rs and re.match(r"\s*pub(\(\w+\))?\s+use\b", text[line_start : m.start()]):
                continue
            for item in m.group(3).split(","):
                item = item.strip().split(" as ")[0].strip()
                if not item:
                    continue
                segs = m.group(2).split("::")[1:] + item.split("::")
                segs = [x for x in segs if x != "self"]
                if m.group(1) == "crate":
                    add(tuple(segs))
                else:
                    up = 1
                    while segs and segs[0] == "super":
                        segs, up = segs[1:], up + 1
                    add(mod[: len(mod) - up] + tuple(segs))
        # in a mod.rs, a child module is named without a prefix: `sweep::run_sweep(..)`
        children = re.findall(r"^\s*(?:pub(?:\(\w+\))?\s+)?mod\s+(\w+)\s*;", text, re.M)
        for c in children:
            for m in re.finditer(r"(?<![\w:])" + c + r"((?:::\w+)+)", text):
                line_start = text.rfind("\n", 0, m.start()) + 1
                line = text[line_start : m.start()]
                if re.match(r"\s*pub(\(\w+\))?\s+use\b", line):
                    continue
                add(mod + (c,) + tuple(m.group(1).split("::")[1:]))
        if allow_parent:
            targets.discard(mod[:-1])
        edges[mod] = targets
    if show:
        for a in sorted(edges):
            for b in sorted(edges[a]):
                print(f"{'::'.join(a)} -> {'::'.join(b)}")
    # cycles: strongly connected components of more than one file
    index, low, on, stack, sccs = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(comp)

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    for comp in sccs:
        names = sorted("::".join(c) for c in comp)
        print("cycle: " + " <-> ".join(names))
    if not sccs:
        print(f"no import cycles among {len(files)} files of {src}")
    return 1 if sccs else 0


if __name__ == "__main__":
    sys.exit(main())
