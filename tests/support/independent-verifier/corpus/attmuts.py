"""Attestation variants (a-*) of the custody-case fixture: DSSE envelopes and in-toto statements
the document allows or forbids; Ed25519 (keys 9 and 8), P-256 and secp256k1 (secret 7) in DER
and r||s, low and high S, v1 and v2. ECDSA signatures are deterministic (RFC 6979).

    python3 attmuts.py OUTDIR
"""
import base64
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *  # noqa: F401,F403
from common import cli, out_dir
from common import out_path
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature


def generate(outdir):
    out_dir(outdir)
    orig = load('custody-case'); files = members(orig); m = json.loads(orig['manifest.json'])
    out = []
    def st_for(m, kid, scheme, pubhex, kind=None, subj=None, digest=None):
        return {"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": "manifest.json", "digest": {"sha256": digest or hashlib.sha256(jcs(m)).hexdigest()}}],
                "predicateType": "urn:charter:predicate:evidence-bundle:v1",
                "predicate": {"kind": kind or m['kind'], "subject": subj or m['subject'], "signer": {"key_id": kid, "scheme": scheme, "public_key": pubhex}}}
    def pae(pl, pt=b'application/vnd.in-toto+json'): return b'DSSEv1 %d %s %d ' % (len(pt), pt, len(pl)) + pl
    def env(pl, kid, sig, pt='application/vnd.in-toto+json', extra_sigs=()):
        return jcs({"payloadType": pt, "payload": base64.b64encode(pl).decode(), "signatures": [{"keyid": kid, "sig": base64.b64encode(sig).decode()}] + list(extra_sigs)})
    K9pub = pub(9).hex(); kid9 = key_id_of('ed25519', pub(9))
    def W(name, atts, mm=None):
        ents = dict(files); ents['manifest.json'] = jcs(mm or m); ents.update(atts)
        p = out_path(name)
        write_zip(p, sorted(ents.items(), key=lambda kv: kv[0].encode())); out.append(p)
    def ed(st, k=K9, kid=kid9, name=None, pt='application/vnd.in-toto+json', sigmut=None, **kw):
        pl = jcs(st); s = k.sign(pae(pl, pt.encode()))
        if sigmut: s = sigmut(s)
        return {name or f'attestations/{kid}.dsse.json': env(pl, kid, s, pt=pt, **kw)}
    st9 = st_for(m, kid9, 'ed25519', K9pub)
    W('a-ok', ed(st9))
    W('a-pt', ed(st9, pt='application/json'))
    W('a-twosig', ed(st9, extra_sigs=[{"keyid": kid9, "sig": "AAAA"}]))
    W('a-name', ed(st9, name='attestations/x.dsse.json'))
    W('a-notjson', {f'attestations/{kid9}.dsse.json': b'{'})
    W('a-nopayload', {f'attestations/{kid9}.dsse.json': jcs({"payloadType": "application/vnd.in-toto+json", "signatures": []})})
    W('a-b64bad', {f'attestations/{kid9}.dsse.json': jcs({"payloadType": "application/vnd.in-toto+json", "payload": "abc", "signatures": [{"keyid": kid9, "sig": "AA=="}]})})
    W('a-b64url', {f'attestations/{kid9}.dsse.json': jcs({"payloadType": "application/vnd.in-toto+json", "payload": base64.urlsafe_b64encode(jcs(st9)).decode().rstrip('='), "signatures": [{"keyid": kid9, "sig": "AA=="}]})})
    W('a-digest', ed(st_for(m, kid9, 'ed25519', K9pub, digest='0'*64)))
    W('a-kind', ed(st_for(m, kid9, 'ed25519', K9pub, kind='history-segment')))
    W('a-subj', ed(st_for(m, kid9, 'ed25519', K9pub, subj=dict(m['subject'], height=7))))
    W('a-signerkid', ed(st_for(m, '1'*40, 'ed25519', K9pub)))
    W('a-scheme', ed(st_for(m, kid9, 'rsa', K9pub)))
    W('a-pubmismatch', ed(st_for(m, kid9, 'ed25519', pub(8).hex())))
    W('a-badsig', ed(st9, sigmut=lambda s: bytes(64)))
    st_extra = dict(st9); st_extra['x'] = 1
    W('a-extra', ed(st_extra))
    st_pt = dict(st9); st_pt['predicateType'] = 'urn:other'
    W('a-predtype', ed(st_pt))
    kid8 = key_id_of('ed25519', pub(8))
    W('a-only8', ed(st_for(m, kid8, 'ed25519', pub(8).hex()), k=key(8), kid=kid8))
    both = ed(st9); both.update(ed(st_for(m, kid8, 'ed25519', pub(8).hex()), k=key(8), kid=kid8))
    W('a-9and8', both)
    # ECDSA attestations
    def ecatt(name, scheme, fmt='charter.bundle/v2', enc='der', highs=False):
        curve = ec.SECP256R1() if scheme == 'p256' else ec.SECP256K1()
        sk = ec.derive_private_key(7, curve)
        pk = sk.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
        kid = key_id_of(scheme, pk)
        mm = json.loads(json.dumps(m)); mm['format'] = fmt; mm['created_by']['key_id'] = kid
        st = st_for(mm, kid, scheme, pk.hex()); pl = jcs(st)
        der = sk.sign(pae(pl), ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
        r, s = decode_dss_signature(der)
        n = {'p256': 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551, 'secp256k1': 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141}[scheme]
        if s > n // 2: s = n - s
        if highs: s = n - s
        sig = encode_dss_signature(r, s) if enc == 'der' else r.to_bytes(32, 'big') + s.to_bytes(32, 'big')
        W(name, {f'attestations/{kid}.dsse.json': env(pl, kid, sig)}, mm)
        return kid, pk
    for sch in ('p256', 'secp256k1'):
        ecatt(f'a-{sch}-v2-der', sch)
        ecatt(f'a-{sch}-v2-rs', sch, enc='rs')
        ecatt(f'a-{sch}-v1-rs', sch, fmt='charter.bundle/v1', enc='rs')
        ecatt(f'a-{sch}-v1-der', sch, fmt='charter.bundle/v1', enc='der')
        ecatt(f'a-{sch}-v2-highs', sch, highs=True)
        ecatt(f'a-{sch}-v1-highs', sch, fmt='charter.bundle/v1', enc='rs', highs=True)
    return out


if __name__ == "__main__":
    cli(generate)
