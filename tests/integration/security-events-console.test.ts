// security.events through the console's contract: a real control change (the
// devnet admin quarantines a key) committed in a real block on the embedded
// devnet, persisted by the node, read back through the CometBFT client and
// filtered by kind, key, vault and height.
import { describe, expect, it } from 'vitest';
import { useConsole } from './console-harness.js';
import { toHex } from '../../core/codec/index.js';
import { encodeTx, signingDigest } from '../../core/tx/envelope.js';
import { loadDevnetAdmin } from '../../main/devnet/node.js';

const h = useConsole('charter-sec-');
const { call } = h;

describe('security events in the console', () => {
  it('lists a quarantine committed on chain, and filters by kind, key, vault and height', async () => {
    const key = await call('keys.create', { label: 'suspect', passphrase: 'a long passphrase' });
    await call('keys.register', { keyId: key.keyId });
    expect((await call('security.events', {})).events.filter((e) => e.kind === 'security.key_quarantined')).toEqual([]);

    // The devnet admin quarantines the key: a signed transaction in a block.
    const res = await h.submitAsAdmin('key.quarantine', { key_id: key.keyId, reason: 'suspected compromise' });
    expect(res.code).toBe(0);

    const all = await call('security.events', { kind: 'key_quarantined' });
    expect(all.events).toHaveLength(1);
    expect(all.events[0]).toMatchObject({ kind: 'security.key_quarantined', keyId: key.keyId, height: res.height, txHash: res.hash });
    expect(all.events[0]!.attributes).toContainEqual({ key: 'reason', value: 'suspected compromise' });
    expect((await call('security.events', { keyId: key.keyId })).events.map((e) => e.kind)).toContain('security.key_quarantined');
    expect((await call('security.events', { kind: 'key_quarantined', vaultId: 'no-such-vault' })).events).toEqual([]);
    expect((await call('security.events', { kind: 'key_quarantined', fromHeight: res.height + 1 })).events).toEqual([]);
    expect((await call('security.events', { kind: 'key_quarantined', fromHeight: res.height, toHeight: res.height })).events).toHaveLength(1);
    // The key's on-chain status follows.
    expect((await call('keys.list', {})).keys.find((k) => k.keyId === key.keyId)?.onChain).toBe('quarantined');
  });

  it('lists a transaction the node refused at mempool admission (CheckTx), marked stage "admission", never in a block', async () => {
    const admin = loadDevnetAdmin(h.charter.workspace.devnetHome);
    const client = await h.charter.services.chain.get();
    const status = await client.status();
    // A nonce far ahead of the admin's next one: CheckTx refuses it (BAD_NONCE) over the real RPC socket.
    const unsigned = {
      version: 1 as const,
      chain_id: status.chainId,
      type: 'vault.fund' as const,
      body: { vault_id: 'nowhere', asset: 'USD', amount: '1' },
      signer: admin.keyId,
      nonce: 1_000_000,
      expires_at: status.height + 50,
    };
    const tx = encodeTx({ ...unsigned, signature: toHex(admin.sign(signingDigest(unsigned))) });
    const res = await fetch(`${h.charter.rpcUrl}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'broadcast_tx_sync', params: { tx: Buffer.from(tx).toString('base64') } }),
    });
    const sync = (await res.json()) as { result: { code: number; hash: string } };
    expect(sync.result.code).not.toBe(0);

    const page = await call('security.events', { stage: 'admission', keyId: admin.keyId });
    const mine = page.events.filter((e) => e.txHash === sync.result.hash);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ kind: 'security.tx_rejected', stage: 'admission', txIndex: null, code: 'BAD_NONCE', keyId: admin.keyId });
    expect(mine[0]!.height).toBeGreaterThanOrEqual(status.height);
    // The refused transaction is in no block: the event itself carries what the console shows of it.
    expect(mine[0]!.attributes).toContainEqual({ key: 'type', value: 'vault.fund' });
    const reason = mine[0]!.attributes.find((a) => a.key === 'reason')?.value ?? '';
    expect(reason).toMatch(/nonce/i);
    expect(reason).not.toMatch(/^BAD_NONCE:/);
    expect(await h.fail('explorer.tx', { hash: sync.result.hash })).toBe('NOT_FOUND');
    // Block-stage queries do not list it; the filter is validated.
    expect((await call('security.events', { stage: 'block' })).events.some((e) => e.txHash === sync.result.hash)).toBe(false);
    expect(await h.fail('security.events', { stage: 'mempool' })).toBe('INVALID_INPUT');
  });

  it('refuses a malformed filter with INVALID_INPUT: a kind the engine does not emit, an inverted height range', async () => {
    const r = await h.charter.dispatch('security.events', { kind: 'DROP TABLE', limit: 5 });
    expect(r.ok ? null : r.error.code).toBe('INVALID_INPUT');
    expect(await h.fail('security.events', { kind: 'tx_rejectd' })).toBe('INVALID_INPUT');
    const inv = await h.charter.dispatch('security.events', { fromHeight: 9, toHeight: 2 });
    expect(inv.ok ? null : inv.error.message).toMatch(/inverted/);
    expect((await h.charter.dispatch('security.events', { kind: 'security.key_revoked' })).ok).toBe(true);
  });
});
