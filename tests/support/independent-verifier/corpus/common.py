"""Shared helpers of the corpus generators: the public fixture keys, a zip writer and the
bundle rebuild steps of docs/formats/evidence-bundle.md (manifest, DSSE attestation). They use
the independent verifier's own cjson/ccrypto (never product code) and read only the published
fixtures tests/fixtures/bundle/*.zip.

Key n is the public test key whose Ed25519 secret is 32 bytes of n (9: validator, log key and
console; 8: witness). Everything here is deterministic: no timestamps, no randomness.
"""
import base64
import hashlib
import json
import os
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # cjson, ccrypto of the independent verifier

from cjson import jcs, parse  # noqa: E402
from ccrypto import key_id_of, D  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
FIXTURES = os.environ.get('CHARTER_BUNDLE_FIXTURES') or os.path.join(REPO, 'tests', 'fixtures', 'bundle')

OUT = None  # output directory, set by out_dir()


def out_dir(d):
    global OUT
    os.makedirs(d, exist_ok=True)
    OUT = d
    return d


def out_path(name):
    if OUT is None:
        raise RuntimeError('out_dir() not set')
    return os.path.join(OUT, name + '.zip')


def key(n): return Ed25519PrivateKey.from_private_bytes(bytes([n]) * 32)
def pub(n): return key(n).public_key().public_bytes_raw()


K9 = key(9)


def load(name):
    import zipfile
    with zipfile.ZipFile(os.path.join(FIXTURES, name + '.zip')) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def write_zip(path, entries, method=0):
    """entries: list of (name (str|bytes), data): a plain zip as the document's writer makes it."""
    out = bytearray(); cds = []
    for name, data in entries:
        nb = name if isinstance(name, bytes) else name.encode()
        if method == 8:
            c = zlib.compressobj(9, zlib.DEFLATED, -15); comp = c.compress(data) + c.flush()
        else:
            comp = data
        crc = zlib.crc32(data) & 0xffffffff
        off = len(out)
        out += struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, 0x800, method, 0, 0x21, crc, len(comp), len(data), len(nb), 0) + nb + comp
        cds.append(struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 0x033f, 20, 0x800, method, 0, 0x21, crc, len(comp), len(data), len(nb), 0, 0, 0, 0, 0x81a40000, off) + nb)
    cdo = len(out); cd = b''.join(cds); out += cd
    out += struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, len(entries), len(entries), len(cd), cdo, 0)
    with open(path, 'wb') as f:
        f.write(bytes(out))


def manifest_of(files, base_manifest):
    m = json.loads(base_manifest)
    mem = []
    for mm in m['members']:
        if mm['path'] in files:
            d = files[mm['path']]; mm = dict(mm, sha256=hashlib.sha256(d).hexdigest(), size=len(d)); mem.append(mm)
    m['members'] = mem
    return m


def sign_att(m, k=K9, kid=None):
    mb = jcs(m)
    pk = k.public_key().public_bytes_raw()
    kid = kid or key_id_of('ed25519', pk)
    st = {"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": "manifest.json", "digest": {"sha256": hashlib.sha256(mb).hexdigest()}}],
          "predicateType": "urn:charter:predicate:evidence-bundle:v1",
          "predicate": {"kind": m['kind'], "subject": m['subject'], "signer": {"key_id": kid, "scheme": "ed25519", "public_key": pk.hex()}}}
    pl = jcs(st)
    pae = b'DSSEv1 28 application/vnd.in-toto+json %d ' % len(pl) + pl
    env = {"payloadType": "application/vnd.in-toto+json", "payload": base64.b64encode(pl).decode(), "signatures": [{"keyid": kid, "sig": base64.b64encode(k.sign(pae)).decode()}]}
    return kid, jcs(env)


def build(name, files, manifest=None, resign=True, extra=None, sort=True, method=0):
    """files: member path -> bytes (members only); manifest: dict (re-signed by key 9) or raw bytes."""
    m = manifest
    ents = {}
    ents['manifest.json'] = jcs(m) if isinstance(m, dict) else m
    if resign and isinstance(m, dict):
        kid, env = sign_att(m)
        ents[f'attestations/{kid}.dsse.json'] = env
    ents.update(files)
    if extra:
        ents.update(extra)
    items = sorted(ents.items(), key=lambda kv: kv[0].encode()) if sort else list(ents.items())
    p = out_path(name)
    write_zip(p, items, method=method)
    return p


def members(orig):
    return {k: v for k, v in orig.items() if k != 'manifest.json' and not k.startswith('attestations/')}


def rebuild(name, base, change, mchange=None, **kw):
    orig = load(base); files = members(orig)
    change(files)
    m = manifest_of(files, orig['manifest.json'])
    known = {mm['path'] for mm in m['members']}
    for p, d in files.items():
        if p not in known:
            m['members'].append({"path": p, "artifact_type": kw.pop('atype', 'charter.signed-tx/v1'), "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)})
    m['members'].sort(key=lambda x: x['path'].encode('utf-16-be'))
    if mchange:
        mchange(m)
    return build(name, files, m, **kw)


def J(b): return parse(b)
def sign_header(h, k=K9): return base64.b64encode(k.sign(hashlib.sha256(jcs(h)).digest())).decode()
def sign_ckpt(c, k=K9, domain='charter/checkpoint/v1'): return k.sign(D(domain, jcs(c))).hex()


def cli(generate):
    """`python3 <generator>.py OUTDIR`: write the set into OUTDIR, print the paths one a line."""
    if len(sys.argv) != 2:
        print(f'usage: {os.path.basename(sys.argv[0])} OUTDIR', file=sys.stderr)
        sys.exit(64)
    for p in generate(sys.argv[1]):
        print(p)
