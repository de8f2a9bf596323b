// Signatures per second through the PKCS#11 backend on a SoftHSM2 token made
// for this run (temp directory, SOFTHSM2_CONF): each call is what a signer
// pays — locate the key, open a session, C_Login, C_Sign (on libuv's pool),
// log out, close, convert to the engine's encoding and verify. Printed by
// `npm run bench` (ops/s = signatures/s); nothing asserted.
import { afterAll, bench, describe } from 'vitest';
import type { SignatureScheme } from '../../core/engine/types.js';
import { Pkcs11Backend } from '../../hsm/pkcs11.js';
import { makeSoftHsmToken } from '../support/softhsm.js';

const PIN = 'bench-user-pin';
const tok = await makeSoftHsmToken({ label: 'charter-bench', soPin: 'bench-so-pin', userPin: PIN });
const backend = new Pkcs11Backend({ modulePath: tok.modulePath, tokenLabel: 'charter-bench' });
const SCHEMES: SignatureScheme[] = ['p256', 'secp256k1', 'ed25519'];
const keyIds = new Map<SignatureScheme, string>();
for (const scheme of SCHEMES) keyIds.set(scheme, (await backend.generate({ label: `bench ${scheme}`, scheme, secret: PIN })).keyId);

afterAll(async () => {
  await backend.close();
  tok.cleanup();
});

describe('PKCS#11 on SoftHSM2: sign (ops/s = signatures/s, session + login + C_Sign + verify per call)', () => {
  for (const scheme of SCHEMES) {
    let i = 0;
    bench(
      scheme,
      async () => {
        const digest = new Uint8Array(32).fill(i++ & 0xff);
        await backend.sign(keyIds.get(scheme)!, { scheme, digest }, { secret: PIN });
      },
      { time: 2000 },
    );
  }
});
