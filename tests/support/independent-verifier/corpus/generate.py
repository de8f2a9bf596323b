"""The whole corpus of the independent-verifier comparison, deterministic:

    python3 generate.py OUTDIR

writes OUTDIR/bundles/<name>.zip (muts, zipmuts, attmuts) and OUTDIR/trust/<name>.json (trust
variants), and prints one JSON line {"bundles": {set: [paths]}, "trust": [paths]}.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attmuts  # noqa: E402
import muts  # noqa: E402
import trust  # noqa: E402
import zipmuts  # noqa: E402


def main(argv):
    if len(argv) != 2:
        print('usage: generate.py OUTDIR', file=sys.stderr)
        return 64
    out = argv[1]
    b = os.path.join(out, 'bundles')
    bundles = {'muts': muts.generate(b), 'zipmuts': zipmuts.generate(b), 'attmuts': attmuts.generate(b)}
    names = [os.path.basename(p) for ps in bundles.values() for p in ps]
    if len(set(names)) != len(names):
        print('duplicate bundle names across the sets', file=sys.stderr)
        return 1
    print(json.dumps({'bundles': bundles, 'trust': trust.generate(os.path.join(out, 'trust'))}))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
