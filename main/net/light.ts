/**
 * Following a CometBFT chain from a trust anchor to a target height over a
 * node's RPC, as CometBFT's light client does: fetch the light block at the
 * target, try to verify it from the newest trusted block, and when too little
 * of the trusted set signed it, bisect (CometBFT's verifySkipping, pivot at the
 * midpoint). What the node serves is never trusted: every block of the path is
 * verified again by core/consensus's verifyLightChain, which judges the whole
 * chain from the anchor alone. `charter light verify` is its command.
 */
import { CharterError } from '../../core/errors.js';
import {
  parseLightBlock,
  refusalReason,
  timestampFromMs,
  verifyLight,
  verifyLightChain,
  type LightBlock,
  type LightChainVerdict,
  type TrustAnchor,
} from '../../core/consensus/index.js';

/** A light block as CometBFT's RPC serves it: /commit's signed_header and /validators' result. */
export interface LightBlockJson {
  signed_header: unknown;
  validator_set: unknown;
}

async function rpcGet(base: string, path: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(15_000) });
  } catch (e) {
    throw new CharterError('NODE_UNREACHABLE', `${base}${path}: ${(e as Error).message}`, { rpcUrl: base });
  }
  const body = (await res.json().catch(() => null)) as { result?: unknown; error?: { message?: string; data?: string } } | null;
  if (!body || body.result === undefined)
    throw new CharterError(
      'NODE_ERROR',
      `${base}${path}: ${body?.error ? `${body.error.message ?? ''} ${body.error.data ?? ''}`.trim() : `HTTP ${res.status}`}`,
      {
        rpcUrl: base,
      },
    );
  return body.result;
}

/** The light block at `height` (null: the latest), as the node serves it. */
export async function fetchLightBlock(rpcUrl: string, height: number | null): Promise<LightBlockJson> {
  const base = rpcUrl.replace(/\/+$/, '');
  const commit = (await rpcGet(base, `/commit${height === null ? '' : `?height=${height}`}`)) as { signed_header?: unknown };
  const h = (commit.signed_header as { header?: { height?: unknown } } | undefined)?.header?.height;
  if (typeof h !== 'string') throw new CharterError('NODE_ERROR', `${base}/commit: no signed header in the answer`);
  const validator_set = await rpcGet(base, `/validators?height=${h}&per_page=100`);
  return { signed_header: commit.signed_header, validator_set };
}

export interface LightPath {
  /** The blocks verified, from the anchor to the target, as JSON (what evidence carries). */
  blocks: LightBlockJson[];
  verdict: LightChainVerdict;
  /** The anchor as verified, its chain id filled in. */
  anchor: TrustAnchor;
  target: LightBlock;
}

/** A trust anchor whose chain id may be left to the anchor header, which its hash binds. */
export type AnchorInput = Omit<TrustAnchor, 'chainId'> & { chainId?: string };

/**
 * The path from `anchor` to `target` (null: the node's latest height), bisecting
 * where a skip is not signed by enough of the trusted set, then verified whole
 * by verifyLightChain. `nowMs` is the verifier's clock. Throws PROOF_INVALID
 * with the reason when the node's blocks do not verify.
 */
export async function lightPath(rpcUrl: string, input: AnchorInput, target: number | null, nowMs: number): Promise<LightPath> {
  const cache = new Map<number, { json: LightBlockJson; block: LightBlock }>();
  const get = async (h: number | null): Promise<{ json: LightBlockJson; block: LightBlock }> => {
    const hit = h === null ? undefined : cache.get(h);
    if (hit) return hit;
    const json = await fetchLightBlock(rpcUrl, h);
    const entry = { json, block: parseLightBlock(json) };
    cache.set(Number(entry.block.signedHeader.header.height), entry);
    return entry;
  };
  const now = timestampFromMs(nowMs);
  const first = await get(Number(input.height));
  const anchor: TrustAnchor = { ...input, chainId: input.chainId ?? first.block.signedHeader.header.chainId };
  // The anchor alone first: a wrong hash or an expired anchor is refused before anything else is fetched.
  verifyLightChain(anchor, [first.block], { now });
  const top = await get(target);
  const topHeight = Number(top.block.signedHeader.header.height);
  if (topHeight < Number(anchor.height))
    throw new CharterError('INVALID_INPUT', `height ${topHeight} is below the anchor's ${anchor.height}: a light chain goes up from its anchor`);
  const path = [first];
  const pending = topHeight === Number(anchor.height) ? [] : [topHeight];
  const light = { now, trustingPeriodNs: anchor.trustingPeriodNs };
  while (pending.length > 0) {
    const h = pending[pending.length - 1] as number;
    const trusted = path[path.length - 1] as { block: LightBlock };
    const th = Number(trusted.block.signedHeader.header.height);
    const next = await get(h);
    try {
      verifyLight(trusted.block.signedHeader, trusted.block.validatorSet, next.block.signedHeader, next.block.validatorSet, light);
      path.push(next);
      pending.pop();
    } catch (e) {
      if (refusalReason(e) !== 'NOT_ENOUGH_TRUSTED_POWER' || h - th < 2) throw e;
      pending.push(th + Math.floor((h - th) / 2));
    }
  }
  const blocks = path.map((p) => p.block);
  return { blocks: path.map((p) => p.json), verdict: verifyLightChain(anchor, blocks, { now }), anchor, target: blocks[blocks.length - 1] as LightBlock };
}
