/**
 * Keeps docs/formats/transactions.md honest: the worked example is recomputed
 * here and must match the page byte for byte, and the query paths and state
 * keys the page lists must be the ones the engine answers.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { canonicalBytes, concatBytes, fromHex, fromUtf8, keyIdOf, sha256, toHex, txHashOf, utf8 } from '../codec/index.js';
import type { UnsignedEnvelope } from '../engine/types.js';
import { CustodyEngine } from '../engine/engine.js';
import { makeGenesis } from '../engine/genesis.js';
import { runBlock } from '../../tests/support/engine-kit.js';
import { decodeTx, encodeTx, requestIdOf, SIGNING_DOMAIN, signEnvelope, signingDigest } from './envelope.js';

const doc = readFileSync(new URL('../../docs/formats/transactions.md', import.meta.url), 'utf8');

/** The fenced block right after `<!-- example:<name> -->`. */
function example(name: string): string {
  const m = new RegExp(`<!-- example:${name} -->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\\n\`\`\``).exec(doc);
  if (!m) throw new Error(`docs/formats/transactions.md has no example block "${name}"`);
  return m[1] as string;
}

describe('docs/formats/transactions.md worked example', () => {
  it('matches the code byte for byte', async () => {
    const secretKey = fromHex(example('secret-key'));
    expect(secretKey).toEqual(new Uint8Array(32).fill(2));
    const publicKey = ed25519.getPublicKey(secretKey);
    expect(toHex(publicKey)).toBe(example('public-key'));
    expect(keyIdOf('ed25519', publicKey)).toBe(example('key-id'));

    const unsigned = JSON.parse(example('unsigned')) as UnsignedEnvelope<'withdrawal.create'>;
    expect(unsigned.signer).toBe(example('key-id'));
    expect(fromUtf8(canonicalBytes(unsigned))).toBe(example('unsigned-canonical'));

    const digest = signingDigest(unsigned);
    expect(toHex(digest)).toBe(example('digest'));
    expect(toHex(sha256(concatBytes(utf8(SIGNING_DOMAIN), new Uint8Array([0]), utf8(example('unsigned-canonical')))))).toBe(example('digest'));

    const signed = await signEnvelope(unsigned, (d) => ed25519.sign(d, secretKey));
    expect(signed.signature).toBe(example('signature'));

    const wire = encodeTx(signed);
    expect(fromUtf8(wire)).toBe(example('wire'));
    expect(doc).toContain(`The transaction on the wire (${wire.length} bytes)`);
    expect(decodeTx(wire)).toEqual(signed);
    expect(txHashOf(wire)).toBe(example('tx-hash'));
    expect(requestIdOf(unsigned)).toBe(example('request-id'));
  });

  it('is accepted by the engine with the documented request id', () => {
    const secretKey = fromHex(example('secret-key'));
    const admin = new Uint8Array(32).fill(1);
    const genesis = makeGenesis({
      genesis_time: '2026-01-01T00:00:00Z',
      admins: [{ public_key: toHex(ed25519.getPublicKey(admin)), label: 'root' }],
    });
    const e = new CustodyEngine(genesis);
    const sign = (u: UnsignedEnvelope) => encodeTx({ ...u, signature: toHex(ed25519.sign(signingDigest(u), admin)) });
    const adminId = keyIdOf('ed25519', ed25519.getPublicKey(admin));
    const base = { version: 1 as const, chain_id: 'charter-devnet', signer: adminId, expires_at: 50 };
    runBlock(e, [
      sign({ ...base, type: 'key.register', body: { public_key: toHex(ed25519.getPublicKey(secretKey)), scheme: 'ed25519', label: 'Example' }, nonce: 1 }),
      sign({
        ...base,
        type: 'vault.create',
        body: { vault_id: 'treasury', name: 'Treasury', policy: { approvers: [example('key-id')], threshold: 1 } },
        nonce: 2,
      }),
      sign({ ...base, type: 'vault.fund', body: { vault_id: 'treasury', asset: 'USD', amount: '1000' }, nonce: 3 }),
    ]);
    const res = runBlock(e, [utf8(example('wire'))]);
    expect(res.txResults[0]?.log).toBe('');
    expect(fromUtf8(res.txResults[0]?.data as Uint8Array)).toBe(`{"request_id":"${example('request-id')}"}`);
    const rec = JSON.parse(fromUtf8(e.query({ path: `/request/${example('request-id')}` }).value)) as { created_tx: string };
    expect(rec.created_tx).toBe(example('tx-hash'));
  });
});

describe('docs/formats/transactions.md lists', () => {
  it('every query path the engine answers', () => {
    for (const p of [
      '/key/<key id>',
      '/keys',
      '/account/<key id>',
      '/vault/<vault id>',
      '/vaults',
      '/request/<request id>',
      '/requests',
      '/requests?vault=<vault id>',
      '/params',
      '/admins',
      '/root',
      '/proof/<state key>',
      '/precheck/<request id>',
      '/proposal/<proposal id>',
      '/proposals',
      '/proposals?status=<status>',
      '/validators',
      '/control/<control id>',
      '/controls',
      '/mode',
    ]) {
      expect(doc).toContain('`' + p + '`');
    }
  });
  it('every state-root entry key', () => {
    for (const k of [
      'chain',
      'params',
      'admins',
      'key/<key id>',
      'account/<key id>',
      'vault/<vault id>',
      'request/<request id>',
      'proposal/<proposal id>',
      'validator/<public key>',
      'control/<control id>',
      'mode',
    ]) {
      expect(doc).toContain('| `' + k + '` |');
    }
  });
  it('every security event kind the engine emits', () => {
    for (const k of [
      'tx_rejected',
      'roles_changed',
      'policy_changed',
      'key_quarantined',
      'key_released',
      'withdrawal_cancelled',
      'timelock_started',
      'velocity_deferred',
      'withdrawal_blocked',
      'approvals_lost',
      'proposal_created',
      'proposal_voted',
      'proposal_passed',
      'proposal_rejected',
      'proposal_executed',
      'params_changed',
      'validator_added',
      'validator_removed',
      'whitelist_change_scheduled',
      'whitelist_changed',
      'control_proposed',
      'control_signed',
      'control_activated',
      'vault_frozen',
      'vault_unfrozen',
      'degraded_entered',
      'degraded_exited',
      'control_ratified',
      'control_lifted',
      'control_lapsed',
      'control_expired',
      'key_attested',
      'key_rotation_requested',
      'key_rotated',
      'key_retired',
      'key_revoked',
      'key_reinstated',
    ]) {
      expect(doc).toContain('| `security.' + k + '` |');
    }
  });
  it('every engine error code it mentions exists', async () => {
    const { ERROR_CODES } = await import('../errors.js');
    const mentioned = new Set([...doc.matchAll(/`([A-Z][A-Z_]{3,})`/g)].map((m) => m[1] as string));
    for (const code of mentioned) if (!/^CK[AMKO]_/.test(code)) expect(Object.keys(ERROR_CODES), code).toContain(code);
  });
});
