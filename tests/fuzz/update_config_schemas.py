#!/usr/bin/env python3
"""Rewrites config_schemas.json (fuzz_config's fixed schema set) from the bundled
plugins, as `pc-switcher plugins show NAME` prints them.
Usage: PCSWITCHER_PLUGIN_PATH=build/bundled-plugins tests/fuzz/update_config_schemas.py build/host/pc-switcher"""
import json
import os
import subprocess
import sys

pc = sys.argv[1]
listing = json.loads(subprocess.check_output([pc, "plugins", "--json"]))
plugins = []
for p in listing["plugins"]:
    text = subprocess.check_output([pc, "plugins", "show", p["name"]]).decode()
    start = text.index("\n{", text.index("Config schema")) + 1
    schema, _ = json.JSONDecoder().raw_decode(text[start:])
    plugins.append({"name": p["name"], "kind": p["kind"], "required": p["required"], "schema": schema})
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "config_schemas.json")
with open(out, "w") as f:
    json.dump({"plugins": plugins}, f, indent=1, sort_keys=True)
