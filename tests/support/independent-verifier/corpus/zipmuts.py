"""Hostile zips (z-*) and manifests (m-*) around the custody-case fixture: container, path, duplicate
and entry-type failures, size caps, and manifest JSON the document forbids.

    python3 zipmuts.py OUTDIR
"""
import os
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *  # noqa: F401,F403
from common import cli, out_dir
from common import out_path


def raw_zip(entries, eocd_extra=b'', zip64=None):
    """entries: list of dicts name(bytes), data(bytes), method, comp(bytes opt), flags, crc, csize, usize, made_by, ext,
    lname, lmethod; lextra / cextra (extra fields of the local / central header), pre (bytes written before the local
    header), dd (a data descriptor written after the data), hidden (a local entry the central directory does not list).
    zip64: None, or a dict of ZIP64 end record values (count) written with its locator before the end record."""
    out = bytearray(); cds = []
    for e in entries:
        nb = e['name']; data = e.get('data', b''); method = e.get('method', 0)
        if 'comp' in e: comp = e['comp']
        elif method == 8:
            c = zlib.compressobj(9, zlib.DEFLATED, -15); comp = c.compress(data) + c.flush()
        else: comp = data
        crc = e.get('crc', zlib.crc32(data) & 0xffffffff)
        cs = e.get('csize', len(comp)); us = e.get('usize', len(data)); fl = e.get('flags', 0x800)
        out += e.get('pre', b'')
        off = len(out)
        ln = e.get('lname', nb); lx = e.get('lextra', b''); cx = e.get('cextra', b'')
        out += struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, e.get('lflags', fl), e.get('lmethod', method), 0, 0x21, crc, cs, us, len(ln), len(lx)) + ln + lx + comp
        out += e.get('dd', b'')
        if e.get('hidden'):
            continue
        cds.append(struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, e.get('made_by', 0x033f), 20, fl, method, 0, 0x21, crc, cs, us, len(nb), len(cx), 0, 0, 0, e.get('ext', 0x81a40000), e.get('lho', off)) + nb + cx)
    cdo = len(out); cd = b''.join(cds); out += cd
    n = len(cds)
    if zip64 is not None:
        z = len(out); cnt = zip64.get('count', n)
        out += struct.pack('<IQHHIIQQQQ', 0x06064b50, 44, 0x033f, 45, 0, 0, cnt, cnt, len(cd), cdo)
        out += struct.pack('<IIQI', 0x07064b50, 0, z, 1)
        out += struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, 0xffff, 0xffff, 0xffffffff, 0xffffffff, len(eocd_extra)) + eocd_extra
        return bytes(out)
    out += struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, n, n, len(cd), cdo, len(eocd_extra)) + eocd_extra
    return bytes(out)


def E(name, data, **kw): return dict(name=name if isinstance(name, bytes) else name.encode(), data=data, **kw)


def generate(outdir):
    out_dir(outdir)
    orig = load('custody-case')
    base = sorted(orig.items(), key=lambda kv: kv[0].encode())
    def basee(): return [E(n, d) for n, d in base]
    out = []
    def W(name, b):
        p = out_path(name)
        with open(p, 'wb') as f:
            f.write(b)
        out.append(p)
    def mod(name, idx_name, **kw):
        es = basee()
        for e in es:
            if e['name'] == idx_name.encode(): e.update(kw)
        W(name, raw_zip(es))
    def add(name, *extra):
        es = basee() + list(extra); W(name, raw_zip(es))
    W('z-notzip', b'hello world' * 10)
    good = raw_zip(basee())
    W('z-trunc', good[:-10])
    W('z-trailing', good + b'JUNK')
    W('z-cdsig', good.replace(b'PK\x01\x02', b'PK\x01\x03', 1))
    mod('z-lname', 'block.json', lname=b'blocx.json')
    mod('z-lmethod', 'block.json', lmethod=8)
    mod('z-encrypted', 'block.json', flags=0x801, lflags=0x801)
    mod('z-method12', 'block.json', method=12)
    mod('z-crc', 'block.json', crc=0)
    mod('z-usize', 'block.json', usize=10)
    mod('z-csize-past', 'request.json', csize=10**6)
    mod('z-lho-bad', 'block.json', lho=5)
    mod('z-deflate', 'block.json', method=8)
    d = orig['block.json']; c = zlib.compressobj(9, zlib.DEFLATED, -15); comp = c.compress(d) + c.flush()
    mod('z-deflate-hidden', 'block.json', method=8, comp=comp + b'XXXX')
    mod('z-deflate-trunc', 'block.json', method=8, comp=comp[:-20])
    mod('z-deflate-damaged', 'block.json', method=8, comp=b'\xff' * 50)
    MiB = 1 << 20
    bomb = b'\0' * (3 * MiB)
    add('z-bomb', E('bomb.bin', bomb, method=8))
    add('z-big-stored', E('big.bin', b'a' * (64 * MiB + 1)))
    c = zlib.compressobj(9, zlib.DEFLATED, -15); bombc = c.compress(bomb) + c.flush()
    add('z-bomb-liesize', E('bomb.bin', bomb, method=8, comp=bombc, csize=len(bombc)))
    for nm, p in [('dotdot', '../x'), ('dot', 'a/./b/../c'), ('parent', 'a/../b/./c'), ('emptyseg', 'a//b'), ('abs', '/abs'), ('drive', 'C:x'), ('bs', 'a\\b'), ('ctrl', 'a\x01b'), ('del', 'a\x7fb'), ('long', 'a' * 1025), ('long1024', 'a' * 1024), ('trail', 'x/'), ('dots3', '.../.a')]:
        add('z-path-' + nm, E(p, b''))
    add('z-path-empty', E(b'', b''))
    add('z-path-badutf8', E(b'a\xffb', b''))
    add('z-path-nonascii-nobit', E('é.txt', b'', flags=0))
    add('z-path-nonascii-bit', E('é.txt', b''))
    add('z-dup-case', E('Block.json', b'x'))
    add('z-dup-exact', E('block.json', b'x'))
    add('z-dup-nfc', E('e\u0301.txt', b''), E('\u00e9.txt', b''))
    add('z-dup-sharp', E('STRASSE.txt', b''), E('straße.txt', b''))
    add('z-symlink', E('link', b'block.json', ext=0o120777 << 16))
    add('z-fifo', E('fifo', b'', ext=0o010644 << 16))
    add('z-reparse', E('rp', b'', ext=0x400))
    add('z-dosdir-data', E('dd', b'x', ext=0x10, made_by=0x0014))
    add('z-dir-data', E('proofs/', b'x', ext=0o040755 << 16))
    add('z-dir-ok', E('proofs/', b'', ext=0o040755 << 16))
    add('z-dir-ok2', E('attestations/', b''))
    add('z-dir-usize', E('dirx/', b'', usize=5, crc=0))
    add('z-nonunix-type', E('weird', b'', made_by=0x0014, ext=0o120777 << 16))
    add('z-att-junk', E('attestations/readme.txt', b'hi'))
    # alternate names (Info-ZIP Unicode Path / Comment extra fields), in the central or the local header
    upath = struct.pack('<HHB', 0x7075, 5 + 10, 1) + b'\0\0\0\0' + b'other.json'
    ucom = struct.pack('<HHB', 0x6375, 5 + 2, 1) + b'\0\0\0\0' + b'hi'
    other = struct.pack('<HH', 0xcafe, 2) + b'ok'
    mod('z-altname-central', 'block.json', cextra=upath)
    mod('z-altname-local', 'block.json', lextra=ucom)
    mod('z-extra-other', 'block.json', cextra=other, lextra=other)
    mod('z-altname-and-lname', 'block.json', cextra=upath, lname=b'blocx.json')
    # bytes no listed entry covers: a gap, a hidden local entry, junk before the first entry
    mod('z-gap', 'block.json', pre=b'JUNKJUNK')
    es = basee(); es.insert(3, E('hidden.json', b'{"hidden":true}', hidden=True)); W('z-hidden-local', raw_zip(es))
    es = basee(); es.append(E('hidden.json', b'{}', hidden=True)); W('z-hidden-last', raw_zip(es))
    es = basee(); es[0]['pre'] = b'PK'; W('z-prefix', raw_zip(es))
    mod('z-gap-and-encrypted', 'block.json', pre=b'JUNK', flags=0x801, lflags=0x801)
    # data descriptors (flag bit 3): 16 bytes with the PK\7\8 signature, or 12 without
    bd = orig['block.json']; bcrc = zlib.crc32(bd) & 0xffffffff
    mod('z-dd16', 'block.json', flags=0x808, dd=struct.pack('<IIII', 0x08074b50, bcrc, len(bd), len(bd)))
    mod('z-dd12', 'block.json', flags=0x808, dd=struct.pack('<III', bcrc, len(bd), len(bd)))
    mod('z-dd-missing', 'block.json', flags=0x808)
    # ZIP64 end records; the end record's place
    W('z-zip64', raw_zip(basee(), zip64={}))
    W('z-zip64-many', raw_zip(basee(), zip64={'count': 200000}))
    W('z-eocd-comment', raw_zip(basee(), eocd_extra=b'a comment'))
    W('z-eocd-sig-in-comment', raw_zip(basee(), eocd_extra=b'PK\x05\x06' + b'\0' * 18))
    # multiple failures: bad path and duplicate and symlink
    add('z-multi', E('../x', b''), E('BLOCK.JSON', b''), E('ln', b'', ext=0o120777 << 16))
    # container failure + path failure
    es = basee(); es[0]['crc'] = 0; es.append(E('../x', b'')); W('z-crc-and-path', raw_zip(es))
    # unlisted entry in the middle with deflate ok
    # manifest problems via raw entries
    def man(name, mbytes):
        es = [E(n, (mbytes if n == 'manifest.json' else d)) for n, d in base]; W(name, raw_zip(es))
    mj = orig['manifest.json']
    man('m-bom', b'\xef\xbb\xbf' + mj)
    man('m-ws', mj + b'\n')
    man('m-notjson', b'{')
    man('m-array', b'[]')
    man('m-escape', mj.replace(b'"kind"', b'"\\u006bind"'))
    man('m-bignum', mj.replace(b'"height":6', b'"height":9007199254740992'))
    man('m-float', mj.replace(b'"height":6', b'"height":6.0'))
    man('m-exp', mj.replace(b'"height":6', b'"height":6e0'))
    man('m-neg', mj.replace(b'"height":6', b'"height":-1'))
    man('m-fmt-num', mj.replace(b'"charter.bundle/v2"', b'2'))
    man('m-fmt-v3-extra', mj.replace(b'"charter.bundle/v2"', b'"charter.bundle/v3"').replace(b'{"created_by"', b'{"a":1,"created_by"'))
    man('m-kind-bad', mj.replace(b'"custody-case"', b'"Custody"'))
    es = [E(n, d) for n, d in base if n != 'manifest.json']; W('m-missing', raw_zip(es))
    return out


if __name__ == "__main__":
    cli(generate)
