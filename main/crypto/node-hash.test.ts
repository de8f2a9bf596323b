// The node:crypto SHA-256 the hosts give the engine must change nothing but
// speed: the same transaction stream yields the same state-root history.
import { describe, expect, it } from 'vitest';
import { sha256, sha256Hex, toHex } from '../../core/codec/index.js';
import { CustodyEngine } from '../../core/engine/engine.js';
import { buildTx, blockTime, testGenesis, testKey } from '../../tests/support/engine-kit.js';
import { nodeSha256, nodeSha256Hex } from './node-hash.js';

describe('nodeSha256', () => {
  it('equals the pure-JS SHA-256 on inputs of every small length', () => {
    for (let n = 0; n < 200; n++) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff);
      expect(toHex(nodeSha256(data))).toBe(toHex(sha256(data)));
      expect(nodeSha256Hex(data)).toBe(sha256Hex(data));
    }
  });

  it('hashes only the view it is given, not the whole buffer behind it', () => {
    const whole = Uint8Array.from({ length: 64 }, (_, i) => i);
    const view = whole.subarray(10, 42);
    expect(toHex(nodeSha256(view))).toBe(sha256Hex(view.slice()));
    expect(nodeSha256Hex(view)).toBe(sha256Hex(view.slice()));
  });

  it('gives the engine the same root history as the default hash', () => {
    const admin = testKey(1);
    const keys = [testKey(2), testKey(3), testKey(4)];
    const blocks: Uint8Array[][] = [];
    let n = 0;
    blocks.push(keys.map((k) => buildTx(admin, 'key.register', { public_key: k.publicKeyHex, scheme: 'ed25519', label: 'k' }, ++n).bytes));
    blocks.push([
      buildTx(admin, 'vault.create', { vault_id: 'v1', name: 'V', policy: { approvers: keys.map((k) => k.keyId), threshold: 2 } }, ++n).bytes,
      buildTx(admin, 'vault.fund', { vault_id: 'v1', asset: 'USDC', amount: '1000' }, ++n).bytes,
    ]);
    const create = buildTx(keys[0]!, 'withdrawal.create', { vault_id: 'v1', asset: 'USDC', amount: '10', destination: 'acct:x', memo: '' }, 1);
    blocks.push([create.bytes]);
    const history = (e: CustodyEngine) =>
      blocks.map((txs, i) => {
        const r = e.finalizeBlock({ height: i + 1, time: blockTime(i + 1), txs });
        e.commit();
        expect(
          r.txResults.every((t) => t.code === 0),
          JSON.stringify(r.txResults.map((t) => t.log)),
        ).toBe(true);
        return toHex(r.appHash);
      });
    const a = history(new CustodyEngine(testGenesis()));
    const b = history(new CustodyEngine(testGenesis(), { sha256: nodeSha256 }));
    expect(b).toEqual(a);
    expect(new Set(a).size).toBe(a.length);
  });
});
