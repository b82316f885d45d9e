#!/usr/bin/env python3
# The plugin API's exported symbols, read from the public headers: every
# function they declare without defining it (not static inline), and every
# variable they declare extern. Printed as a linker dynamic list, so that the
# nfg binary exports exactly the API (Makefile: -Wl,--dynamic-list).
import re
import sys

names = set()
for path in sys.argv[1:]:
    text = open(path).read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)      # comments
    text = re.sub(r"#ifdef __cplusplus.*?#endif", "", text, flags=re.S)
    text = re.sub(r"^\s*#.*$", "", text, flags=re.M)       # preprocessor lines
    # Top-level statements only: drop the bodies of inline functions and
    # the members of structs, enums and unions.
    depth, flat = 0, []
    for ch in text:
        if ch == "{":
            depth += 1
            if depth == 1:
                flat.append(";")
            continue
        if ch == "}":
            depth -= 1
            continue
        if depth == 0:
            flat.append(ch)
    for stmt in "".join(flat).split(";"):
        stmt = " ".join(stmt.split())
        if not stmt or stmt.startswith("static") or stmt.startswith("typedef"):
            continue
        m = re.search(r"\b(nfg_\w+)\s*\(", stmt)
        if m:
            names.add(m.group(1))
            continue
        m = re.match(r"extern\s+[^(]*?\b(nfg_\w+)\s*(\[[^]]*\])?$", stmt)
        if m:
            names.add(m.group(1))
print("{")
for n in sorted(names):
    print(f"\t{n};")
print("};")
