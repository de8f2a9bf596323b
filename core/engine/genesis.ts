/**
 * Genesis documents: building one with defaults, validating one, and the
 * engine state it starts from (height 0).
 */
import { z } from 'zod';
import { CharterError } from '../errors.js';
import { canonicalBytes, fromHex, keyIdOf, sha256Hex } from '../codec/index.js';
import { isValidPublicKey } from '../crypto/ed25519.js';
import { CHAIN_ID_RE } from '../tx/codec.js';
import { EMERGENCY_PARAMS_SCHEMA, GOVERNANCE_PARAMS_SCHEMA } from './bodies.js';
import type { ChainParams, EmergencyParams, EngineState, GenesisDoc, GovernanceParams, KeyRecord } from './types.js';

export const DEFAULT_CHAIN_ID = 'charter-devnet';

export const DEFAULT_PARAMS: Readonly<ChainParams> = Object.freeze({ faucet: true, max_expiry_blocks: 1000 });

/**
 * Governance tracks when params.governance is absent: quorum 1/2 of the
 * members, pass at 2/3 yes of the yes+no votes, 100-block voting period, no
 * execution delay; whitelist changes apply 10 blocks after execution. With
 * one member (the devnet's genesis admin) one yes vote passes a proposal.
 */
export const DEFAULT_GOVERNANCE: Readonly<GovernanceParams> = Object.freeze({
  protocol: { quorum: { num: 1, den: 2 }, threshold: { num: 2, den: 3 }, voting_period_blocks: 100, execution_delay_blocks: 0 },
  operational: { quorum: { num: 1, den: 2 }, threshold: { num: 2, den: 3 }, voting_period_blocks: 100, execution_delay_blocks: 0 },
  whitelist_delay_blocks: 10,
});

/** Largest voting period, execution delay or whitelist delay, in blocks. */
export const MAX_GOV_BLOCKS = 1_000_000;

/** The governance parameters in force. */
export function governanceOf(p: ChainParams): GovernanceParams {
  return p.governance ?? DEFAULT_GOVERNANCE;
}

/** Why governance params are not acceptable, or null. */
export function governanceProblem(g: GovernanceParams): string | null {
  for (const t of ['protocol', 'operational'] as const) {
    const p = g[t];
    for (const f of ['quorum', 'threshold'] as const) {
      const x = p[f];
      if (x.den < 1 || x.den > 1000 || x.num > x.den || (f === 'threshold' && x.num * 2 <= x.den))
        return `${t}.${f} must be a fraction num/den with 1 ≤ den ≤ 1000, num ≤ den${f === 'threshold' ? ' and above 1/2' : ''}`;
    }
    if (p.voting_period_blocks < 1 || p.voting_period_blocks > MAX_GOV_BLOCKS) return `${t}.voting_period_blocks must be 1–${MAX_GOV_BLOCKS}`;
    if (p.execution_delay_blocks > MAX_GOV_BLOCKS) return `${t}.execution_delay_blocks must be 0–${MAX_GOV_BLOCKS}`;
  }
  if (g.whitelist_delay_blocks < 1 || g.whitelist_delay_blocks > MAX_GOV_BLOCKS) return `whitelist_delay_blocks must be 1–${MAX_GOV_BLOCKS}`;
  return null;
}

/** Emergency controls when params.emergency is absent: 2 operators, at most 1000 blocks, ratify within 100. */
export const DEFAULT_EMERGENCY: Readonly<EmergencyParams> = Object.freeze({ quorum: 2, max_expiry_blocks: 1000, ratification_window_blocks: 100 });

export function emergencyOf(p: ChainParams): EmergencyParams {
  return p.emergency ?? DEFAULT_EMERGENCY;
}

export function emergencyProblem(e: EmergencyParams): string | null {
  if (e.quorum < 1 || e.quorum > 32) return 'quorum must be 1–32';
  if (e.max_expiry_blocks < 1 || e.max_expiry_blocks > MAX_GOV_BLOCKS) return `max_expiry_blocks must be 1–${MAX_GOV_BLOCKS}`;
  if (e.ratification_window_blocks < 1 || e.ratification_window_blocks > MAX_GOV_BLOCKS) return `ratification_window_blocks must be 1–${MAX_GOV_BLOCKS}`;
  return null;
}

/** Largest allowed params.max_expiry_blocks. */
export const MAX_EXPIRY_BLOCKS_LIMIT = 1_000_000;

/** The role genesis admins carry. */
export const ADMIN_ROLE = 'admin';

/** The roles genesis admins start with: admin, and governance member (so one admin can propose, vote and execute on a devnet). */
export const GENESIS_ADMIN_ROLES: readonly string[] = [ADMIN_ROLE, 'governance'];

/** RFC 3339 UTC time with a trailing Z and optional fraction (up to nanoseconds), as CometBFT writes block times. */
export const RFC3339_UTC_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?Z$/;

/** Key labels and vault names: 1–64 characters (Unicode code points). */
export function labelOk(s: string): boolean {
  const n = [...s].length;
  return n >= 1 && n <= 64;
}

export interface MakeGenesisInput {
  chain_id?: string;
  genesis_time: string;
  admins: { public_key: string; label: string }[];
  params?: Partial<ChainParams>;
  validators?: GenesisDoc['validators'];
}

/** A genesis document with defaults filled in (chain id "charter-devnet", faucet on, 1000-block expiry window); validated. */
export function makeGenesis(input: MakeGenesisInput): GenesisDoc {
  const doc: GenesisDoc = {
    chain_id: input.chain_id ?? DEFAULT_CHAIN_ID,
    genesis_time: input.genesis_time,
    admins: input.admins.map((a) => ({ public_key: a.public_key.toLowerCase(), label: a.label })),
    params: { ...DEFAULT_PARAMS, ...(input.params ?? {}) },
    ...(input.validators ? { validators: input.validators } : {}),
  };
  return validateGenesis(doc);
}

const GenesisSchema = z.strictObject({
  chain_id: z.string().regex(CHAIN_ID_RE, 'chain id: 1–64 characters A–Z a–z 0–9 . _ -'),
  genesis_time: z.string().regex(RFC3339_UTC_RE, 'an RFC 3339 UTC time ending in Z'),
  admins: z
    .array(
      z.strictObject({
        public_key: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits'),
        label: z.string().refine(labelOk, '1–64 characters'),
      }),
    )
    .min(1, 'at least one admin'),
  params: z.strictObject({
    faucet: z.boolean(),
    max_expiry_blocks: z.number().int().min(1).max(MAX_EXPIRY_BLOCKS_LIMIT),
    governance: GOVERNANCE_PARAMS_SCHEMA.optional(),
    emergency: EMERGENCY_PARAMS_SCHEMA.optional(),
  }),
  validators: z
    .array(
      z.strictObject({
        public_key: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits'),
        name: z.string().refine(labelOk, '1–64 characters'),
        power: z.number().int().min(1).max(1_000_000),
      }),
    )
    .optional(),
});

/** The proposal_id of a validator recorded at genesis. */
export const GENESIS_VALIDATOR_PROPOSAL = 'genesis';

/**
 * Validate a genesis document; returns a clean copy. Throws
 * CharterError('INVALID_INPUT') naming the first problem.
 */
export function validateGenesis(doc: unknown): GenesisDoc {
  const r = GenesisSchema.safeParse(doc);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.map(String).join('.') || '(genesis)'}: ${i.message}`).join('; ');
    throw new CharterError('INVALID_INPUT', `invalid genesis: ${msg}`);
  }
  const g = r.data;
  const seen = new Set<string>();
  g.admins.forEach((a, i) => {
    if (!isValidPublicKey('ed25519', fromHex(a.public_key)))
      throw new CharterError('INVALID_INPUT', `invalid genesis: admins.${i}.public_key is not a valid Ed25519 public key`);
    if (seen.has(a.public_key)) throw new CharterError('INVALID_INPUT', `invalid genesis: admins.${i} repeats a public key`);
    seen.add(a.public_key);
  });
  const vseen = new Set<string>();
  (g.validators ?? []).forEach((v, i) => {
    if (!isValidPublicKey('ed25519', fromHex(v.public_key)))
      throw new CharterError('INVALID_INPUT', `invalid genesis: validators.${i}.public_key is not a valid Ed25519 public key`);
    if (vseen.has(v.public_key)) throw new CharterError('INVALID_INPUT', `invalid genesis: validators.${i} repeats a public key`);
    vseen.add(v.public_key);
  });
  if (g.params.governance !== undefined) {
    const problem = governanceProblem(g.params.governance);
    if (problem) throw new CharterError('INVALID_INPUT', `invalid genesis: params.governance.${problem}`);
  }
  if (g.params.emergency !== undefined) {
    const problem = emergencyProblem(g.params.emergency);
    if (problem) throw new CharterError('INVALID_INPUT', `invalid genesis: params.emergency.${problem}`);
  }
  return {
    chain_id: g.chain_id,
    genesis_time: g.genesis_time,
    admins: g.admins.map((a) => ({ public_key: a.public_key, label: a.label })),
    params: {
      faucet: g.params.faucet,
      max_expiry_blocks: g.params.max_expiry_blocks,
      ...(g.params.governance ? { governance: g.params.governance } : {}),
      ...(g.params.emergency ? { emergency: g.params.emergency } : {}),
    },
    ...(g.validators ? { validators: g.validators.map((v) => ({ public_key: v.public_key, name: v.name, power: v.power })) } : {}),
  };
}

/** Lower-case hex SHA-256 of the canonical JSON of the genesis document. */
export function genesisHash(doc: GenesisDoc): string {
  return sha256Hex(canonicalBytes(doc));
}

/** The state before the first block: height 0, the genesis admins registered with role "admin". */
export function genesisState(doc: GenesisDoc): EngineState {
  const g = validateGenesis(doc);
  const keys: Record<string, KeyRecord> = {};
  const admins: string[] = [];
  for (const a of g.admins) {
    const id = keyIdOf('ed25519', fromHex(a.public_key));
    keys[id] = { key_id: id, scheme: 'ed25519', public_key: a.public_key, label: a.label, status: 'active', roles: [...GENESIS_ADMIN_ROLES], registered_at: 0 };
    admins.push(id);
  }
  admins.sort();
  return {
    chain_id: g.chain_id,
    height: 0,
    time: g.genesis_time,
    params: { ...g.params },
    admins,
    keys,
    accounts: {},
    vaults: {},
    requests: {},
    proposals: {},
    validators: Object.fromEntries(
      [...(g.validators ?? [])]
        .sort((a, b) => (a.public_key < b.public_key ? -1 : 1))
        .map((v) => [
          v.public_key,
          { public_key: v.public_key, name: v.name, power: v.power, added_at: 0, proposal_id: GENESIS_VALIDATOR_PROPOSAL, removed_at: null },
        ]),
    ),
    controls: {},
  };
}
