// security.events through the console's contract: a real control change (the
// devnet admin quarantines a key) committed in a real block on the embedded
// devnet, persisted by the node, read back through the CometBFT client and
// filtered by kind, key, vault and height.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../core/codec/index.js';
import type { CallResult, KeyView, SecurityEventView } from '../../core/contract/index.js';
import { encodeTx, signingDigest } from '../../core/tx/envelope.js';
import { createCharter, type Charter } from '../../main/app.js';
import { loadDevnetAdmin } from '../../main/devnet/node.js';

let dir: string;
let charter: Charter;

async function call<T>(method: string, input: unknown): Promise<T> {
  const r = (await charter.dispatch(method, input)) as CallResult<T>;
  if (!r.ok) throw new Error(`${method} failed: ${r.error.code}: ${r.error.message}`);
  return r.value;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-sec-'));
  charter = await createCharter({ host: 'serve', workspace: dir, blockTimeMs: 100, scrypt: { n: 1 << 12, r: 8, p: 1 }, watch: false });
});
afterAll(async () => {
  await charter?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('security events in the console', () => {
  it('lists a quarantine committed on chain, and filters by kind, key, vault and height', async () => {
    const key = await call<KeyView>('keys.create', { label: 'suspect', passphrase: 'a long passphrase' });
    await call('keys.register', { keyId: key.keyId });
    expect((await call<{ events: SecurityEventView[] }>('security.events', {})).events.filter((e) => e.kind === 'security.key_quarantined')).toEqual([]);

    // The devnet admin quarantines the key: a signed transaction in a block.
    const admin = loadDevnetAdmin(charter.workspace.devnetHome);
    const client = await charter.services.chain.get();
    const status = await client.status();
    const unsigned = {
      version: 1 as const,
      chain_id: status.chainId,
      type: 'key.quarantine' as const,
      body: { key_id: key.keyId, reason: 'suspected compromise' },
      signer: admin.keyId,
      nonce: (await client.nonceOf(admin.keyId)) + 1,
      expires_at: status.height + 50,
    };
    const res = await client.broadcastCommit(encodeTx({ ...unsigned, signature: toHex(admin.sign(signingDigest(unsigned))) }));
    expect(res.txResult.code).toBe(0);

    const all = await call<{ events: SecurityEventView[] }>('security.events', { kind: 'key_quarantined' });
    expect(all.events).toHaveLength(1);
    expect(all.events[0]).toMatchObject({ kind: 'security.key_quarantined', keyId: key.keyId, height: res.height, txHash: res.hash });
    expect(all.events[0]!.attributes).toContainEqual({ key: 'reason', value: 'suspected compromise' });
    expect((await call<{ events: SecurityEventView[] }>('security.events', { keyId: key.keyId })).events.map((e) => e.kind)).toContain('security.key_quarantined');
    expect((await call<{ events: SecurityEventView[] }>('security.events', { kind: 'key_quarantined', vaultId: 'no-such-vault' })).events).toEqual([]);
    expect((await call<{ events: SecurityEventView[] }>('security.events', { kind: 'key_quarantined', fromHeight: res.height + 1 })).events).toEqual([]);
    expect((await call<{ events: SecurityEventView[] }>('security.events', { kind: 'key_quarantined', fromHeight: res.height, toHeight: res.height })).events).toHaveLength(1);
    // The key's on-chain status follows.
    expect((await call<{ keys: KeyView[] }>('keys.list', {})).keys.find((k) => k.keyId === key.keyId)?.onChain).toBe('quarantined');
  });

  it('refuses a malformed filter with INVALID_INPUT', async () => {
    const r = await charter.dispatch('security.events', { kind: 'DROP TABLE', limit: 5 });
    expect(r.ok ? null : r.error.code).toBe('INVALID_INPUT');
  });
});
