/**
 * The PKCS#11 backend against a real SoftHSM2 token made for this run in a
 * temp directory (SOFTHSM2_CONF): keys of each scheme generated on the token,
 * their attributes read back from the token by a separate raw pkcs11js
 * session in another process, signatures verified by the engine (core's
 * verifier and the native one), attestation, destroy, and the error codes.
 *
 * Shims, and why: SoftHSM2 never locks a user PIN (Token::loginUser only sets
 * CKF_USER_PIN_COUNT_LOW; it never answers CKR_PIN_LOCKED), so the PIN_LOCKED
 * tests wrap the real module with a Proxy that answers CKR_PIN_LOCKED from
 * C_Login (as pkcs11js would raise it) and/or raises the CKF_USER_PIN_LOCKED
 * token flag. The removed-token test uses a Proxy only as a hook: it deletes
 * the real token directory at the moment the backend calls C_SignInit, i.e.
 * under a live, logged-in session; every call still goes to SoftHSM.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import pkcs11js from 'pkcs11js';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, keyIdOf, sha256, toHex } from '../../core/codec/index.js';
import { ECDSA_CURVES } from '../../core/crypto/ecdsa.js';
import { nobleVerifier } from '../../core/crypto/ed25519.js';
import type { SignatureScheme, UnsignedEnvelope } from '../../core/engine/types.js';
import { CharterError } from '../../core/errors.js';
import { digestForScheme, signEnvelopeFor, verifyEnvelope } from '../../core/tx/verify.js';
import { Pkcs11Backend, popDigest, type Pkcs11Module } from '../../hsm/pkcs11.js';
import type { KeyInfo } from '../../hsm/types.js';
import { checkModulePath } from '../../hsm/module-path.js';
import { createNativeVerifier } from '../../main/crypto/native-verifier.js';
import { makeSoftHsmToken, pkcs11ToolObjects, readTokenKey, tokenDirOf, type SoftHsmToken } from '../support/softhsm.js';

const SO_PIN = 'so-pin-5Kd81Wq';
const USER_PIN = 'user-pin-7Q3xK9';
const WRONG_PIN = 'wrong-pin-8R2mV5';
const DOOMED_PIN = 'doomed-pin-3Hf6Tz';
const PINS = [SO_PIN, USER_PIN, WRONG_PIN, DOOMED_PIN];
const SCHEMES: SignatureScheme[] = ['p256', 'secp256k1', 'ed25519'];

// Everything written to the console or stdout/stderr during this file, to show no PIN reaches a log.
const output: string[] = [];
const restore: (() => void)[] = [];
function capture(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      output.push(String(chunk));
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => {
      stream.write = write;
    });
  }
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const orig = console[level];
    console[level] = (...args: unknown[]) => {
      output.push(args.map(String).join(' '));
      orig.apply(console, args);
    };
    restore.push(() => {
      console[level] = orig;
    });
  }
}

/** The rejection of `p`, which must be a CharterError with no PIN anywhere in it. */
async function failure(p: Promise<unknown>): Promise<CharterError> {
  const err = await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CharterError);
  const e = err as CharterError;
  const text = JSON.stringify(e.toJSON()) + String(e.stack);
  for (const pin of PINS) expect(text).not.toContain(pin);
  return e;
}

function approval(signer: string, nonce: number): UnsignedEnvelope<'withdrawal.approve'> {
  return { version: 1, chain_id: 'charter-devnet', type: 'withdrawal.approve', body: { request_id: `req-${nonce}` }, signer, nonce, expires_at: 1000 + nonce };
}

/** The engine's public-key encoding of a raw CKA_EC_POINT, computed here independently of the backend. */
function expectedPublicKey(scheme: SignatureScheme, ecPointHex: string): string {
  const der = fromHex(ecPointHex);
  expect(der[0]).toBe(0x04); // DER OCTET STRING, as SoftHSM stores it
  const point = der.subarray(2);
  expect(point.length).toBe(der[1]);
  if (scheme === 'ed25519') return toHex(point);
  return toHex((scheme === 'p256' ? p256 : secp256k1).Point.fromBytes(point).toBytes(true));
}

const native = createNativeVerifier();

let tok: SoftHsmToken;
let doomed: SoftHsmToken;
let backend: Pkcs11Backend;
const keys = new Map<SignatureScheme, KeyInfo>();

describe('PKCS#11 backend on a SoftHSM2 token', () => {
  beforeAll(async () => {
    capture();
    tok = await makeSoftHsmToken({ label: 'charter-ops', soPin: SO_PIN, userPin: USER_PIN });
    // A second token in the same store, removed by the last test.
    doomed = await makeSoftHsmToken({ label: 'charter-doomed', soPin: SO_PIN, userPin: DOOMED_PIN, dir: tok.dir, setEnv: false });
    backend = new Pkcs11Backend({ modulePath: tok.modulePath, tokenLabel: 'charter-ops', clock: () => new Date('2026-11-22T05:00:00Z') });
  });
  afterAll(async () => {
    await backend?.close();
    for (const r of restore.splice(0)) r();
  });

  it('lists the token with its label, serial, manufacturer, model and flags', async () => {
    const devices = await backend.devices();
    expect(devices).toHaveLength(1);
    const d = devices[0]!;
    expect(d).toMatchObject({ deviceId: `pkcs11:${tok.serial}`, backend: 'pkcs11', label: 'charter-ops', state: 'ready' });
    expect(d.facts).toMatchObject({ serial: tok.serial, label: 'charter-ops', manufacturer: 'SoftHSM project', model: 'SoftHSM v2', module: tok.modulePath });
    expect(d.facts.flags!.split(',')).toEqual(expect.arrayContaining(['login-required', 'user-pin-initialized', 'token-initialized']));
    // Without a label filter both tokens of the store are devices.
    const all = new Pkcs11Backend({ modulePath: tok.modulePath });
    try {
      expect((await all.devices()).map((x) => x.label).sort()).toEqual(['charter-doomed', 'charter-ops']);
    } finally {
      await all.close();
    }
  });

  for (const scheme of SCHEMES) {
    it(`generates a ${scheme} key on the token: non-extractable, sensitive, born there (read back by a raw session)`, async () => {
      const k = await backend.generate({ label: `ops ${scheme}`, scheme, secret: USER_PIN });
      keys.set(scheme, k);
      expect(k).toMatchObject({ scheme, backend: 'pkcs11', deviceId: `pkcs11:${tok.serial}`, label: `ops ${scheme}`, createdAt: '2026-11-22' });
      expect(k.keyId).toBe(keyIdOf(scheme, fromHex(k.publicKey)));
      expect(k.locator).toBe(k.keyId); // CKA_ID is the key id

      const raw = readTokenKey(tok, USER_PIN, k.keyId);
      expect(raw.privateKey).toHaveLength(1);
      expect(raw.publicKey).toHaveLength(1);
      const priv = raw.privateKey[0]!;
      expect(priv).toMatchObject({
        CKA_TOKEN: true,
        CKA_PRIVATE: true,
        CKA_SENSITIVE: true,
        CKA_EXTRACTABLE: false,
        CKA_LOCAL: true,
        CKA_NEVER_EXTRACTABLE: true,
        CKA_ALWAYS_SENSITIVE: true,
        CKA_SIGN: true,
        // Least privilege: a signing key signs, and nothing else.
        CKA_DECRYPT: false,
        CKA_UNWRAP: false,
        CKA_DERIVE: false,
        CKA_SIGN_RECOVER: false,
        CKA_ID: k.keyId,
        CKA_LABEL: Buffer.from(`ops ${scheme}`).toString('hex'),
      });
      expect(priv.CKA_VALUE).toBeNull(); // the token refuses to reveal the private value
      const pub = raw.publicKey[0]!;
      expect(pub).toMatchObject({ CKA_VERIFY: true, CKA_ENCRYPT: false, CKA_WRAP: false, CKA_DERIVE: false, CKA_VERIFY_RECOVER: false });
      expect(pub.CKA_TOKEN).toBe(true);
      expect(pub.CKA_EC_PARAMS).toBe({ p256: '06082a8648ce3d030107', secp256k1: '06052b8104000a', ed25519: '06032b6570' }[scheme]);
      expect(k.publicKey).toBe(expectedPublicKey(scheme, pub.CKA_EC_POINT as string));
    });

    it(`pkcs11-tool -O shows the ${scheme} private key with "Usage: sign" alone and its public key with "verify" alone`, () => {
      const objects = pkcs11ToolObjects(tok, USER_PIN).filter((o) => o.fields.label === `ops ${scheme}`);
      const priv = objects.filter((o) => o.heading.startsWith('Private Key Object'));
      const pub = objects.filter((o) => o.heading.startsWith('Public Key Object'));
      expect(priv).toHaveLength(1);
      expect(pub).toHaveLength(1);
      expect(priv[0]!.fields.Usage).toBe('sign');
      expect(pub[0]!.fields.Usage).toBe('verify');
      expect(priv[0]!.fields.Access).toContain('never extractable');
    });

    it(`signs ${scheme} envelopes the engine verifies (core and native verifiers), low-S`, async () => {
      const k = keys.get(scheme)!;
      for (let nonce = 1; nonce <= 8; nonce++) {
        const env = await signEnvelopeFor(scheme, approval(k.keyId, nonce), (digest) => backend.sign(k.keyId, { scheme, digest }, { secret: USER_PIN }));
        const key = { scheme, public_key: k.publicKey };
        expect(verifyEnvelope(nobleVerifier, env, key)).toBe(true);
        expect(verifyEnvelope(native, env, key)).toBe(true);
        const sig = fromHex(env.signature);
        expect(sig).toHaveLength(64);
        if (scheme !== 'ed25519') expect(bytesToNumberBE(sig.subarray(32)) <= ECDSA_CURVES[scheme].halfN).toBe(true);
        // A signature for one envelope does not verify for another.
        const other = { ...env, nonce: nonce + 100 };
        expect(verifyEnvelope(nobleVerifier, other, key)).toBe(false);
      }
    });
  }

  it('p256 signs ECDSA-SHA256 over the digest and secp256k1 ECDSA over the digest itself', async () => {
    const digest = sha256(new Uint8Array([1, 2, 3]));
    const pk = keys.get('p256')!;
    const sig = await backend.sign(pk.keyId, { scheme: 'p256', digest }, { secret: USER_PIN });
    expect(p256.verify(sig, digest, fromHex(pk.publicKey), { prehash: true, format: 'compact' })).toBe(true);
    expect(p256.verify(sig, digest, fromHex(pk.publicKey), { prehash: false, format: 'compact' })).toBe(false);
    const kk = keys.get('secp256k1')!;
    const sig2 = await backend.sign(kk.keyId, { scheme: 'secp256k1', digest }, { secret: USER_PIN });
    expect(secp256k1.verify(sig2, digest, fromHex(kk.publicKey), { prehash: false, format: 'compact' })).toBe(true);
    expect(nobleVerifier.verify('secp256k1', fromHex(kk.publicKey), digestForScheme('secp256k1', approval(kk.keyId, 1)), sig2)).toBe(false);
  });

  it('lists and gets keys without a PIN, from the public objects', async () => {
    const listed = await backend.list();
    expect(listed.map((k) => k.keyId).sort()).toEqual([...keys.values()].map((k) => k.keyId).sort());
    for (const k of keys.values()) expect(await backend.get(k.keyId)).toEqual(k);
    expect((await failure(backend.get('00'.repeat(20)))).code).toBe('KEY_NOT_FOUND');
  });

  it('attests each key with attributes and token facts that match the token, and a proof of possession', async () => {
    for (const [scheme, k] of keys) {
      const rec = await backend.attest(k.keyId, { secret: USER_PIN });
      const raw = readTokenKey(tok, USER_PIN, k.keyId).privateKey[0]!;
      expect(rec).toMatchObject({ format: 'charter-key-attestation/v1', key_id: k.keyId, scheme, public_key: k.publicKey, backend: 'pkcs11' });
      expect(rec.device).toMatchObject({
        kind: 'pkcs11-token',
        serial: tok.serial,
        model: 'SoftHSM v2',
        manufacturer: 'SoftHSM project',
        label: 'charter-ops',
      });
      for (const name of [
        'CKA_LOCAL',
        'CKA_NEVER_EXTRACTABLE',
        'CKA_ALWAYS_SENSITIVE',
        'CKA_EXTRACTABLE',
        'CKA_SENSITIVE',
        'CKA_TOKEN',
        'CKA_PRIVATE',
      ] as const) {
        expect(rec.key[name]).toBe(raw[name]);
      }
      for (const name of ['CKA_SIGN', 'CKA_DECRYPT', 'CKA_UNWRAP', 'CKA_DERIVE', 'CKA_SIGN_RECOVER'] as const) expect(rec.key[name]).toBe(raw[name]);
      // The key's usage, read back from the token, in the record.
      expect(rec.key).toMatchObject({
        CKA_SIGN: true,
        CKA_DECRYPT: false,
        CKA_UNWRAP: false,
        CKA_DERIVE: false,
        usage: 'sign',
        public_key_usage: 'verify',
        sign_only: true,
      });
      expect(rec.key.CKA_ID).toBe(raw.CKA_ID);
      expect(rec.key.CKA_LABEL).toBe(`ops ${scheme}`);
      expect(rec.key.never_left_token).toBe(true);
      expect(rec.key.proof_of_possession_digest).toBe(toHex(popDigest(k.keyId)));
      expect(nobleVerifier.verify(scheme, fromHex(k.publicKey), popDigest(k.keyId), fromHex(rec.key.proof_of_possession_signature as string))).toBe(true);
    }
  });

  it('attestation: a usage attribute the token does not report is "unknown", not false, and then the key is not sign_only (SHIM: CKA_DERIVE unreadable)', async () => {
    const k = keys.get('p256')!;
    // SHIM: C_GetAttributeValue answers CKR_ATTRIBUTE_TYPE_INVALID whenever CKA_DERIVE is asked for,
    // as a token that does not know it would; everything else is SoftHSM's.
    const shimmed = new Pkcs11Backend({
      modulePath: tok.modulePath,
      tokenLabel: 'charter-ops',
      wrapModule: (m) =>
        new Proxy(m, {
          get(target, prop, receiver) {
            if (prop === 'C_GetAttributeValue')
              return async (...args: Parameters<Pkcs11Module['C_GetAttributeValue']>) => {
                if (args[2].some((t) => t.type === pkcs11js.CKA_DERIVE))
                  throw new pkcs11js.Pkcs11Error(
                    `CKR_ATTRIBUTE_TYPE_INVALID:${pkcs11js.CKR_ATTRIBUTE_TYPE_INVALID}`,
                    pkcs11js.CKR_ATTRIBUTE_TYPE_INVALID,
                    'C_GetAttributeValue',
                  );
                return target.C_GetAttributeValue(...args);
              };
            const v = Reflect.get(target, prop, receiver) as unknown;
            return typeof v === 'function' ? v.bind(target) : v;
          },
        }) as Pkcs11Module,
    });
    try {
      const rec = await shimmed.attest(k.keyId, { secret: USER_PIN });
      expect(rec.key).toMatchObject({
        CKA_SIGN: true,
        CKA_DECRYPT: false,
        CKA_DERIVE: 'unknown',
        usage: 'sign; unknown: derive',
        public_key_usage: 'verify; unknown: derive',
        sign_only: false,
      });
    } finally {
      await shimmed.close();
    }
  });

  it('attestation: without the public-key object the key is not sign_only (SHIM: the object hidden from the logged-in search)', async () => {
    const k = keys.get('ed25519')!;
    let loggedIn = false;
    let hide = false;
    let hidden = 0;
    // SHIM: once logged in (attest's own session), a search for a public-key object finds nothing,
    // as on a token where it was deleted after the key was located; everything else is SoftHSM's.
    const shimmed = new Pkcs11Backend({
      modulePath: tok.modulePath,
      tokenLabel: 'charter-ops',
      wrapModule: (m) =>
        new Proxy(m, {
          get(target, prop, receiver) {
            if (prop === 'C_Login')
              return async (...args: Parameters<Pkcs11Module['C_Login']>) => {
                await target.C_Login(...args);
                loggedIn = true;
              };
            if (prop === 'C_Logout')
              return async (...args: Parameters<Pkcs11Module['C_Logout']>) => {
                loggedIn = false;
                return target.C_Logout(...args);
              };
            if (prop === 'C_FindObjectsInit')
              return async (...args: Parameters<Pkcs11Module['C_FindObjectsInit']>) => {
                hide = loggedIn && args[1].some((t) => t.type === pkcs11js.CKA_CLASS && t.value === pkcs11js.CKO_PUBLIC_KEY);
                return target.C_FindObjectsInit(...args);
              };
            if (prop === 'C_FindObjects')
              return async (...args: Parameters<Pkcs11Module['C_FindObjects']>) => {
                const found = await target.C_FindObjects(...args);
                if (hide && found.length) hidden++;
                return hide ? [] : found;
              };
            const v = Reflect.get(target, prop, receiver) as unknown;
            return typeof v === 'function' ? v.bind(target) : v;
          },
        }) as Pkcs11Module,
    });
    try {
      const rec = await shimmed.attest(k.keyId, { secret: USER_PIN });
      expect(hidden).toBeGreaterThan(0);
      expect(rec.key).toMatchObject({ CKA_SIGN: true, usage: 'sign', public_key_usage: 'unknown (no public-key object)', sign_only: false });
    } finally {
      await shimmed.close();
    }
  });

  it('refuses a wrong PIN with PIN_INCORRECT, naming the token and not the PIN; nothing changes', async () => {
    const k = keys.get('p256')!;
    const before = await backend.list();
    const e1 = await failure(backend.sign(k.keyId, { scheme: 'p256', digest: new Uint8Array(32) }, { secret: WRONG_PIN }));
    expect(e1.code).toBe('PIN_INCORRECT');
    expect(e1.message).toContain('charter-ops');
    expect(e1.message).toContain('CKR_PIN_INCORRECT');
    expect(e1.hint).toMatch(/PIN/);
    expect((await failure(backend.generate({ label: 'never', scheme: 'ed25519', secret: WRONG_PIN }))).code).toBe('PIN_INCORRECT');
    expect((await failure(backend.attest(k.keyId, { secret: WRONG_PIN }))).code).toBe('PIN_INCORRECT');
    // Too short for the token (SoftHSM2 takes 4–255 characters).
    const short = await failure(backend.sign(k.keyId, { scheme: 'p256', digest: new Uint8Array(32) }, { secret: 'ab' }));
    expect(short.code).toBe('PIN_INCORRECT');
    expect(await backend.list()).toEqual(before);
    // No PIN at all: asked for, not tried.
    expect((await failure(backend.sign(k.keyId, { scheme: 'p256', digest: new Uint8Array(32) }, {}))).code).toBe('INVALID_INPUT');
    // The right PIN still works (SoftHSM2 does not lock; see the header).
    expect(await backend.sign(k.keyId, { scheme: 'p256', digest: new Uint8Array(32) }, { secret: USER_PIN })).toHaveLength(64);
  });

  it('maps CKR_PIN_LOCKED from C_Login to PIN_LOCKED (SHIM: SoftHSM2 never locks a PIN)', async () => {
    const k = keys.get('ed25519')!;
    // SHIM: C_Login answers CKR_PIN_LOCKED, raised the way pkcs11js raises module errors; all else is SoftHSM.
    const shimmed = new Pkcs11Backend({
      modulePath: tok.modulePath,
      tokenLabel: 'charter-ops',
      wrapModule: (m) =>
        new Proxy(m, {
          get(target, prop, receiver) {
            if (prop === 'C_Login')
              return async () => {
                throw new pkcs11js.Pkcs11Error(`CKR_PIN_LOCKED:${pkcs11js.CKR_PIN_LOCKED}`, pkcs11js.CKR_PIN_LOCKED, 'C_Login');
              };
            const v = Reflect.get(target, prop, receiver) as unknown;
            return typeof v === 'function' ? v.bind(target) : v;
          },
        }) as Pkcs11Module,
    });
    try {
      const e = await failure(shimmed.sign(k.keyId, { scheme: 'ed25519', digest: new Uint8Array(32) }, { secret: USER_PIN }));
      expect(e.code).toBe('PIN_LOCKED');
      expect(e.message).toMatch(/locked/);
      expect(e.message).toContain('charter-ops');
      expect(e.hint).toMatch(/security officer/);
    } finally {
      await shimmed.close();
    }
  });

  it('reports a token whose CKF_USER_PIN_LOCKED flag is up as pin-locked and does not try its PIN (SHIM: the flag)', async () => {
    const k = keys.get('p256')!;
    let logins = 0;
    // SHIM: C_GetTokenInfo adds CKF_USER_PIN_LOCKED; C_Login is SoftHSM's, counted.
    const shimmed = new Pkcs11Backend({
      modulePath: tok.modulePath,
      tokenLabel: 'charter-ops',
      wrapModule: (m) =>
        new Proxy(m, {
          get(target, prop, receiver) {
            if (prop === 'C_GetTokenInfo')
              return async (slot: Buffer) => {
                const info = await target.C_GetTokenInfo(slot);
                return { ...info, flags: info.flags | pkcs11js.CKF_USER_PIN_LOCKED };
              };
            if (prop === 'C_Login')
              return (...args: Parameters<Pkcs11Module['C_Login']>) => {
                logins++;
                return target.C_Login(...args);
              };
            const v = Reflect.get(target, prop, receiver) as unknown;
            return typeof v === 'function' ? v.bind(target) : v;
          },
        }) as Pkcs11Module,
    });
    try {
      const [d] = await shimmed.devices();
      expect(d).toMatchObject({ state: 'pin-locked' });
      expect(d!.facts.flags).toContain('user-pin-locked');
      const e = await failure(shimmed.sign(k.keyId, { scheme: 'p256', digest: new Uint8Array(32) }, { secret: USER_PIN }));
      expect(e.code).toBe('PIN_LOCKED');
      expect(logins).toBe(0);
    } finally {
      await shimmed.close();
    }
  });

  it('reopens a session the module closed under it, once; then says SESSION_LOST', async () => {
    const k = keys.get('p256')!;
    let closes = 0;
    let limit = 1;
    // HOOK (not a mock): really closes the backend's live session with SoftHSM just before C_SignInit,
    // so SoftHSM itself answers CKR_SESSION_HANDLE_INVALID.
    const flaky = new Pkcs11Backend({
      modulePath: tok.modulePath,
      tokenLabel: 'charter-ops',
      wrapModule: (m) =>
        new Proxy(m, {
          get(target, prop, receiver) {
            if (prop === 'C_SignInit')
              return async (...args: Parameters<Pkcs11Module['C_SignInit']>) => {
                if (closes < limit) {
                  closes++;
                  await target.C_CloseSession(args[0]);
                }
                return target.C_SignInit(...args);
              };
            const v = Reflect.get(target, prop, receiver) as unknown;
            return typeof v === 'function' ? v.bind(target) : v;
          },
        }) as Pkcs11Module,
    });
    try {
      const digest = sha256(new Uint8Array([5]));
      const sig = await flaky.sign(k.keyId, { scheme: 'p256', digest }, { secret: USER_PIN });
      expect(closes).toBe(1);
      expect(nobleVerifier.verify('p256', fromHex(k.publicKey), digest, sig)).toBe(true);
      closes = 0;
      limit = 2;
      const e = await failure(flaky.sign(k.keyId, { scheme: 'p256', digest }, { secret: USER_PIN }));
      expect(closes).toBe(2);
      expect(e.code).toBe('SESSION_LOST');
      expect(e.message).toContain('charter-ops');
      expect(e.message).toContain('CKR_SESSION_HANDLE_INVALID');
    } finally {
      await flaky.close();
    }
  });

  it('generates on the device asked for, and says TOKEN_NOT_PRESENT for one that is not there', async () => {
    const all = new Pkcs11Backend({ modulePath: tok.modulePath });
    try {
      const k = await all.generate({ label: 'on ops', scheme: 'secp256k1', secret: USER_PIN, deviceId: `pkcs11:${tok.serial}` });
      expect(k.deviceId).toBe(`pkcs11:${tok.serial}`);
      await all.destroy(k.keyId, { secret: USER_PIN });
      const e = await failure(all.generate({ label: 'x', scheme: 'p256', secret: USER_PIN, deviceId: 'pkcs11:0000000000000000' }));
      expect(e.code).toBe('TOKEN_NOT_PRESENT');
      expect(e.message).toContain('pkcs11:0000000000000000');
      // Bad input is refused before any token is touched.
      expect((await failure(all.generate({ label: '', scheme: 'p256', secret: USER_PIN }))).code).toBe('INVALID_INPUT');
      expect((await failure(all.generate({ label: 'x', scheme: 'rsa' as SignatureScheme, secret: USER_PIN }))).code).toBe('INVALID_INPUT');
      expect((await failure(all.sign(keys.get('p256')!.keyId, { scheme: 'ed25519', digest: new Uint8Array(32) }, { secret: USER_PIN }))).code).toBe(
        'INVALID_INPUT',
      );
      expect((await failure(all.sign(keys.get('p256')!.keyId, { scheme: 'p256', digest: new Uint8Array(31) }, { secret: USER_PIN }))).code).toBe(
        'INVALID_INPUT',
      );
    } finally {
      await all.close();
    }
  });

  it('maps each CKR code a real token may answer to its stable code (SHIM: C_SignInit answers the code)', async () => {
    // SoftHSM2 cannot be made to answer CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT or CKR_MECHANISM_INVALID
    // from C_SignInit, so this shim raises each (as pkcs11js raises module errors); everything else is SoftHSM.
    const table: [string, string][] = [
      ['CKR_DEVICE_REMOVED', 'DEVICE_REMOVED'],
      ['CKR_TOKEN_NOT_PRESENT', 'TOKEN_NOT_PRESENT'],
      ['CKR_MECHANISM_INVALID', 'MECHANISM_NOT_SUPPORTED'],
      ['CKR_PIN_LOCKED', 'PIN_LOCKED'],
      ['CKR_DEVICE_ERROR', 'PKCS11_ERROR'],
      ['CKR_FUNCTION_FAILED', 'PKCS11_ERROR'],
    ];
    let answer = '';
    const shimmed = new Pkcs11Backend({
      modulePath: tok.modulePath,
      tokenLabel: 'charter-ops',
      wrapModule: (m) =>
        new Proxy(m, {
          get(target, prop, receiver) {
            if (prop === 'C_SignInit')
              return async () => {
                const code = (pkcs11js as unknown as Record<string, number>)[answer]!;
                throw new pkcs11js.Pkcs11Error(`${answer}:${code}`, code, 'C_SignInit');
              };
            const v = Reflect.get(target, prop, receiver) as unknown;
            return typeof v === 'function' ? v.bind(target) : v;
          },
        }) as Pkcs11Module,
    });
    try {
      const k = keys.get('ed25519')!;
      for (const [ckr, code] of table) {
        answer = ckr;
        const e = await failure(shimmed.sign(k.keyId, { scheme: 'ed25519', digest: new Uint8Array(32) }, { secret: USER_PIN }));
        expect([ckr, e.code]).toEqual([ckr, code]);
        expect(e.message).toContain(ckr);
        expect(e.message).toContain('charter-ops');
        expect(e.details).toMatchObject({ ckr, call: 'C_SignInit', deviceId: `pkcs11:${tok.serial}` });
      }
    } finally {
      await shimmed.close();
    }
  });

  it('destroys a key on the token', async () => {
    const k = await backend.generate({ label: 'short-lived', scheme: 'p256', secret: USER_PIN });
    expect(readTokenKey(tok, USER_PIN, k.keyId).privateKey).toHaveLength(1);
    await backend.destroy(k.keyId, { secret: USER_PIN });
    expect(readTokenKey(tok, USER_PIN, k.keyId)).toEqual({ privateKey: [], publicKey: [] });
    expect((await failure(backend.get(k.keyId))).code).toBe('KEY_NOT_FOUND');
    // The other keys are untouched.
    expect((await backend.list()).map((x) => x.keyId).sort()).toEqual([...keys.values()].map((x) => x.keyId).sort());
  });

  it('says the token is gone when its directory is deleted under a live session, and after', async () => {
    let armed = true;
    // HOOK (not a mock): deletes the real token directory when the backend starts to sign, i.e. logged in, session open.
    const gone = new Pkcs11Backend({
      modulePath: doomed.modulePath,
      tokenLabel: 'charter-doomed',
      wrapModule: (m) =>
        new Proxy(m, {
          get(target, prop, receiver) {
            const v = Reflect.get(target, prop, receiver) as unknown;
            if (prop === 'C_SignInit')
              return (...args: Parameters<Pkcs11Module['C_SignInit']>) => {
                if (armed) {
                  armed = false;
                  fs.rmSync(tokenDirOf(doomed), { recursive: true });
                }
                return target.C_SignInit(...args);
              };
            return typeof v === 'function' ? v.bind(target) : v;
          },
        }) as Pkcs11Module,
    });
    try {
      const k = await gone.generate({ label: 'doomed key', scheme: 'ed25519', secret: DOOMED_PIN });
      // Under the live session:
      const live = await failure(gone.sign(k.keyId, { scheme: 'ed25519', digest: new Uint8Array(32) }, { secret: DOOMED_PIN }));
      expect(armed).toBe(false);
      expect(['TOKEN_NOT_PRESENT', 'DEVICE_REMOVED', 'SESSION_LOST']).toContain(live.code);
      expect(live.message).toMatch(/no longer present|removed/);
      expect(live.message).toContain('charter-doomed');
      // And on the next call, with no session left:
      const after = await failure(gone.sign(k.keyId, { scheme: 'ed25519', digest: new Uint8Array(32) }, { secret: DOOMED_PIN }));
      expect(after.code).toBe('TOKEN_NOT_PRESENT');
      expect(after.message).toContain('charter-doomed');
      expect(await gone.devices()).toEqual([]);
      // The other token of the same module is unaffected.
      const k2 = keys.get('ed25519')!;
      expect(
        nobleVerifier.verify(
          'ed25519',
          fromHex(k2.publicKey),
          new Uint8Array(32),
          await backend.sign(k2.keyId, { scheme: 'ed25519', digest: new Uint8Array(32) }, { secret: USER_PIN }),
        ),
      ).toBe(true);
    } finally {
      await gone.close();
    }
  });

  it('fails to load a module that is not there with PKCS11_MODULE_ERROR (worker and inline)', async () => {
    for (const thread of ['worker', 'inline'] as const) {
      const bad = new Pkcs11Backend({ modulePath: '/nonexistent/libnothing.so', thread });
      const e = await failure(bad.devices());
      expect(e.code).toBe('PKCS11_MODULE_ERROR');
      expect(e.message).toContain('cannot load the PKCS#11 module /nonexistent/libnothing.so');
      await bad.close();
    }
    // A library that is not a PKCS#11 module (found where the system keeps zlib).
    const libz = [
      '/usr/lib/x86_64-linux-gnu/libz.so.1',
      '/lib/x86_64-linux-gnu/libz.so.1',
      '/usr/lib/aarch64-linux-gnu/libz.so.1',
      '/usr/lib64/libz.so.1',
      '/usr/lib/libz.so.1',
    ].find((f) => fs.existsSync(f));
    expect(libz, 'zlib is installed').toBeDefined();
    const notModule = new Pkcs11Backend({ modulePath: libz! });
    expect((await failure(notModule.devices())).code).toBe('PKCS11_MODULE_ERROR');
    await notModule.close();
  });

  it('refuses, without loading it, a module path that is relative, a directory, a file others may write, a symlink to one, or one under a directory group or others may write', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-module-rules-'));
    try {
      // A copy of the real module: loadable, so only the rules stop it.
      const writable = path.join(dir, 'libwritable-pkcs11.so');
      fs.copyFileSync(tok.modulePath, writable);
      fs.chmodSync(writable, 0o666);
      const groupWritable = path.join(dir, 'libgroup-pkcs11.so');
      fs.copyFileSync(tok.modulePath, groupWritable);
      fs.chmodSync(groupWritable, 0o664);
      const link = path.join(dir, 'liblink-pkcs11.so');
      fs.symlinkSync(writable, link);
      const openDir = path.join(dir, 'open');
      fs.mkdirSync(openDir);
      const inOpenDir = path.join(openDir, 'libin-open-dir.so');
      fs.copyFileSync(tok.modulePath, inOpenDir);
      fs.chmodSync(inOpenDir, 0o644);
      fs.chmodSync(openDir, 0o777);
      // A module whose directory, otherwise private, its group may write to.
      const groupDir = path.join(dir, 'group');
      fs.mkdirSync(groupDir);
      const inGroupDir = path.join(groupDir, 'libin-group-dir.so');
      fs.copyFileSync(tok.modulePath, inGroupDir);
      fs.chmodSync(inGroupDir, 0o644);
      fs.chmodSync(groupDir, 0o775);
      // A private directory (0755) inside one others may write to: the private one can be renamed away.
      const openAncestor = path.join(dir, 'open-ancestor');
      fs.mkdirSync(path.join(openAncestor, 'private'), { recursive: true });
      const underOpenAncestor = path.join(openAncestor, 'private', 'libunder-open.so');
      fs.copyFileSync(tok.modulePath, underOpenAncestor);
      fs.chmodSync(underOpenAncestor, 0o644);
      fs.chmodSync(path.join(openAncestor, 'private'), 0o755);
      fs.chmodSync(openAncestor, 0o777);
      // A group-writable ancestor, two levels up.
      const groupAncestor = path.join(dir, 'group-ancestor');
      fs.mkdirSync(path.join(groupAncestor, 'a', 'b'), { recursive: true });
      const underGroupAncestor = path.join(groupAncestor, 'a', 'b', 'libunder-group.so');
      fs.copyFileSync(tok.modulePath, underGroupAncestor);
      fs.chmodSync(underGroupAncestor, 0o644);
      fs.chmodSync(groupAncestor, 0o770);
      // A sticky directory (like /tmp) is accepted as an ancestor, not as the library's own directory.
      const sticky = path.join(dir, 'sticky');
      fs.mkdirSync(path.join(sticky, 'mine'), { recursive: true });
      const inSticky = path.join(sticky, 'libin-sticky.so');
      const underSticky = path.join(sticky, 'mine', 'libunder-sticky.so');
      for (const f of [inSticky, underSticky]) {
        fs.copyFileSync(tok.modulePath, f);
        fs.chmodSync(f, 0o644);
      }
      fs.chmodSync(path.join(sticky, 'mine'), 0o700);
      fs.chmodSync(sticky, 0o1777);
      expect(checkModulePath(underSticky)).toBe(fs.realpathSync(underSticky));
      const cases: [string, string][] = [
        ['libsofthsm2.so', 'absolute'],
        [path.relative(process.cwd(), tok.modulePath), 'absolute'],
        [dir, 'regular-file'],
        [writable, 'file-writable'],
        [groupWritable, 'file-writable'],
        [link, 'file-writable'],
        [inOpenDir, 'directory-writable'],
        [inGroupDir, 'directory-writable'],
        [underOpenAncestor, 'directory-writable'],
        [underGroupAncestor, 'directory-writable'],
        [inSticky, 'directory-writable'],
      ];
      for (const [modulePath, rule] of cases) {
        for (const thread of ['worker', 'inline'] as const) {
          const b = new Pkcs11Backend({ modulePath, thread });
          const e = await failure(b.devices());
          expect(e.code, modulePath).toBe('PKCS11_MODULE_REFUSED');
          expect(e.details).toMatchObject({ modulePath, rule });
          await b.close();
        }
      }
      // The same file, no longer writable by others, loads (it is SoftHSM: the token is there).
      fs.chmodSync(writable, 0o644);
      const ok = new Pkcs11Backend({ modulePath: link, tokenLabel: 'charter-ops' });
      try {
        expect((await ok.devices()).map((d) => d.label)).toEqual(['charter-ops']);
      } finally {
        await ok.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the same on the calling thread (thread: inline) as in the worker', async () => {
    const inline = new Pkcs11Backend({ modulePath: tok.modulePath, tokenLabel: 'charter-ops', thread: 'inline' });
    try {
      expect(await inline.list()).toEqual(await backend.list());
      for (const [scheme, k] of keys) {
        const digest = sha256(new Uint8Array([42]));
        expect(nobleVerifier.verify(scheme, fromHex(k.publicKey), digest, await inline.sign(k.keyId, { scheme, digest }, { secret: USER_PIN }))).toBe(true);
      }
      expect((await failure(inline.sign(keys.get('p256')!.keyId, { scheme: 'p256', digest: new Uint8Array(32) }, { secret: WRONG_PIN }))).code).toBe(
        'PIN_INCORRECT',
      );
    } finally {
      await inline.close();
    }
    // The worker's module is still initialised and usable after the inline client left.
    const k = keys.get('secp256k1')!;
    expect(await backend.sign(k.keyId, { scheme: 'secp256k1', digest: new Uint8Array(32).fill(1) }, { secret: USER_PIN })).toHaveLength(64);
  });

  it('wrote no PIN to the console, stdout or stderr, and keeps none', () => {
    const all = output.join('\n');
    for (const pin of PINS) expect(all).not.toContain(pin);
    const state = inspect(backend, { depth: 8, showHidden: true });
    expect(state).toContain('charter-ops'); // the inspection does reach the backend's state
    for (const pin of PINS) expect(state).not.toContain(pin);
  });
});

describe('PKCS#11 backend on a token without EdDSA', () => {
  let limited: SoftHsmToken;
  let b: Pkcs11Backend;
  beforeAll(async () => {
    // SoftHSM 2.6.1 ignores the first name of a "-" list (checked: "-CKM_EDDSA,X" keeps CKM_EDDSA), hence the leading CKM_MD5.
    // The module was finalised by the suite above (its backends are closed); SoftHSM re-reads SOFTHSM2_CONF on C_Initialize.
    limited = await makeSoftHsmToken({ label: 'no-eddsa', soPin: SO_PIN, userPin: USER_PIN, mechanisms: '-CKM_MD5,CKM_EC_EDWARDS_KEY_PAIR_GEN,CKM_EDDSA' });
    b = new Pkcs11Backend({ modulePath: limited.modulePath, tokenLabel: 'no-eddsa' });
  });
  afterAll(async () => {
    await b?.close();
    limited?.cleanup();
    tok?.cleanup();
  });

  it('refuses Ed25519 with MECHANISM_NOT_SUPPORTED naming the mechanism; P-256 still works', async () => {
    const e = await failure(b.generate({ label: 'ed', scheme: 'ed25519', secret: USER_PIN }));
    expect(e.code).toBe('MECHANISM_NOT_SUPPORTED');
    expect(e.message).toContain('CKM_EC_EDWARDS_KEY_PAIR_GEN');
    expect(e.message).toContain('no-eddsa');
    expect(e.details).toMatchObject({ mechanism: 'CKM_EC_EDWARDS_KEY_PAIR_GEN', scheme: 'ed25519' });
    expect(await b.list()).toEqual([]);
    const k = await b.generate({ label: 'p', scheme: 'p256', secret: USER_PIN });
    const digest = sha256(new Uint8Array([9]));
    expect(nobleVerifier.verify('p256', fromHex(k.publicKey), digest, await b.sign(k.keyId, { scheme: 'p256', digest }, { secret: USER_PIN }))).toBe(true);
  });
});
