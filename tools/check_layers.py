#!/usr/bin/env python3
# The layers of nfg, checked: every #include "..." in production code names
# a header of its own folder, or of a folder its layer may use. The layers
# (README, "Design"):
#
#   include/nfg/   the public API             used by everyone
#   model/         the model of a graph       used by graph/ and runtime/
#   graph/         JSON -> model              its own headers only
#   runtime/       runs a model               its own headers only
#   operators/, nf/, plugins/NAME/            the public API only
#
# Unit tests, fuzzers and benchmarks are white-box and not checked. Prints
# each include that crosses a layer it may not, and exits 1 if there is one.
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
CHECKED = ["include/nfg", "model", "graph", "runtime", "operators", "nf", "plugins"]
MAY_USE = {
    "include/nfg": set(),
    "model": {"include/nfg"},
    "graph": {"include/nfg", "model"},
    "runtime": {"include/nfg", "model"},
    "operators": {"include/nfg"},
    "nf": {"include/nfg"},
}
# Known crossings, each with why it is still there. Remove a line when its
# include goes; a crossing not listed here fails the check.
KNOWN = set()
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)


def layer(rel):
    """The layer a repository path belongs to, or None outside production code."""
    if rel.startswith("include/nfg/"):
        return "include/nfg"
    parts = rel.split("/")
    if parts[0] == "plugins" and len(parts) > 2:
        return "plugins/" + parts[1]  # each plugin is on its own
    if parts[0] in MAY_USE and len(parts) > 1:
        return parts[0]
    return None


def resolve(src, name):
    """The repository path of `#include "name"` in src: next to it first, then
    -Iinclude, as the compiler looks."""
    for base in (os.path.dirname(src), "include"):
        rel = os.path.normpath(os.path.join(base, name))
        if os.path.exists(os.path.join(ROOT, rel)):
            return rel
    return os.path.normpath(os.path.join(os.path.dirname(src), name))


def main():
    bad, seen = [], set()
    for top in CHECKED:
        for dirpath, _, files in os.walk(os.path.join(ROOT, top)):
            for f in sorted(files):
                if not f.endswith((".c", ".h")):
                    continue
                src = os.path.relpath(os.path.join(dirpath, f), ROOT)
                own = layer(src)
                uses = MAY_USE.get(own, {"include/nfg"})
                with open(os.path.join(ROOT, src), errors="replace") as fh:
                    text = fh.read()
                for name in INCLUDE.findall(text):
                    dst = resolve(src, name)
                    other = layer(dst)
                    if other == own or other in uses:
                        continue
                    if (src, dst) in KNOWN:
                        seen.add((src, dst))
                        continue
                    what = other or "outside the layers"
                    bad.append(f'{src}: includes "{name}" ({dst}): {own}/ may use '
                               f'{", ".join(sorted(uses)) or "nothing else"}, not {what}')
    for src, dst in sorted(KNOWN - seen):
        bad.append(f"{src} no longer includes {dst}: remove it from KNOWN in {sys.argv[0]}")
    for line in bad:
        print("check_layers: " + line, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
