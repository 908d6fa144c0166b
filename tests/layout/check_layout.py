#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check the house rules of the source tree against its declared layering.

The top-level meson.build lists the libraries lowest layer first
(xb_layers); each library's meson.build names the libraries it uses
(deps = [...]) and whether it must run without EAL (eal_free = true).
This script fails, naming file and line, on:

  1. a deps entry that is not an earlier library of xb_layers;
  2. an #include "..." of a header from a library the including file's
     library does not use (directly or through its deps): a lower layer
     reaching up, or a sideways reach that was never declared;
  3. a circle of includes between modules (a module is a .c and its .h);
  4. with --build: a circle of calls between object files, or an object
     calling a function of a library its library does not use (read with
     nm from the built archives; this also catches circles hidden behind
     a shared header), and an EAL-free library calling any rte_ function.

Usage: check_layout.py SOURCE_ROOT [--build BUILD_DIR]
       check_layout.py --self-test
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def meson_list(text, var):
    """The string list assigned to var in a meson.build (first one)."""
    m = re.search(r'^\s*' + var + r'\s*=\s*\[(.*?)\]', text, re.S | re.M)
    if not m:
        return None
    body = re.sub(r'#[^\n]*', '', m.group(1))
    return re.findall(r"'([^']*)'", body)


def read_layers(root):
    top = open(os.path.join(root, 'meson.build')).read()
    layers = meson_list(top, 'xb_layers')
    if not layers:
        sys.exit('check_layout: no xb_layers list in meson.build')
    spec = {}
    for d in layers:
        path = os.path.join(root, d, 'meson.build')
        text = open(path).read()
        spec[d] = {
            'deps': meson_list(text, 'deps') or [],
            'eal_free': re.search(r'^\s*eal_free\s*=\s*true', text, re.M)
                        is not None,
            'meson': path,
        }
    return layers, spec


def closure(spec, d):
    seen, todo = set(), list(spec[d]['deps'])
    while todo:
        x = todo.pop()
        if x not in seen and x in spec:
            seen.add(x)
            todo.extend(spec[x]['deps'])
    return seen


def layer_files(root, layers):
    """(path relative to root) -> layer, for .c/.h files of each library
    folder itself (subfolders that are libraries of their own excluded),
    and 'app' for app/main.c (the top: it may use everything)."""
    owner = {}
    for d in layers:
        full = os.path.join(root, d)
        for f in sorted(os.listdir(full)):
            if f.endswith(('.c', '.h')) and os.path.isfile(os.path.join(full, f)):
                owner[os.path.join(d, f)] = d
    for f in sorted(os.listdir(os.path.join(root, 'app'))):
        if f.endswith(('.c', '.h')):
            owner[os.path.join('app', f)] = 'app'
    return owner


def check_sources(root, layers, spec, errors):
    order = {d: i for i, d in enumerate(layers)}
    for d in layers:
        line = 0
        text = open(spec[d]['meson']).read()
        for dep in spec[d]['deps']:
            line = next((i + 1 for i, l in enumerate(text.splitlines())
                         if "'" + dep + "'" in l), 0)
            if dep not in order:
                errors.append('%s:%d: deps names %s, which is not a library '
                              'of xb_layers' % (spec[d]['meson'], line, dep))
            elif order[dep] >= order[d]:
                errors.append('%s:%d: deps names %s, which is not below %s '
                              'in xb_layers' % (spec[d]['meson'], line, dep, d))

    owner = layer_files(root, layers)
    by_name = {}
    for path in owner:
        by_name.setdefault(os.path.basename(path), []).append(path)
    for name, paths in by_name.items():
        if len(paths) > 1 and name.endswith('.h'):
            errors.append('%s: header name also used by %s (includes are '
                          'by name)' % (paths[0], ', '.join(paths[1:])))

    edges = {}  # module -> {module: (file, line)}
    for path, lay in owner.items():
        allowed = ({lay} | closure(spec, lay)) if lay != 'app' else None
        mod = os.path.splitext(path)[0]
        for n, text in enumerate(open(os.path.join(root, path)), 1):
            m = INCLUDE.match(text)
            if not m:
                continue
            inc = m.group(1)
            local = os.path.normpath(os.path.join(os.path.dirname(path), inc))
            if local in owner:
                target = local
            elif os.path.basename(inc) in by_name:
                target = by_name[os.path.basename(inc)][0]
            else:
                continue  # not a header of the libraries (e.g. xdp/)
            tl = owner[target]
            if allowed is not None and tl not in allowed:
                errors.append('%s:%d: includes %s of %s, which %s does not '
                              'use (its meson.build deps: %s)' % (
                                  path, n, inc, tl, lay,
                                  ', '.join(spec[lay]['deps']) or 'none'))
            tmod = os.path.splitext(target)[0]
            if tmod != mod:
                edges.setdefault(mod, {}).setdefault(tmod, (path, n))
    for cyc in cycles(edges):
        steps = []
        for a, b in zip(cyc, cyc[1:] + cyc[:1]):
            f, n = edges[a][b]
            steps.append('%s:%d includes %s' % (f, n, b))
        errors.append('include circle: ' + '; '.join(steps))


def cycles(edges):
    """One representative circle per strongly connected component."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                strong(w)
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
                out.append(path_in(edges, set(comp)))

    for v in sorted(edges):
        if v not in index:
            strong(v)
    return out


def path_in(edges, comp):
    """A circle through the smallest node of comp, found breadth first."""
    start = min(comp)
    prev, todo = {start: None}, [start]
    while todo:
        v = todo.pop(0)
        for w in sorted(edges.get(v, {})):
            if w not in comp:
                continue
            if w == start:
                cyc = [v]
                while prev[cyc[-1]] is not None:
                    cyc.append(prev[cyc[-1]])
                return list(reversed(cyc))
            if w not in prev:
                prev[w] = v
                todo.append(w)
    return sorted(comp)


def lib_name(d):
    return 'xb' + d.replace('classifiers/', '').replace('app/', '') \
        .replace('/', '_')


def check_objects(layers, spec, build, errors):
    defined, undefined, lib_of = {}, {}, {}
    for d in layers:
        archive = os.path.join(build, 'lib%s.a' % lib_name(d))
        if not os.path.exists(archive):
            errors.append('%s: not built (build the project first)' % archive)
            continue
        out = subprocess.run(['nm', '-A', archive], capture_output=True,
                             text=True, check=True).stdout
        for line in out.splitlines():
            parts = line.rsplit(None, 2)
            if len(parts) < 3:
                continue
            obj = parts[0].split(':')[1]  # archive:member:[address]
            kind, sym = parts[-2], parts[-1]
            mod = re.sub(r'\.c\.o$', '', re.sub(r'^.*_(xb_)', r'\1', obj))
            mod = '%s/%s' % (d, mod)
            lib_of[mod] = d
            if kind == 'U':
                undefined.setdefault(mod, set()).add(sym)
            elif kind.isupper():
                defined.setdefault(sym, mod)
    edges = {}
    for mod, syms in sorted(undefined.items()):
        d = lib_of[mod]
        allowed = {d} | closure(spec, d)
        for sym in sorted(syms):
            if spec[d]['eal_free'] and sym.startswith('rte_'):
                errors.append('%s (%s): calls %s, but %s must run without '
                              'EAL (eal_free)' % (mod, d, sym, d))
            tmod = defined.get(sym)
            if tmod is None or tmod == mod:
                continue
            if lib_of[tmod] not in allowed:
                errors.append('%s: calls %s of %s, which %s does not use '
                              '(its meson.build deps: %s)' % (
                                  mod, sym, tmod, d,
                                  ', '.join(spec[d]['deps']) or 'none'))
            edges.setdefault(mod, {}).setdefault(tmod, (mod, sym))
    for cyc in cycles(edges):
        steps = ['%s calls %s (%s)' % (a, b, edges[a][b][1])
                 for a, b in zip(cyc, cyc[1:] + cyc[:1])]
        errors.append('call circle: ' + '; '.join(steps))


def run(root, build):
    layers, spec = read_layers(root)
    errors = []
    check_sources(root, layers, spec, errors)
    if build:
        check_objects(layers, spec, build, errors)
    return layers, spec, errors


def self_test():
    """The checker must fail on what it is meant to catch."""
    tmp = tempfile.mkdtemp(prefix='xbgw-layout-')
    try:
        def put(path, text):
            full = os.path.join(tmp, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            open(full, 'w').write(text)
        put('meson.build', "xb_layers = [\n  'lo',  # low\n  'hi',\n]\n")
        put('lo/meson.build', "sources = files('a.c')\n")
        put('hi/meson.build', "deps = ['lo']\n")
        put('app/main.c', '#include "b.h"\n')
        put('lo/a.h', '')
        put('lo/a.c', '#include "a.h"\n#include "b.h"\n')   # upward
        put('hi/b.h', '')
        put('hi/b.c', '#include "b.h"\n#include "c.h"\n')
        put('hi/c.h', '')
        put('hi/c.c', '#include "c.h"\n#include "b.h"\n')   # circle
        _, _, errs = run(tmp, None)
        want = ['lo/a.c:2: includes b.h of hi, which lo does not use',
                'include circle: hi/b.c:2 includes hi/c; hi/c.c:2 includes hi/b']
        for w in want:
            if not any(e.startswith(w) for e in errs):
                print('self-test: expected "%s" among:\n  %s' %
                      (w, '\n  '.join(errs) or '(no error)'))
                return 1
        if len(errs) != len(want):
            print('self-test: unexpected errors:\n  ' + '\n  '.join(errs))
            return 1
        put('lo/a.c', '#include "a.h"\n')
        put('hi/c.c', '#include "c.h"\n')
        _, _, errs = run(tmp, None)
        if errs:
            print('self-test: clean tree reported:\n  ' + '\n  '.join(errs))
            return 1
        print('self-test: OK (an upward include and a circle are caught, '
              'a clean tree passes)')
        return 0
    finally:
        shutil.rmtree(tmp)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('root', nargs='?')
    ap.add_argument('--build')
    ap.add_argument('--self-test', action='store_true')
    a = ap.parse_args()
    if a.self_test:
        return self_test()
    if not a.root:
        ap.error('SOURCE_ROOT is required')
    layers, spec, errors = run(a.root, a.build)
    for e in errors:
        print(e)
    if errors:
        print('%d layout error(s)' % len(errors))
        return 1
    for d in layers:
        print('%-20s %s%s' % (d, ', '.join(spec[d]['deps']) or '-',
                              ' (no EAL)' if spec[d]['eal_free'] else ''))
    print('layout OK: %d libraries, no include or call circle, every '
          'include and call within the declared deps' % len(layers))
    return 0


if __name__ == '__main__':
    sys.exit(main())
