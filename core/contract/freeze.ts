/**
 * The frozen error and event contract.
 *
 * Scripts, dashboards and other consoles branch on error codes and parse
 * events. Both are promised under CONTRACT_VERSION: a code's name and ABCI
 * number, and an event's name and payload shape, change only together with a
 * version bump. docs/contract/contract.json holds the surface of the current
 * version; tests/unit/contract-freeze.test.ts fails when the code's surface and
 * that file disagree while the version stayed the same.
 *
 * Wording (summaries, hints) is not part of the frozen surface: it may improve
 * without a bump.
 */
import { z } from 'zod';
import { ERROR_CODES } from '../errors.js';
import { events } from './index.js';

/** Bump when an error code or an event shape changes; then regenerate docs/contract/contract.json. */
export const CONTRACT_VERSION = 6;

export interface ContractSurface {
  contract_version: number;
  errors: { code: string; abci: number | null }[];
  events: Record<string, unknown>;
}

export function contractSurface(): ContractSurface {
  const errors = Object.entries(ERROR_CODES)
    .map(([code, info]) => ({ code, abci: (info as { abci?: number }).abci ?? null }))
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const ev: Record<string, unknown> = {};
  for (const name of Object.keys(events).sort()) {
    ev[name] = z.toJSONSchema(events[name as keyof typeof events]);
  }
  return { contract_version: CONTRACT_VERSION, errors, events: ev };
}
