// The light-client verifier (core/consensus) on fresh commits of a live
// CometBFT v0.38.25 chain running its built-in kvstore application: every
// header and commit fetched over RPC verifies against its validator set, the
// chain verifies header by header and by skipping across a validator-set
// change made through kvstore's `val=ed25519!<base64 pubkey>!<power>`
// transaction, and a tampered commit is refused. One validator on 127.0.0.1;
// the whole process tree is killed at the end.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHexUpper } from '../../core/codec/index.js';
import {
  parseCommitResult,
  parseValidators,
  refusalReason,
  timestampFromMs,
  verifyAdjacent,
  verifyCommit,
  verifyNonAdjacent,
  type LightOptions,
  type SignedHeader,
  type ValidatorSet,
} from '../../core/consensus/index.js';
import { runLightVerify } from '../../main/net/cli.js';
import { lightPath } from '../../main/net/light.js';
import { cometbftBinary, cometHeight, initCometHome, rpc, setToml, startCometbft, waitFor, type CometHome, type Proc } from '../support/cometbft.js';

const CHAIN = 'charter-light-live';
let dir: string;
let home: CometHome;
let comet: Proc;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'charter-light-live-'));
  home = await initCometHome(join(dir, 'cmt'), { chainId: CHAIN, appState: {} });
  const cfgPath = join(home.dir, 'config', 'config.toml');
  writeFileSync(cfgPath, setToml(readFileSync(cfgPath, 'utf8'), '', 'proxy_app', '"kvstore"'));
  comet = startCometbft(home);
  await waitFor('the first blocks', async () => (await cometHeight(home.rpcPort)) >= 3, 60_000, [comet]);
});

afterAll(async () => {
  comet?.kill();
  if (comet) await comet.exited;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function fetchBlock(h: number): Promise<{ sh: SignedHeader; vals: ValidatorSet }> {
  const c = await rpc(home.rpcPort, 'commit', { height: String(h) });
  const v = await rpc(home.rpcPort, 'validators', { height: String(h), per_page: '100' });
  return { sh: parseCommitResult(c).signedHeader, vals: parseValidators(v).set };
}

describe('light client on a live kvstore chain', () => {
  it('verifies fresh commits, adjacent and skipping, across a validator-set change', async () => {
    const gen = spawnSync(cometbftBinary(), ['gen-validator'], { encoding: 'utf8' });
    expect(gen.status).toBe(0);
    const pub = (JSON.parse(gen.stdout) as { Key: { pub_key: { value: string } } }).Key.pub_key.value;
    const r = await rpc<{ height: string; tx_result: { code: number } }>(home.rpcPort, 'broadcast_tx_commit', { tx: `"val=ed25519!${pub}!1"` });
    expect(r.tx_result.code).toBe(0);
    const changedAt = Number(r.height);
    // The update takes effect two heights later; two more to skip across it.
    const last = await waitFor('blocks after the change', async () => {
      const h = await cometHeight(home.rpcPort);
      return h >= changedAt + 4 ? h : null;
    });

    const blocks = new Map<number, { sh: SignedHeader; vals: ValidatorSet }>();
    for (let h = 1; h <= last; h++) blocks.set(h, await fetchBlock(h));
    const at = (h: number) => blocks.get(h) as { sh: SignedHeader; vals: ValidatorSet };
    expect(at(1).vals.validators).toHaveLength(1);
    expect(at(last).vals.validators).toHaveLength(2);

    const opts: LightOptions = { now: timestampFromMs(Date.now()), trustingPeriodNs: 3_600_000_000_000n };
    for (let h = 1; h <= last; h++) {
      const { sh, vals } = at(h);
      expect(verifyCommit(CHAIN, sh.header, sh.commit, vals).height).toBe(BigInt(h));
      if (h > 1) expect(verifyAdjacent(at(h - 1).sh, sh, vals, opts).height).toBe(BigInt(h));
    }
    expect(verifyNonAdjacent(at(1).sh, at(1).vals, at(last).sh, at(last).vals, opts).height).toBe(BigInt(last));

    const tampered = { ...at(last).sh, header: { ...at(last).sh.header, appHash: Uint8Array.of(1, 2, 3) } };
    let reason: string | null = null;
    try {
      verifyNonAdjacent(at(1).sh, at(1).vals, tampered, at(last).vals, opts);
    } catch (e) {
      reason = refusalReason(e);
    }
    expect(reason).toBe('HEADER_HASH_MISMATCH');

    // Over the RPC from a trust anchor at height 1 (its hash taken from the commit of height 2, as an auditor
    // would get it out of band): the path found is verified whole, and the command says so.
    const anchorHash = toHexUpper(at(2).sh.header.lastBlockId.hash);
    const anchor = { chainId: CHAIN, height: 1n, hash: anchorHash, trustingPeriodNs: 3_600_000_000_000n };
    const path = await lightPath(`http://127.0.0.1:${home.rpcPort}`, anchor, last, Date.now());
    expect(path.verdict.verified[0]).toEqual({ height: 1n, hash: anchorHash });
    expect(path.verdict.verified[path.verdict.verified.length - 1]?.height).toBe(BigInt(last));
    expect(path.blocks).toHaveLength(path.verdict.verified.length);
    const lines: string[] = [];
    const rpcUrl = `http://127.0.0.1:${home.rpcPort}`;
    await runLightVerify({ node: rpcUrl, trustHeight: '1', trustHash: anchorHash, height: String(last), json: true, out: (l) => lines.push(l) });
    const out = JSON.parse(lines[0] as string) as { chain_id: string; verified: { height: number; hash: string; app_hash: string }; path: number[] };
    expect(out.chain_id).toBe(CHAIN);
    expect(out.verified.height).toBe(last);
    expect(out.verified.hash).toBe(toHexUpper(at(last).sh.commit.blockId.hash));
    expect(out.verified.app_hash).toBe(toHexUpper(at(last).sh.header.appHash));
    expect(out.path[0]).toBe(1);
    // A wrong anchor hash, and an anchor past its trusting period, are refused with their reasons.
    const wrong = toHexUpper(at(3).sh.commit.blockId.hash);
    await expect(runLightVerify({ node: rpcUrl, trustHeight: '1', trustHash: wrong, out: () => {} })).rejects.toMatchObject({
      code: 'PROOF_INVALID',
      details: { reason: 'ANCHOR_MISMATCH' },
    });
    await expect(
      runLightVerify({ node: rpcUrl, trustHeight: '1', trustHash: anchorHash, trustingPeriod: '1s', nowMs: Date.now() + 5_000, out: () => {} }),
    ).rejects.toMatchObject({ code: 'PROOF_INVALID', details: { reason: 'TRUSTED_HEADER_EXPIRED' } });
  });
});
