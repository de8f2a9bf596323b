// The approve flow end to end on the real devnet with keys of the two backends
// of hsm/ledger.ts and hsm/software.ts: an emulated Ledger (the device cannot
// exist here; tests/support/ledger-emulator.ts answers its APDUs below the real
// @ledgerhq/hw-app-eth client) and software P-256 / secp256k1 keys. The engine
// verifies every signature when the transactions are committed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SignatureScheme, TxBodies, TxType, UnsignedEnvelope } from '../../core/engine/types.js';
import { encodeTx, requestIdOf } from '../../core/tx/envelope.js';
import { signEnvelopeFor } from '../../core/tx/verify.js';
import { LedgerBackend } from '../../hsm/ledger.js';
import { SoftwareKeystore } from '../../hsm/software.js';
import type { KeyBackend, KeyInfo } from '../../hsm/types.js';
import { useConsole } from './console-harness.js';
import { emulatedLedger, LedgerEmulator } from '../support/ledger-emulator.js';

const h = useConsole('charter-ledger-devnet-');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'charter-ledger-keys-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const PASS = 'software passphrase';

async function submit<T extends TxType>(
  backend: KeyBackend,
  key: KeyInfo,
  type: T,
  body: TxBodies[T],
): Promise<{ code: number; envelope: UnsignedEnvelope<T>; events: string[] }> {
  const client = await h.charter.services.chain.get();
  const status = await client.status();
  const u: UnsignedEnvelope<T> = {
    version: 1,
    chain_id: status.chainId,
    type,
    body,
    signer: key.keyId,
    nonce: (await client.nonceOf(key.keyId)) + 1,
    expires_at: status.height + 50,
  };
  const signed = await signEnvelopeFor(key.scheme as SignatureScheme, u, (digest) =>
    backend.sign(key.keyId, { scheme: key.scheme, digest, envelope: u }, { secret: PASS }),
  );
  const res = await client.broadcastCommit(encodeTx(signed));
  return { code: res.txResult.code, envelope: u, events: res.txResult.events.map((e: { type: string }) => e.type) };
}

describe('Ledger and software keys on the devnet', () => {
  it('withdrawals approved with an emulated-Ledger key and software P-256 / secp256k1 (Web3 v3) keys execute', async () => {
    // A Nano X with the Ethereum app's "Raw messages" on and "Blind signing" off: the full EIP-712 form, every field shown.
    const emulator = new LedgerEmulator({ rawMessages: true, blindSigning: false });
    const ledger = new LedgerBackend({ store: path.join(dir, 'ledger-keys.json'), ...emulatedLedger(emulator) });
    const software = new SoftwareKeystore(path.join(dir, 'keystore'), { n: 1 << 12, r: 8, p: 1 });
    const lk = await ledger.generate({ scheme: 'secp256k1', label: 'ledger approver' });
    const pk = await software.generate({ scheme: 'p256', label: 'p256 approver', secret: PASS });
    const sk = await software.generate({ scheme: 'secp256k1', label: 'web3 approver', secret: PASS });
    for (const k of [lk, pk, sk]) expect((await h.submitAsAdmin('key.register', { public_key: k.publicKey, scheme: k.scheme, label: k.label })).code).toBe(0);
    expect(
      (await h.submitAsAdmin('vault.create', { vault_id: 'cold', name: 'Cold', policy: { approvers: [lk.keyId, pk.keyId, sk.keyId], threshold: 2 } })).code,
    ).toBe(0);
    expect((await h.submitAsAdmin('vault.fund', { vault_id: 'cold', asset: 'BTC', amount: '1000' })).code).toBe(0);

    const client = await h.charter.services.chain.get();
    // Initiated by the software secp256k1 key (an initiator may not approve its own request).
    const created = await submit(software, sk, 'withdrawal.create', {
      vault_id: 'cold',
      asset: 'BTC',
      amount: '300',
      destination: 'bc1qledger',
      memo: 'payout',
    });
    expect(created.code).toBe(0);
    const requestId = requestIdOf(created.envelope as UnsignedEnvelope<'withdrawal.create'>);
    expect((await submit(ledger, lk, 'withdrawal.approve', { request_id: requestId })).code).toBe(0);
    expect((await client.query<{ status: string }>(`/request/${requestId}`))?.status).toBe('pending');
    const second = await submit(software, pk, 'withdrawal.approve', { request_id: requestId });
    expect(second.code).toBe(0);
    expect(second.events).toContain('custody.withdrawal_executed');
    expect((await client.query<{ balances: Record<string, string> }>('/vault/cold'))?.balances).toEqual({ BTC: '700' });

    // Initiated by the Ledger; approved by the two software keys (secp256k1 in a Web3 v3 file, P-256).
    const again = await submit(ledger, lk, 'withdrawal.create', { vault_id: 'cold', asset: 'BTC', amount: '100', destination: 'bc1qweb3', memo: '' });
    expect(again.code).toBe(0);
    const id2 = requestIdOf(again.envelope as UnsignedEnvelope<'withdrawal.create'>);
    expect((await submit(software, sk, 'withdrawal.approve', { request_id: id2 })).code).toBe(0);
    expect((await submit(software, pk, 'withdrawal.approve', { request_id: id2 })).events).toContain('custody.withdrawal_executed');
    expect((await client.query<{ balances: Record<string, string> }>('/vault/cold'))?.balances).toEqual({ BTC: '600' });
    // The Ledger was shown each message's fields before it signed (one approval, one request), and signed the full form twice.
    expect(emulator.shown.filter((s) => s.screen === 'eip712-sign')).toHaveLength(2);
    expect(emulator.shown.some((s) => s.screen === 'eip712')).toBe(false);
    const fields = emulator.shown.flatMap((s) => (s.screen === 'eip712-field' ? [`${s.root}.${s.path}=${s.value}`] : []));
    expect(fields).toContain(`WithdrawalApprove.request_id=${requestId}`);
    expect(fields).toEqual(
      expect.arrayContaining([
        'WithdrawalCreate.vault_id=cold',
        'WithdrawalCreate.amount=100',
        'WithdrawalCreate.destination=bc1qweb3',
        `WithdrawalCreate.chain_id=${(await client.status()).chainId}`,
      ]),
    );
  });
});
