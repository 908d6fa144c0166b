#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""embed-text.py INPUT OUTPUT NAME: a C file defining
`const char NAME[]` as INPUT's text (config/cluster.sql for
xbgw --cluster-init)."""
import json
import sys

with open(sys.argv[1]) as f:
    text = f.read()
with open(sys.argv[2], "w") as f:
    f.write("/* generated from %s */\nconst char %s[] = %s;\n"
            % (sys.argv[1], sys.argv[3], json.dumps(text)))
