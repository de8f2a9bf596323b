"""Content and manifest forgeries of the three fixtures (cc-*, hs-*, v1-*, f-*), re-signed with the
public fixture keys where a forger would re-sign.

    python3 muts.py OUTDIR
"""
import base64
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *  # noqa: F401,F403
from common import cli, out_dir
from ccrypto import signing_digest


def generate(outdir):
    out_dir(outdir)
    CC, HS, V1 = 'custody-case', 'history-segment', 'custody-case-v1'
    def jset(path, fn):
        def ch(files):
            v = J(files[path]); fn(v); files[path] = jcs(v)
        return ch
    def drop(*paths):
        def ch(files):
            for p in paths: files.pop(p, None)
        return ch
    TXC = 'transactions/80B4620CB517BDDDB591B11D840C308D751714A5FA36CA4C19409523D7ED3540.json'
    TXA = 'transactions/EA64F8D46EA2E51A6E71E74E2267DE01848E0135C0600F8DAA7726F3A5913FBD.json'
    out = []
    def R(name, base, change, mchange=None, **kw): out.append(rebuild(name, base, change, mchange, **kw))
    # identity rebuilds
    R('cc-same', CC, lambda f: None)
    R('hs-same', HS, lambda f: None)
    # custody-case content tampering
    R('cc-req-amount', CC, jset('request.json', lambda v: v.update(amount='1501')))
    R('cc-req-status', CC, jset('request.json', lambda v: v.update(status='approved')))
    R('cc-req-memo', CC, jset('request.json', lambda v: v.update(memo='x')))
    R('cc-req-badshape', CC, jset('request.json', lambda v: v.update(extra=1)))
    R('cc-req-notjson', CC, lambda f: f.update({'request.json': b'{"a":1,}'}))
    R('cc-req-dupkey', CC, lambda f: f.update({'request.json': b'{"a":1,"a":2}'}))
    R('cc-drop-request', CC, drop('request.json'))
    R('cc-drop-reqstate', CC, drop('proofs/request-state.json'))
    R('cc-drop-policy', CC, drop('policy.json'))
    R('cc-drop-policystate', CC, drop('proofs/policy-state.json'))
    R('cc-drop-block', CC, drop('block.json'))
    R('cc-drop-receipt', CC, drop('receipt.json'))
    R('cc-drop-receiptgroup', CC, drop('receipt.json', 'proofs/receipt-inclusion.json', 'checkpoint.json'))
    R('cc-drop-txa', CC, drop(TXA))
    R('cc-drop-txc', CC, drop(TXC))
    R('cc-txa-badsig', CC, jset(TXA, lambda v: v['envelope'].update(signature='00'*64)))
    R('cc-txa-hash', CC, jset(TXA, lambda v: v.update(tx_hash='A'*64)))
    R('cc-txa-keyid', CC, jset(TXA, lambda v: v['signer'].update(key_id='0'*40)))
    R('cc-txa-scheme', CC, jset(TXA, lambda v: v['signer'].update(scheme='rsa')))
    R('cc-txa-nonce', CC, jset(TXA, lambda v: v['envelope'].update(nonce=2)))
    R('cc-txa-height', CC, jset(TXA, lambda v: v.update(height=7)))
    R('cc-txc-height', CC, jset(TXC, lambda v: v.update(height=4)))
    R('cc-txa-extra', CC, jset(TXA, lambda v: v.update(note='hi')))
    R('cc-block-height', CC, jset('block.json', lambda v: v.update(height=7)))
    R('cc-block-hash', CC, jset('block.json', lambda v: v.update(hash='A'*64)))
    R('cc-block-result', CC, jset('block.json', lambda v: v.update(result_app_hash='A'*64)))
    R('cc-block-nosig', CC, jset('block.json', lambda v: v.update(validator_signatures=[])))
    R('cc-block-noheader', CC, jset('block.json', lambda v: v.pop('header')))
    R('cc-block-nonext', CC, jset('block.json', lambda v: v.pop('next_header')))
    R('cc-block-nextsigs-empty', CC, jset('block.json', lambda v: v.update(next_validator_signatures=[])))
    R('cc-block-badsig', CC, jset('block.json', lambda v: v['validator_signatures'][0].update(signature_base64=base64.b64encode(b'\1'*64).decode())))
    R('cc-block-unkval', CC, jset('block.json', lambda v: v['validator_signatures'][0].update(validator_address='A'*40)))
    R('cc-block-dupsig', CC, jset('block.json', lambda v: v['validator_signatures'].append(dict(v['validator_signatures'][0]))))
    R('cc-block-nextapp', CC, jset('block.json', lambda v: v['next_header'].update(app_hash='B'*64)))
    R('cc-block-nextlink', CC, jset('block.json', lambda v: v['next_header']['last_block_id'].update(hash='B'*64)))
    def resigned_header_change(v):
        v['header']['chain_id'] = 'other'; v['hash'] = hashlib.sha256(jcs(v['header'])).hexdigest().upper()
        v['validator_signatures'][0]['signature_base64'] = sign_header(v['header'])
    R('cc-block-hdrchain', CC, jset('block.json', resigned_header_change))
    R('cc-policy-thr', CC, jset('policy.json', lambda v: v['policy'].update(threshold=2)))
    R('cc-policy-asof', CC, jset('policy.json', lambda v: v.update(as_of=7)))
    R('cc-policy-vault', CC, jset('policy.json', lambda v: v.update(vault_id='other')))
    R('cc-policy-extra', CC, jset('policy.json', lambda v: v.update(x=1)))
    R('cc-pstate-height', CC, jset('proofs/policy-state.json', lambda v: v.update(height=5)))
    R('cc-pstate-app', CC, jset('proofs/policy-state.json', lambda v: v.update(app_hash='a'*64)))
    R('cc-pstate-apphashlower', CC, jset('proofs/policy-state.json', lambda v: v.update(app_hash=v['app_hash'].lower())))
    R('cc-pstate-sib', CC, jset('proofs/policy-state.json', lambda v: v['proof']['audit_path'].__setitem__(0, 'b'*64)))
    R('cc-pstate-value', CC, jset('proofs/policy-state.json', lambda v: v['value']['balances'].update(BTC='1')))
    R('cc-rstate-value', CC, jset('proofs/request-state.json', lambda v: v['value'].update(memo='x')))
    R('cc-rstate-key', CC, jset('proofs/request-state.json', lambda v: v.update(key='request/wr-000000000000000000000000')))
    R('cc-rstate-bits', CC, jset('proofs/request-state.json', lambda v: v['proof']['bits'].__setitem__(0, 5)))
    R('cc-rcpt-seq', CC, jset('receipt.json', lambda v: v.update(seq=5)))
    R('cc-rcpt-next', CC, jset('receipt.json', lambda v: v.update(next_root='0'*64)))
    R('cc-rcpt-extra', CC, jset('receipt.json', lambda v: v.update(x=1)))
    R('cc-rcpt-notobj', CC, lambda f: f.update({'receipt.json': b'[]'}))
    R('cc-incl-idx', CC, jset('proofs/receipt-inclusion.json', lambda v: v.update(mmr_index=8)))
    R('cc-incl-size', CC, jset('proofs/receipt-inclusion.json', lambda v: v.update(size=16)))
    R('cc-incl-path', CC, jset('proofs/receipt-inclusion.json', lambda v: v['path'].pop()))
    R('cc-incl-extra', CC, jset('proofs/receipt-inclusion.json', lambda v: v.update(x=1)))
    R('cc-ckpt-badsig', CC, jset('checkpoint.json', lambda v: v['signatures'][0].update(signature='11'*64)))
    R('cc-ckpt-unk', CC, jset('checkpoint.json', lambda v: v['signatures'][0].update(key_id='1'*40)))
    R('cc-ckpt-nocosig', CC, jset('checkpoint.json', lambda v: v.pop('cosignatures')))
    R('cc-ckpt-badcosig', CC, jset('checkpoint.json', lambda v: v['cosignatures'][0].update(signature='11'*64)))
    R('cc-ckpt-emptycosig', CC, jset('checkpoint.json', lambda v: v.update(cosignatures=[])))
    def ck_logid(v):
        v['checkpoint']['log_id'] = 'other'; v['signatures'][0]['signature'] = sign_ckpt(v['checkpoint']); v['cosignatures'][0]['signature'] = sign_ckpt(v['checkpoint'], key(8), 'charter/cosignature/v1')
    R('cc-ckpt-logid', CC, jset('checkpoint.json', ck_logid))
    def ck_peaks(v):
        v['checkpoint']['peaks'].append('0'*64)
    R('cc-ckpt-peaks', CC, jset('checkpoint.json', ck_peaks))
    def ck_height(v):
        v['checkpoint']['height'] = 5; v['signatures'][0]['signature'] = sign_ckpt(v['checkpoint']); v['cosignatures'][0]['signature'] = sign_ckpt(v['checkpoint'], key(8), 'charter/cosignature/v1')
    R('cc-ckpt-height5', CC, jset('checkpoint.json', ck_height))
    # manifest-level
    R('cc-m-unexpected', CC, lambda f: f.update({'notes.txt': b'hi'}), atype='charter.note/v1')
    R('cc-m-wrongtype', CC, lambda f: None, mchange=lambda m: [mm.update(artifact_type='x/v1') for mm in m['members'] if mm['path']=='block.json'])
    R('cc-m-subjtype', CC, lambda f: None, mchange=lambda m: m['subject'].update(type='other'))
    R('cc-m-subjid', CC, lambda f: None, mchange=lambda m: m['subject'].update(id='wr-000000000000000000000000'))
    R('cc-m-height', CC, lambda f: None, mchange=lambda m: m['subject'].update(height=7))
    R('cc-m-chain', CC, lambda f: None, mchange=lambda m: m['subject'].update(chain_id='other'))
    R('cc-m-kind', CC, lambda f: None, mchange=lambda m: m.update(kind='runbook-run'))
    R('cc-m-createdby', CC, lambda f: None, mchange=lambda m: m['created_by'].update(key_id='1'*40))
    R('cc-m-format', CC, lambda f: None, mchange=lambda m: m.update(format='charter.bundle/v3'))
    R('cc-m-formatv1', CC, lambda f: None, mchange=lambda m: m.update(format='charter.bundle/v1'))
    R('cc-m-extra', CC, lambda f: None, mchange=lambda m: m.update(x=1))
    R('cc-m-unsorted', CC, lambda f: None, mchange=lambda m: m['members'].reverse())
    R('cc-m-size', CC, lambda f: None, mchange=lambda m: m['members'][0].update(size=1))
    R('cc-m-digest', CC, lambda f: None, mchange=lambda m: m['members'][0].update(sha256='0'*64))
    R('cc-m-missing', CC, lambda f: None, mchange=lambda m: m['members'].append({"path": "zzz.json", "artifact_type": "x", "sha256": "0"*64, "size": 1}))
    R('cc-m-noresign', CC, lambda f: None, mchange=lambda m: m['created_by'].update(version='other'), resign=False, extra={'attestations/bb761e1e1e3c826bce49e678249e9eb9fd1822a9.dsse.json': load(CC)['attestations/bb761e1e1e3c826bce49e678249e9eb9fd1822a9.dsse.json']})
    R('cc-noatt', CC, lambda f: None, resign=False)
    R('cc-unlisted', CC, lambda f: None, extra={'stray.json': b'{}'})
    R('cc-deflate', CC, lambda f: None, method=8)
    # segment
    B = lambda h: 'blocks/%012d.json' % h
    R('hs-drop-b5', HS, drop(B(5)))
    R('hs-b5-height', HS, jset(B(5), lambda v: v.update(height=6)))
    R('hs-b5-link', HS, jset(B(5), lambda v: v.update(last_block_hash='A'*64)))
    R('hs-b5-notxs', HS, jset(B(5), lambda v: v.pop('txs')))
    R('hs-b5-txs', HS, jset(B(5), lambda v: v.update(txs=[])))
    R('hs-b5-noheader', HS, jset(B(5), lambda v: v.pop('header')))
    R('hs-b7-nonext', HS, jset(B(7), lambda v: v.pop('next_header')))
    R('hs-b5-badsig', HS, jset(B(5), lambda v: v['validator_signatures'][0].update(signature_base64=base64.b64encode(b'\1'*64).decode())))
    R('hs-b5-nosig', HS, jset(B(5), lambda v: v.update(validator_signatures=[])))
    R('hs-b7-nextapp', HS, jset(B(7), lambda v: v['next_header'].update(app_hash='B'*64)))
    R('hs-rcpts-drop1', HS, jset('receipts.json', lambda v: v.pop()))
    R('hs-rcpts-empty', HS, lambda f: f.update({'receipts.json': b'[]'}))
    R('hs-rcpts-notarr', HS, lambda f: f.update({'receipts.json': b'{}'}))
    R('hs-rcpts-swap', HS, jset('receipts.json', lambda v: v.reverse()))
    R('hs-proofs-drop1', HS, jset('proofs/receipts-inclusion.json', lambda v: v['proofs'].pop()))
    R('hs-proofs-size', HS, jset('proofs/receipts-inclusion.json', lambda v: v.update(size=16)))
    R('hs-proofs-idx', HS, jset('proofs/receipts-inclusion.json', lambda v: v['proofs'][0].update(mmr_index=4)))
    R('hs-cons-path', HS, jset('proofs/consistency.json', lambda v: v['paths'][0].pop()))
    R('hs-cons-size', HS, jset('proofs/consistency.json', lambda v: v.update(from_size=4)))
    R('hs-drop-from', HS, drop('checkpoints/from.json'))
    R('hs-drop-groupb', HS, drop('checkpoints/from.json', 'proofs/consistency.json'))
    R('hs-drop-groupa', HS, drop('receipts.json', 'proofs/receipts-inclusion.json', 'checkpoints/to.json'))
    R('hs-drop-all-opt', HS, drop('receipts.json', 'proofs/receipts-inclusion.json', 'checkpoints/to.json', 'checkpoints/from.json', 'proofs/consistency.json'))
    R('hs-drop-to', HS, drop('checkpoints/to.json'))
    R('hs-m-id', HS, lambda f: None, mchange=lambda m: m['subject'].update(id='03:7'))
    R('hs-m-id2', HS, lambda f: None, mchange=lambda m: m['subject'].update(id='3:6'))
    R('hs-m-type', HS, lambda f: None, mchange=lambda m: m['subject'].update(type='withdrawal'))
    R('hs-extra-block', HS, lambda f: f.update({B(8): f[B(7)]}), atype='charter.block/v1')
    R('hs-from-nocosig', HS, jset('checkpoints/from.json', lambda v: v.pop('cosignatures')))
    # fields that must repeat the signed header (block.json and a segment's blocks)
    R('cc-block-time', CC, jset('block.json', lambda v: v.update(time='2031-01-01T00:00:00Z')))
    R('cc-block-proposer', CC, jset('block.json', lambda v: v.update(proposer_address='A'*40)))
    R('cc-block-datahash', CC, jset('block.json', lambda v: v.update(data_hash='B'*64)))
    R('cc-block-notime', CC, jset('block.json', lambda v: v.pop('time', None)))
    R('hs-b5-time', HS, jset(B(5), lambda v: v.update(time='2031-01-01T00:00:00Z')))
    R('hs-b5-datahash', HS, jset(B(5), lambda v: v.update(data_hash='B'*64)))
    # a state proof's block_hash (compared upper-cased) and proof.key
    R('cc-rstate-blockhash', CC, jset('proofs/request-state.json', lambda v: v.update(block_hash='0'*64)))
    R('cc-rstate-blockhash-lower', CC, jset('proofs/request-state.json', lambda v: v.update(block_hash=v['block_hash'].lower())))
    R('cc-pstate-blockhash', CC, jset('proofs/policy-state.json', lambda v: v.update(block_hash='0'*64)))
    R('cc-rstate-proofkey', CC, jset('proofs/request-state.json', lambda v: v['proof'].update(key='request/wr-000000000000000000000000')))
    # transactions the request does not name
    TXX = 'transactions/' + 'AB'*32 + '.json'
    R('cc-tx-unnamed', CC, lambda f: f.update({TXX: f[TXA]}))
    R('cc-tx-unnamed-badsig', CC, lambda f: (f.update({TXX: f[TXA]}), jset(TXA, lambda v: v['envelope'].update(signature='00'*64))(f)))
    R('cc-tx-unnamed-lower', CC, lambda f: f.update({TXX.lower(): f[TXA]}))
    # receipts of exactly the §4.1 fields
    R('cc-receipt-extra', CC, jset('receipt.json', lambda v: v.update(note='x')))
    R('hs-rcpts-extra', HS, jset('receipts.json', lambda v: v[0].update(note='x')))
    # v1 history segments (the fixture re-labelled v1, then without what v1 lacked)
    V1S = lambda m: m.update(format='charter.bundle/v1')
    def bare(files):
        for h in range(3, 8):
            v = J(files[B(h)])
            for k in ('header', 'validator_signatures', 'next_header', 'next_validator_signatures', 'txs'):
                v.pop(k, None)
            files[B(h)] = jcs(v)
    R('hs-v1-same', HS, lambda f: None, mchange=V1S)
    R('hs-v1-bare', HS, bare, mchange=V1S)
    R('hs-v1-bare-rcpts-only', HS, lambda f: (bare(f), drop('proofs/receipts-inclusion.json', 'checkpoints/to.json', 'checkpoints/from.json', 'proofs/consistency.json')(f)), mchange=V1S)
    R('hs-v1-bare-noproofs', HS, lambda f: (bare(f), drop('proofs/receipts-inclusion.json')(f)), mchange=V1S)
    R('hs-v1-bare-nocons', HS, lambda f: (bare(f), drop('proofs/consistency.json')(f)), mchange=V1S)
    R('hs-v1-bare-noto', HS, lambda f: (bare(f), drop('checkpoints/to.json')(f)), mchange=V1S)
    R('hs-v1-somehdr', HS, jset(B(5), lambda v: v.pop('header')), mchange=V1S)
    R('hs-v1-notxs', HS, lambda f: [jset(B(h), lambda v: v.pop('txs'))(f) for h in range(3, 8)], mchange=V1S)
    R('v1-same', V1, lambda f: None)
    R('v1-drop-policy', V1, drop('policy.json'))
    R('v1-drop-pstate', V1, drop('proofs/policy-state.json'))
    R('v1-req-amount', V1, jset('request.json', lambda v: v.update(amount='1501')))
    R('v1-policy-export', V1, jset('policy.json', lambda v: v.update(as_of='export')))
    def resign_tx(path, keyn, envmut):
        def ch(files):
            t = J(files[path]); envmut(t['envelope'])
            t['envelope']['signature'] = key(keyn).sign(signing_digest(t['envelope'])).hex()
            h = hashlib.sha256(jcs(t['envelope'])).hexdigest().upper()
            t['tx_hash'] = h
            del files[path]; files[f'transactions/{h}.json'] = jcs(t)
        return ch
    # transactions re-signed by their own (public) signer keys: a forged request the chain never saw
    def R2(name, base, change, **kw): out.append(rebuild(name, base, change, **kw))
    R2('f-create-amount', CC, resign_tx(TXC, 1, lambda e: e['body'].update(amount='1501')))
    R2('f-approve-other', CC, resign_tx(TXA, 2, lambda e: e['body'].update(request_id='wr-000000000000000000000000')))
    R2('f-create-same-resigned', CC, resign_tx(TXC, 1, lambda e: None))
    return out


if __name__ == "__main__":
    cli(generate)
