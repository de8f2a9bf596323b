/**
 * Argument helpers shared by every command that listens or ticks (`charter
 * node`, `charter serve`). Light on purpose: the CLI imports this eagerly.
 */
import { CharterError } from '../../core/errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "1s" → 1000, "500ms" → 500, "1.5s" → 1500, "250" → 250 (ms). */
export function parseDuration(s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(s);
  if (!m) throw new CharterError('USAGE', `not a duration: ${JSON.stringify(s)} (use e.g. 1s, 500ms, 2m)`);
  const ms = Number(m[1]) * (UNITS[m[2] ?? 'ms'] as number);
  if (!Number.isFinite(ms) || ms < 1 || ms > 3_600_000) throw new CharterError('USAGE', `block time must be between 1ms and 1h, got ${s}`);
  return Math.round(ms);
}

/** Whether `host` names this machine only: base/node/net.ts (shared with every Node-side layer). */
export { isLoopback } from '../../base/node/net.js';
