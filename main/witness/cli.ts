/**
 * The actions behind `charter witness init | run | status` (the commander
 * wiring lives in main/cli/index.ts). docs/formats/evidence-log.md §8.
 *
 * Exit codes: 0 done (cosigned, or nothing new); 1 refused (FORK_DETECTED,
 * CHECKPOINT_UNTRUSTED) or failed; 64 usage.
 */
import path from 'node:path';
import { CharterError } from '../../core/errors.js';
import { jsonLine, say, sayErr } from '../cli/output.js';
import { KEY_FILE, initWitness, witnessRound, witnessStatus, type RoundResult } from './witness.js';

export function runWitnessInit(o: { dir: string; json?: boolean }): void {
  const id = initWitness(o.dir);
  const witnesses = { quorum: 1, keys: [id.trust_entry] };
  if (o.json) {
    jsonLine({
      dir: o.dir,
      key_file: path.join(o.dir, KEY_FILE),
      key_id: id.key_id,
      scheme: id.scheme,
      public_key: id.public_key,
      trust_entry: id.trust_entry,
      witnesses,
    });
    return;
  }
  say(
    [
      `Witness created in ${o.dir}; its key is in ${path.join(o.dir, KEY_FILE)} (mode 0600: keep it there, back it up, never share it).`,
      `key id:     ${id.key_id}`,
      `scheme:     ${id.scheme}`,
      `public key: ${id.public_key}`,
      '',
      "For the auditors' trust file (next to version, log_id, quorum and keys; raise the quorum when several witnesses are listed):",
      `"witnesses": ${JSON.stringify(witnesses, null, 2)}`,
    ].join('\n'),
  );
}

function parseInterval(s: string | undefined): number {
  if (s === undefined) return 10_000;
  if (!/^\d{1,9}$/.test(s) || Number(s) < 100 || Number(s) > 86_400_000)
    throw new CharterError('USAGE', `--interval-ms must be an integer from 100 to 86400000, got ${JSON.stringify(s)}`);
  return Number(s);
}

const RETRY = new Set<string>(['CHECKPOINT_UNTRUSTED', 'NODE_UNREACHABLE', 'NODE_ERROR', 'NOT_FOUND', 'CHECKPOINT_MISMATCH']);

function report(r: RoundResult, json: boolean): void {
  if (json) {
    const { message, ...rest } = r;
    jsonLine({ ok: true, ...rest, message });
  } else say(r.message);
}

/**
 * `charter witness run`: one round with --once (exit 0 cosigned or nothing new,
 * 1 refused), else a round every --interval-ms until SIGINT / SIGTERM. A fork
 * ends the loop with FORK_DETECTED; other refusals and unreachable nodes are
 * reported and the next round tries again.
 */
export async function runWitnessRun(o: { dir: string; node: string; trust?: string; once?: boolean; intervalMs?: string; json?: boolean }): Promise<void> {
  const interval = parseInterval(o.intervalMs);
  const json = !!o.json;
  const opts = { dir: o.dir, node: o.node, ...(o.trust !== undefined ? { trust: o.trust } : {}), say: json ? sayErr : say };
  if (o.once) {
    report(await witnessRound(opts), json);
    return;
  }
  let stopped = false;
  let wake: (() => void) | null = null;
  const stop = () => {
    stopped = true;
    wake?.();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    while (!stopped) {
      try {
        report(await witnessRound(opts), json);
      } catch (e) {
        // A bad checkpoint or a node that is away may pass; a fork, or a problem of the directory, ends the loop.
        if (e instanceof CharterError && RETRY.has(e.code)) {
          sayErr(`warning ${e.code}: ${e.message} (trying again in ${interval} ms)`);
        } else throw e;
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, interval);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = null;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  if (!json) say('witness stopped');
}

export function runWitnessStatus(o: { dir: string; json?: boolean }): void {
  const s = witnessStatus(o.dir);
  if (o.json) {
    jsonLine(s);
    return;
  }
  const lines = [`witness ${s.witness.key_id} (${s.witness.scheme}, public key ${s.witness.public_key})`];
  if (s.state === null) lines.push('no log pinned yet: run `charter witness run --dir DIR --node URL`');
  else {
    lines.push(
      `log ${s.state.log_id}: trust file ${s.trust_file ?? '(missing)'} pinned ${s.state.trust.source === 'first-use' ? `on first use from ${s.state.trust.node ?? '?'}` : 'as given'} at ${s.state.trust.pinned_at}`,
    );
    const l = s.state.last;
    lines.push(
      l
        ? `last cosigned: height ${l.signed.checkpoint.height}, MMR size ${l.signed.checkpoint.mmr_size}, at ${l.cosigned_at} (node ${l.node})`
        : 'nothing cosigned yet',
    );
  }
  if (s.forks.length === 0) lines.push('no fork recorded');
  for (const f of s.forks)
    lines.push(
      `FORK_DETECTED log ${f.log_id}: cosigned height ${f.cosigned.height} (MMR size ${f.cosigned.mmr_size}) vs offered height ${f.offered.height} (MMR size ${f.offered.mmr_size}): ${f.reason} — ${f.file}`,
    );
  if (s.forks.length > 0) lines.push(`this witness refuses the log while these records are in ${path.join(o.dir, 'forks')}`);
  say(lines.join('\n'));
}
