#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the installed xbgw.conf from the source tree's config/xbgw.conf.

The source tree's config is for runs from the source tree (relative paths,
usage in memory, no event log).  The installed one differs in what a
service needs: the geo files named under GEO_DIR (<prefix>/share/xbgw/geo,
data, not configuration), usage records in STATE_DIR, the event log and
the flow log under LOG_DIR.  The tables stay relative (/etc/xbgw).

Usage: installed-conf.py IN OUT GEO_DIR STATE_DIR LOG_DIR
"""
import os
import sys


def main():
    src, out, geo_dir, state_dir, log_dir = sys.argv[1:6]
    lines = []
    for line in open(src):
        key = line.split('=', 1)[0].strip()
        if key == 'geo' and '=' in line:
            items = [i.strip() for i in line.split('=', 1)[1].split(',')]
            items = [os.path.join(geo_dir, os.path.basename(i))
                     if i.startswith('geo/') else i for i in items if i]
            line = 'geo = ' + ', '.join(items) + '\n'
        elif line.startswith('; Paths are relative to this file.'):
            line = ('; Installed by meson install; yours to edit (a reinstall '
                    'keeps it).\n; Relative paths are relative to this '
                    'file.  See README.md for every key.\n')
        lines.append(line)
    if lines and not lines[-1].endswith('\n'):
        lines[-1] += '\n'
    lines += [
        '\n',
        '[state]\n',
        '; Usage records (kept across restarts; systemd StateDirectory).\n',
        'dir = %s\n' % state_dir,
        '\n',
        '[events]\n',
        '; Hash-chained event log (systemd LogsDirectory).\n',
        'file = %s\n' % os.path.join(log_dir, 'events.jsonl'),
        '\n',
        '[flowlog]\n',
        '; One JSON line per ended flow, appended; reopened on SIGUSR1 and\n',
        '; on reload (logrotate: /etc/logrotate.d/xbgw).\n',
        'file = %s\n' % os.path.join(log_dir, 'flows.jsonl'),
    ]
    with open(out, 'w') as f:
        f.writelines(lines)


if __name__ == '__main__':
    main()
