#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""meson install script: put the default config and tables into CONFDIR,
each file only when CONFDIR has none of that name yet.

meson install puts the pristine defaults under <prefix>/share/xbgw/defaults
(overwritten by every install, as they are the package's); this copies
them into CONFDIR (/etc/xbgw) for the operator to edit.  A reinstall thus
never overwrites an edited table or config; a default that changed shows
with `diff -r <prefix>/share/xbgw/defaults /etc/xbgw`.

Usage (from meson.add_install_script): install-defaults.py DEFAULTS CONFDIR
Both absolute; $DESTDIR, when set, is prefixed to both.
"""
import os
import shutil
import sys


def under_destdir(path):
    destdir = os.environ.get('DESTDIR', '')
    if not destdir:
        return path
    return os.path.join(destdir, os.path.relpath(path, os.sep))


def main():
    defaults, confdir = (under_destdir(p) for p in sys.argv[1:3])
    dry = bool(os.environ.get('MESON_INSTALL_DRY_RUN'))
    quiet = bool(os.environ.get('MESON_INSTALL_QUIET'))
    for root, _dirs, files in os.walk(defaults):
        rel = os.path.relpath(root, defaults)
        for name in sorted(files):
            src = os.path.join(root, name)
            dst = os.path.normpath(os.path.join(confdir, rel, name))
            if os.path.exists(dst):
                if not quiet:
                    print('Keeping %s (exists; default in %s)' % (dst, src))
                continue
            if not quiet:
                print('Installing %s to %s' % (src, dst))
            if dry:
                continue
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(src, dst)
            os.chmod(dst, 0o644)


if __name__ == '__main__':
    main()
