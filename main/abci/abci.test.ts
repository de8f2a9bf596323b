// The ABCI server's own parts: framing, the translation of requests, and the
// socket server answering in order (over a real TCP socket on 127.0.0.1,
// with our own client; the CometBFT tests in tests/integration/ use the real one).
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Request, Response } from 'cosmjs-types/tendermint/abci/types';
import { afterEach, describe, expect, it } from 'vitest';
import { makeGenesis } from '../../core/engine/genesis.js';
import { seededKey, signSeeded } from '../crypto/seeded-keys.js';
import { CometApp, timestampToRfc3339, validatorUpdatesOf } from './app.js';
import { frame, FrameReader, readUvarint, uvarint } from './framing.js';
import { AbciServer, parseAbciAddress } from './server.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'charter-abci-unit-'));
  dirs.push(d);
  return d;
};

describe('ABCI framing', () => {
  it('prefixes the length as an unsigned varint, as protoio does', () => {
    expect([...uvarint(0)]).toEqual([0]);
    expect([...uvarint(127)]).toEqual([127]);
    expect([...uvarint(128)]).toEqual([0x80, 0x01]);
    expect([...uvarint(300)]).toEqual([0xac, 0x02]);
    expect(readUvarint(Uint8Array.from([0xac, 0x02]), 0)).toEqual([300, 2]);
    expect(readUvarint(Uint8Array.from([0xac]), 0)).toBeNull();
  });

  it('refuses a non-minimal prefix and a message over the limit', () => {
    expect(() => readUvarint(Uint8Array.from([0x80, 0x00]), 0)).toThrow(/not minimal/);
    expect(() => readUvarint(uvarint(104_857_601), 0)).toThrow(/over the/);
  });

  it('cuts a stream split anywhere into the same messages', () => {
    const msgs = [Uint8Array.from([1, 2, 3]), new Uint8Array(200).fill(7), new Uint8Array(0)];
    const wire = Buffer.concat(msgs.map((m) => frame(m)));
    for (let cut = 0; cut <= wire.length; cut++) {
      const r = new FrameReader();
      const got = [...r.push(wire.subarray(0, cut)), ...r.push(wire.subarray(cut))];
      expect(got.map((m) => [...m])).toEqual(msgs.map((m) => [...m]));
      expect(r.pending).toBe(0);
    }
  });
});

describe('ABCI translation', () => {
  it('formats protobuf timestamps as RFC 3339 with the digits they have', () => {
    expect(timestampToRfc3339({ seconds: 1767225600n, nanos: 0 })).toBe('2026-01-01T00:00:00Z');
    expect(timestampToRfc3339({ seconds: 1767225600n, nanos: 120_000_000 })).toBe('2026-01-01T00:00:00.12Z');
    expect(timestampToRfc3339({ seconds: 1767225600n, nanos: 1 })).toBe('2026-01-01T00:00:00.000000001Z');
  });

  it('turns executed validator governance into validator updates (power 0 removes; failed transactions count for nothing)', () => {
    const pk = 'ab'.repeat(32);
    const other = 'cd'.repeat(32);
    const ok = (events: { type: string; attributes: { key: string; value: string }[] }[]) => ({
      code: 0,
      codespace: '',
      log: '',
      data: new Uint8Array(),
      events,
    });
    const added = {
      type: 'security.validator_added',
      attributes: [
        { key: 'public_key', value: pk },
        { key: 'power', value: '10' },
      ],
    };
    const removed = { type: 'security.validator_removed', attributes: [{ key: 'public_key', value: other }] };
    const ups = validatorUpdatesOf(
      [],
      [
        ok([added]),
        ok([removed]),
        {
          ...ok([
            {
              ...added,
              attributes: [
                { key: 'public_key', value: other },
                { key: 'power', value: '5' },
              ],
            },
          ]),
          code: 7,
        },
      ],
    );
    expect(ups.map((u) => [Buffer.from(u.pubKey.ed25519!).toString('hex'), u.power])).toEqual([
      [pk, 10n],
      [other, 0n],
    ]);
    // Against the set at the start of the block: a key added and removed within it is no update, nor is an unchanged power.
    const addedThenRemoved = [ok([added]), ok([{ ...removed, attributes: [{ key: 'public_key', value: pk }] }])];
    expect(validatorUpdatesOf([], addedThenRemoved, new Map())).toEqual([]);
    expect(validatorUpdatesOf([], [ok([added])], new Map([[pk, 10]]))).toEqual([]);
    expect(validatorUpdatesOf([], [ok([removed])], new Map([[other, 3]])).map((u) => u.power)).toEqual([0n]);
  });

  it('answers Info at height 0 before InitChain, refuses a block before it, and initialises from app_state', () => {
    const app = new CometApp({ home: tmp() });
    try {
      expect(app.handle({ info: { version: '', blockVersion: 0n, p2pVersion: 0n, abciVersion: '' } }).info?.lastBlockHeight).toBe(0n);
      expect(() => app.handle(Request.fromPartial({ commit: {} }))).toThrow(/before InitChain/);
      // A query or a transaction that cannot be answered gets an error code, never an exception (which would halt CometBFT).
      const q = app.handle(Request.fromPartial({ query: { path: '/vault/x' } })).query;
      expect([q?.code, q?.codespace, q?.log]).toEqual([1, 'charter-abci', expect.stringMatching(/^WORKSPACE_INVALID: Query before InitChain/)]);
      expect(app.handle(Request.fromPartial({ checkTx: { tx: Buffer.from('x') } })).checkTx?.code).toBe(1);
      const admin = seededKey('abci-unit/admin');
      const genesis = makeGenesis({
        chain_id: 'abci-unit',
        genesis_time: '2026-01-01T00:00:00Z',
        admins: [{ public_key: admin.publicKeyHex, label: 'op' }],
        params: { faucet: true, max_expiry_blocks: 1000 },
      });
      const bad = Request.fromPartial({ initChain: { chainId: 'other', appStateBytes: Buffer.from(JSON.stringify(genesis)), initialHeight: 1n } });
      expect(() => app.handle(bad)).toThrow(/chain id other is not the custody genesis chain id abci-unit/);
      const r = app.handle(
        Request.fromPartial({ initChain: { chainId: 'abci-unit', appStateBytes: Buffer.from(JSON.stringify(genesis)), initialHeight: 1n } }),
      );
      expect(r.initChain?.appHash.length).toBe(32);
      // A proposal holding bytes the application would refuse is rejected; a well-formed one accepted.
      const tx = signSeeded(admin, 'abci-unit', 'vault.create', { vault_id: 'v', name: 'v', policy: { approvers: [admin.keyId], threshold: 1 } }, 0).bytes;
      expect(app.handle(Request.fromPartial({ processProposal: { txs: [tx], height: 1n } })).processProposal?.status).toBe(1);
      expect(app.handle(Request.fromPartial({ processProposal: { txs: [tx, Buffer.from('{"not":"a tx"}')], height: 1n } })).processProposal?.status).toBe(2);
    } finally {
      app.close();
    }
  });
});

describe('state sync between two applications', () => {
  it("restores a peer's snapshot, answers Info at its height and root, and continues with the next block", () => {
    const admin = seededKey('abci-unit/statesync-admin');
    const genesis = makeGenesis({
      chain_id: 'abci-sync',
      genesis_time: '2026-01-01T00:00:00Z',
      admins: [{ public_key: admin.publicKeyHex, label: 'op' }],
      params: { faucet: true, max_expiry_blocks: 1000 },
    });
    const init = Request.fromPartial({ initChain: { chainId: 'abci-sync', appStateBytes: Buffer.from(JSON.stringify(genesis)), initialHeight: 1n } });
    const block = (h: number, txs: Uint8Array[]) =>
      Request.fromPartial({
        finalizeBlock: {
          height: BigInt(h),
          time: { seconds: 1767225600n + BigInt(h), nanos: 0 },
          txs,
          hash: new Uint8Array(32).fill(h),
          proposerAddress: new Uint8Array(20),
        },
      });
    const a = new CometApp({ home: tmp(), snapshotEvery: 2 });
    const b = new CometApp({ home: tmp() });
    try {
      a.handle(init);
      for (let h = 1; h <= 4; h++) {
        const txs =
          h === 1
            ? [signSeeded(admin, 'abci-sync', 'vault.create', { vault_id: 'vault-a', name: 'A', policy: { approvers: [admin.keyId], threshold: 1 } }, 0).bytes]
            : [];
        expect(a.handle(block(h, txs)).finalizeBlock?.txResults.map((r) => r.log)).toEqual(txs.map(() => ''));
        a.handle(Request.fromPartial({ commit: {} }));
      }
      const snaps = a.handle(Request.fromPartial({ listSnapshots: {} })).listSnapshots!.snapshots;
      expect(snaps.map((s) => s.height)).toEqual([4n, 2n]);
      const s = snaps[0]!;
      const root = a.handle(Request.fromPartial({ info: {} })).info!.lastBlockAppHash;
      b.handle(init);
      // A wrong app hash: the restore is refused and the application stays empty.
      expect(b.handle(Request.fromPartial({ offerSnapshot: { snapshot: s, appHash: new Uint8Array(32) } })).offerSnapshot?.result).toBe(1);
      const chunk = a.handle(Request.fromPartial({ loadSnapshotChunk: { height: s.height, format: 1, chunk: 0 } })).loadSnapshotChunk!.chunk;
      expect(b.handle(Request.fromPartial({ applySnapshotChunk: { index: 0, chunk } })).applySnapshotChunk?.result).toBe(5);
      expect(b.handle(Request.fromPartial({ info: {} })).info?.lastBlockHeight).toBe(0n);
      // The right one: restored.
      expect(b.handle(Request.fromPartial({ offerSnapshot: { snapshot: s, appHash: root } })).offerSnapshot?.result).toBe(1);
      expect(b.handle(Request.fromPartial({ applySnapshotChunk: { index: 0, chunk } })).applySnapshotChunk?.result).toBe(1);
      const info = b.handle(Request.fromPartial({ info: {} })).info!;
      expect(info.lastBlockHeight).toBe(4n);
      expect(Buffer.from(info.lastBlockAppHash).equals(Buffer.from(root))).toBe(true);
      // Both execute block 5 to the same root; a block decided again before its commit (CometBFT restarted) replaces the first.
      a.handle(block(5, []));
      const r5a = a.handle(block(5, [])).finalizeBlock!.appHash;
      const r5b = b.handle(block(5, [])).finalizeBlock!.appHash;
      expect(Buffer.from(r5b).equals(Buffer.from(r5a))).toBe(true);
      b.handle(Request.fromPartial({ commit: {} }));
      const q = b.handle(Request.fromPartial({ query: { path: '/vault/vault-a' } })).query!;
      expect(q.code).toBe(0);
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('ABCI socket server', () => {
  it('answers requests in order, flushes on Flush, and answers ResponseException for what it cannot serve', async () => {
    const app = new CometApp({ home: tmp() });
    const server = new AbciServer({ app });
    await server.listen(parseAbciAddress('tcp://127.0.0.1:0'));
    const a = server.address;
    const sock = connect(a.kind === 'tcp' ? a.port : 0, '127.0.0.1');
    try {
      const reader = new FrameReader();
      const got: Response[] = [];
      const done = new Promise<void>((resolve) =>
        sock.on('data', (d) => {
          for (const m of reader.push(d)) got.push(Response.decode(m));
          if (got.length === 4) resolve();
        }),
      );
      const reqs = [
        Request.fromPartial({ echo: { message: 'one' } }),
        Request.fromPartial({ commit: {} }),
        Request.fromPartial({ echo: { message: 'three' } }),
        Request.fromPartial({ flush: {} }),
      ];
      // One write, cut in the middle of a message.
      const wire = Buffer.concat(reqs.map((r) => frame(Request.encode(r).finish())));
      sock.write(wire.subarray(0, 5));
      await new Promise((r) => setTimeout(r, 20));
      sock.write(wire.subarray(5));
      await done;
      expect(got[0]?.echo?.message).toBe('one');
      expect(got[1]?.exception?.error).toMatch(/before InitChain/);
      expect(got[2]?.echo?.message).toBe('three');
      expect(got[3]?.flush).toBeDefined();
    } finally {
      sock.destroy();
      await server.close();
      app.close();
    }
  });

  it('parses listen addresses and refuses others', () => {
    expect(parseAbciAddress('tcp://127.0.0.1:26658')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 26658 });
    expect(parseAbciAddress('unix:///tmp/app.sock')).toEqual({ kind: 'unix', path: '/tmp/app.sock' });
    expect(() => parseAbciAddress('http://x')).toThrow(/--listen must be/);
  });
});
