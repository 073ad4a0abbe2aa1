#!/usr/bin/env python3
"""Files of a crate that import each other in a loop (by `crate::` and `super::` paths, tests and
comments aside): prints each strongly connected group of modules and fails on any loop not kept
on purpose. `python3 infra/scripts/import_loops.py shared/src functions/src infra/local/src`."""
import os,re,sys,itertools
def modules(root, crate):
    files={}
    for d,_,fs in os.walk(root):
        for f in fs:
            if f.endswith('.rs'):
                p=os.path.join(d,f); rel=os.path.relpath(p,root)[:-3]
                parts=rel.split('/')
                if parts[-1] in ('mod','lib','main'): parts=parts[:-1]
                if parts and parts[0]=='bin': continue
                files['::'.join(parts)]=p
    return files
def strip_tests(src):
    """The source without comments and without the item after each `#[cfg(test)]` (a test module
    with its braces, or a single `use`/item line)."""
    out, i = [], 0
    while True:
        j = src.find('#[cfg(test)]', i)
        if j < 0:
            out.append(src[i:])
            return strip_comments(''.join(out))
        out.append(src[i:j])
        k = j + len('#[cfg(test)]')
        semi, brace = src.find(';', k), src.find('{', k)
        if brace < 0 or (0 <= semi < brace):
            i = semi + 1 if semi >= 0 else len(src)
            continue
        i = matching_brace(src, brace) + 1


def strip_comments(src):
    """Line comments out, where `//` is not inside a string (an even count of quotes before it)."""
    lines = []
    for line in src.split('\n'):
        k = line.find('//')
        while k >= 0 and line[:k].count('"') % 2:
            k = line.find('//', k + 2)
        lines.append(line if k < 0 else line[:k])
    return '\n'.join(lines)


def matching_brace(src, at):
    """The index of the `}` closing the `{` at `at`, skipping string and char literals."""
    depth, m = 0, at
    while m < len(src):
        c = src[m]
        raw = re.match(r'r(#*)"', src[m:m + 10]) if c == 'r' and not (m and (src[m - 1].isalnum() or src[m - 1] == '_')) else None
        if raw:
            end = src.find('"' + raw.group(1), m + len(raw.group(0)))
            m = (end if end >= 0 else len(src)) + len(raw.group(1)) + 1
            continue
        if src.startswith('//', m):
            end = src.find('\n', m)
            m = end if end >= 0 else len(src)
            continue
        if c == '"':
            m += 1
            while m < len(src) and src[m] != '"':
                m += 2 if src[m] == '\\' else 1
            m += 1
            continue
        char = re.match(r"'(\\.[^']*|[^\\'])'", src[m:m + 12])
        if c == "'" and char:
            m += len(char.group(0))
            continue
        if c == '{':
            depth += 1
        elif c == '}':
            depth -= 1
            if depth == 0:
                return m
        m += 1
    return len(src)

def deps(files, crate_prefix):
    g={}
    for m,p in files.items():
        src=strip_tests(open(p).read())
        refs=set()
        for mm in re.finditer(r'\b(crate|super)((?:::[a-z_][a-z0-9_]*)+)', src):
            head, path = mm.group(1), mm.group(2).split('::')[1:]
            if head=='crate': base=[]
            else:
                base=m.split('::') if m else []
                # super relative to file module: for mod.rs files the module is the dir
                base=base[:-1]
            full=base+path
            # longest prefix that is a module
            for k in range(len(full),0,-1):
                cand='::'.join(full[:k])
                if cand in files:
                    if cand!=m: refs.add(cand)
                    break
        # use super::{a, b} groups
        for mm in re.finditer(r'use (crate|super)::\{([^}]*)\}', src):
            head=mm.group(1)
            base=[] if head=='crate' else (m.split('::')[:-1] if m else [])
            for item in mm.group(2).split(','):
                item=item.strip().split('::')[0].strip()
                cand='::'.join(base+[item])
                if cand in files and cand!=m: refs.add(cand)
        g[m]=refs
    return g
def sccs(g):
    index={};low={};st=[];on=set();res=[];c=[0]
    sys.setrecursionlimit(10000)
    def sc(v):
        index[v]=low[v]=c[0];c[0]+=1;st.append(v);on.add(v)
        for w in g.get(v,()):
            if w not in index: sc(w); low[v]=min(low[v],low[w])
            elif w in on: low[v]=min(low[v],index[w])
        if low[v]==index[v]:
            comp=[]
            while True:
                w=st.pop();on.discard(w);comp.append(w)
                if w==v:break
            res.append(comp)
    for v in g:
        if v not in index: sc(v)
    return [c for c in res if len(c)>1]
# The loops kept on purpose, each explained (README "Layers").
ALLOWED = {
    # The registry lists every Lambda, the fallback route's among them; the fallback answers 405
    # with the methods of the routes the registry lists.
    ("functions/src", ("fallback", "registry")),
}

found = 0
for root in sys.argv[1:]:
    files = modules(root, '')
    g = deps(files, '')
    for comp in sccs(g):
        comp = tuple(sorted(comp))
        allowed = (root.rstrip('/'), comp) in ALLOWED
        print(("kept: " if allowed else "LOOP: ") + root, list(comp))
        for a in comp:
            print('   ', a, '->', sorted(x for x in g[a] if x in comp))
        found += 0 if allowed else 1
sys.exit(1 if found else 0)
