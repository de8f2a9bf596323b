// The software keystore's unlock cost at the product's scrypt setting
// (N=2^17, r=8): the delay a signer feels after typing a passphrase.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bench, describe } from 'vitest';
import { SoftwareKeystore } from '../../hsm/software.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-bench-ks-'));
const ks = new SoftwareKeystore(dir);
const keyPromise = ks.generate({ label: 'bench', secret: 'benchmark passphrase', scheme: 'ed25519' });
const p256Promise = ks.generate({ label: 'bench-p256', secret: 'benchmark passphrase', scheme: 'p256' });
const secpPromise = ks.generate({ label: 'bench-secp256k1', secret: 'benchmark passphrase', scheme: 'secp256k1' });

describe('software keystore', () => {
  bench(
    'unlock (scrypt N=2^17) + Ed25519 sign',
    async () => {
      const k = await keyPromise;
      await ks.sign(k.keyId, { scheme: 'ed25519', digest: new Uint8Array(32) }, { secret: 'benchmark passphrase' });
    },
    { iterations: 5, time: 0 },
  );
  bench(
    'unlock (scrypt N=2^17) + P-256 sign (charter-keystore/v1)',
    async () => {
      const k = await p256Promise;
      await ks.sign(k.keyId, { scheme: 'p256', digest: new Uint8Array(32).fill(1) }, { secret: 'benchmark passphrase' });
    },
    { iterations: 5, time: 0 },
  );
  bench(
    'unlock (scrypt N=2^17) + secp256k1 sign (Web3 v3 file)',
    async () => {
      const k = await secpPromise;
      await ks.sign(k.keyId, { scheme: 'secp256k1', digest: new Uint8Array(32).fill(1) }, { secret: 'benchmark passphrase' });
    },
    { iterations: 5, time: 0 },
  );
});
