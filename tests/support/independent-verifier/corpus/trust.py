"""Trust-file variants of tests/fixtures/bundle/trust.json (evidence-bundle.md, the trust file):
revoked and expiring log keys, validity windows, quorum 2, no witnesses, another log id, the
witness revoked, attesters; keys with two roles (role-*, which both sides must refuse); and four
invalid ones (bad-*), which a verifier must refuse (usage error) rather than use.

    python3 trust.py OUTDIR      # writes OUTDIR/<name>.json, prints the paths
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import cli, pub  # noqa: E402
from ccrypto import key_id_of  # noqa: E402


def tkey(n, **extra):
    return {"key_id": key_id_of('ed25519', pub(n)), "scheme": "ed25519", "public_key": pub(n).hex(), "valid_from_height": 0, **extra}


def trust(keys=None, witnesses=None, log_id='charter-test', quorum=1, **extra):
    t = {"version": 1, "log_id": log_id, "quorum": quorum, "keys": keys or [tkey(9)]}
    if witnesses is not False:
        t["witnesses"] = {"quorum": 1, "keys": witnesses or [tkey(8)]}
    t.update(extra)
    return t


def variants():
    bad_kid = tkey(9); bad_kid['key_id'] = '0' * 40
    return {
        'attesters8': trust(witnesses=[tkey(6)], attesters=[tkey(8)]),
        'attesters8-nowit': trust(witnesses=False, attesters=[tkey(8)]),
        'attesters-window': trust(witnesses=False, attesters=[tkey(8, valid_from_height=7)]),
        'from3': trust([tkey(9, valid_from_height=3)]),
        'from7': trust([tkey(9, valid_from_height=7)]),
        'logid': trust(log_id='other'),
        'nowit': trust(witnesses=False),
        'only8': trust([tkey(8)], witnesses=[tkey(6)]),
        'quorum2': trust([tkey(9), tkey(7)], quorum=2),
        'revoked6': trust([tkey(9, revoked_at_height=6)]),
        'revoked7': trust([tkey(9, revoked_at_height=7)]),
        'until5': trust([tkey(9, valid_until_height=5)]),
        'until6': trust([tkey(9, valid_until_height=6)]),
        # one role per key (evidence-log.md §5.3): both sides must refuse these too
        'role-witis9': trust(witnesses=[tkey(9)]),
        'role-keys-attester': trust(attesters=[tkey(9)]),
        'role-wit-attester': trust(attesters=[tkey(8)]),
        'witrevoked': trust(witnesses=[tkey(8, revoked_at_height=0)]),
        # invalid: a verifier must refuse these (usage error), not verify with them
        'bad-extra': trust(extra=1),
        'bad-json': b'{',
        'bad-kid': trust([bad_kid]),
        'bad-quorum': trust(quorum=2),
    }


def generate(outdir):
    os.makedirs(outdir, exist_ok=True)
    out = []
    for name, t in variants().items():
        p = os.path.join(outdir, name + '.json')
        with open(p, 'wb') as f:
            f.write(t if isinstance(t, bytes) else json.dumps(t).encode())
        out.append(p)
    return out


if __name__ == "__main__":
    cli(generate)
