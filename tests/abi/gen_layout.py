#!/usr/bin/env python3
"""Writes a C file that prints, for every struct of a pc-switcher ABI header,
its size and each field's offset as C11 _Static_assert lines. Compiled and run
once per ABI version, its output is frozen under tests/abi/ (layout-X.Y.h);
abi_layout_test.c then checks the current plugin.h against every frozen
layout, so that a reordered, resized or removed field fails the build.

Usage: gen_layout.py INCLUDE_DIR HEADER... > printer.c   (HEADER relative to
INCLUDE_DIR, e.g. pcswitcher/plugin.h; then cc -I INCLUDE_DIR and run it)
"""
import re
import sys

include_dir, headers = sys.argv[1], sys.argv[2:]
structs = []
for header in headers:
    text = open(include_dir + "/" + header).read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    structs += [m for m in re.finditer(r"(?:typedef\s+)?struct\s+(\w+)\s*\{(.*?)\}\s*(\w*)\s*;", text, flags=re.S)]

layouts = []
for m in structs:
    tag, body, alias = m.group(1), m.group(2), m.group(3)
    fields = []
    for decl in body.split(";"):
        decl = " ".join(decl.split())
        if not decl:
            continue
        fp = re.search(r"\(\s*\*\s*(\w+)\s*\)", decl)
        if fp:
            fields.append(fp.group(1))
            continue
        for part in decl.split(","):
            name = re.findall(r"(\w+)\s*(?:\[[^\]]*\])?\s*$", part.strip())
            if name:
                fields.append(name[-1])
    layouts.append((alias or "struct " + tag, fields))

print("#include <stddef.h>\n#include <stdio.h>")
for header in headers:
    print(f"#include <{header}>")
print("\nint main(void) {")
for name, fields in layouts:
    print(f'  printf("_Static_assert(sizeof({name}) == %zu, \\"sizeof({name})\\");\\n", sizeof({name}));')
    for f in fields:
        print(f'  printf("_Static_assert(offsetof({name}, {f}) == %zu, \\"{name}.{f}\\");\\n", offsetof({name}, {f}));')
print("  return 0;\n}")
