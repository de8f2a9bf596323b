/**
 * The application interface of the custody engine (DESIGN.md §5).
 *
 * It follows CometBFT's ABCI 2.0 in shape so that the same engine runs behind
 * the embedded devnet today and behind an ABCI server for a real CometBFT
 * network later: check a transaction for the mempool, finalize a block
 * (execute its transactions and compute the new state root), commit, query.
 *
 * Everything here is pure data. Time enters through FinalizeBlockRequest.time;
 * there is no clock and no randomness inside the engine.
 */
import type { Envelope, SignatureScheme, SignedEnvelopeOf } from '../tx/types.js';
import type { ModuleSpec } from './module.js';
import type { MODULE_SPECS } from './modules/specs.js';

/** An ABCI event attribute. Values are strings, as in CometBFT. */
export interface EventAttribute {
  key: string;
  value: string;
}

/** An ABCI event, e.g. {type: "custody.withdrawal_executed", attributes: [...]}. */
export interface AbciEvent {
  type: string;
  attributes: EventAttribute[];
}

/** The outcome of checking or executing one transaction (ABCI ExecTxResult). */
export interface TxResult {
  /** 0 on success, otherwise the ABCI code of an engine ErrorCode (core/errors.ts). */
  code: number;
  /** "custody" for engine errors, "" on success. */
  codespace: string;
  /** Human-readable; on failure starts with the stable error code, e.g. "INSUFFICIENT_BALANCE: …". */
  log: string;
  /** Result payload (canonical JSON bytes), e.g. the id of a created request. */
  data: Uint8Array;
  events: AbciEvent[];
}

export interface InfoResponse {
  /** Height of the last committed block; 0 before the first block. */
  lastBlockHeight: number;
  /** State root after the last committed block (32 bytes). */
  lastBlockAppHash: Uint8Array;
  chainId: string;
  appVersion: number;
}

export interface FinalizeBlockRequest {
  height: number;
  /** Block time, RFC 3339 with a trailing Z, as CometBFT writes it. */
  time: string;
  txs: Uint8Array[];
}

export interface FinalizeBlockResponse {
  txResults: TxResult[];
  /** The state root after applying this block (32 bytes). */
  appHash: Uint8Array;
  events: AbciEvent[];
}

export interface QueryRequest {
  /** e.g. "/vault/treasury", "/account/<key id>"; see docs/formats/transactions.md. */
  path: string;
  data?: Uint8Array;
}

export interface QueryResponse {
  code: number;
  codespace: string;
  log: string;
  /** Canonical JSON bytes of the answer. */
  value: Uint8Array;
  height: number;
}

/**
 * The consensus adapter contract. The devnet calls it in this order for each
 * block: finalizeBlock → commit. checkTx may be called at any time between
 * blocks; it validates against the last committed state plus the transactions
 * already admitted to the mempool since then (so sequential nonces from one
 * signer are admitted in order).
 */
export interface Application {
  info(): InfoResponse;
  checkTx(tx: Uint8Array): TxResult;
  finalizeBlock(req: FinalizeBlockRequest): FinalizeBlockResponse;
  commit(): { retainHeight: number };
  query(req: QueryRequest): QueryResponse;
  /** The committed state as canonical JSON bytes (deterministic snapshot). */
  snapshot(): Uint8Array;
}

// ─── Transactions (envelope version 1) ─────────────────────────────────────

export { ENVELOPE_VERSION } from '../tx/types.js';
export type { SignatureScheme } from '../tx/types.js';

/**
 * The unsigned part of an envelope of the engine (core/tx/types.ts `Envelope`
 * with the body of its type). Its canonical JSON (RFC 8785) is what the
 * signing digest covers:
 *   digest = SHA-256( "charter/tx/v1" || 0x00 || JCS(unsigned envelope) )
 */
export type UnsignedEnvelope<T extends TxType = TxType> = Envelope<T, TxBodies[T]>;

export type SignedEnvelope<T extends TxType = TxType> = SignedEnvelopeOf<T, TxBodies[T]>;

/**
 * The body of each transaction type, as the engine's modules declare them
 * (core/engine/modules/<domain>/spec.ts), registered in MODULE_SPECS.
 */
export type TxBodies = Flatten<UnionToIntersection<BodiesOf<RegisteredSpec>>>;
export type TxType = keyof TxBodies & string;
export { TX_TYPES } from './modules/specs.js';

type RegisteredSpec = (typeof MODULE_SPECS)[number];
type BodiesOf<S> = S extends ModuleSpec<infer B, infer _A> ? B : never;
type ActionsOf<S> = S extends ModuleSpec<infer _B, infer A> ? A : never;
type ValuesOf<M> = M extends unknown ? M[keyof M] : never;
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type Flatten<T> = { [K in keyof T]: T[K] };

// ─── Emergency controls (control 10) and degraded mode (control 9) ─────────

export type EmergencyAction =
  | { type: 'vault.freeze'; vault_id: string }
  | { type: 'key.quarantine'; key_id: string }
  /** Revoke a key (permanent once ratified; an unratified revocation lapses and the key is active again). */
  | { type: 'key.revoke'; key_id: string }
  /** Degraded mode for one vault, or global without vault_id. */
  | { type: 'degraded.enter'; vault_id?: string };

export interface EmergencyParams {
  /** Distinct operator signatures (distinct owners) that activate a control. */
  quorum: number;
  /** Longest life of a control, in blocks from activation. */
  max_expiry_blocks: number;
  /** Blocks after activation within which governance must ratify it, or it lapses; also how long signatures may be collected. */
  ratification_window_blocks: number;
}

/** collecting → active → ratified; active/ratified → expired | lifted; collecting/active → lapsed. */
export type ControlStatus = 'collecting' | 'active' | 'ratified' | 'lapsed' | 'expired' | 'lifted';

export interface EmergencyControlRecord {
  control_id: string;
  action: EmergencyAction;
  reason: string;
  proposer: string;
  created_at: number;
  signatures: { key_id: string; height: number }[];
  expires_in_blocks: number;
  status: ControlStatus;
  activated_at: number | null;
  /** Height from which it no longer holds (activated_at + expires_in_blocks). */
  expires_at: number | null;
  /** Last height at which governance may ratify it (activated_at + ratification window). */
  ratify_by: number | null;
  /** The proposal that ratified or lifted it. */
  proposal_id: string | null;
  ended_at: number | null;
}

/** A freeze or degraded mode in force, by the control that set it. */
export interface ControlHold {
  control_id: string;
  until: number;
}

// ─── Governance ────────────────────────────────────────────────────────────

export type GovTrack = 'protocol' | 'operational';

/**
 * What a proposal does when executed: one of the actions the modules register
 * (their spec.ts). `params.set` is the protocol track's only action; every
 * other action belongs to the operational track.
 */
export type GovAction = ValuesOf<ActionsOf<RegisteredSpec>>;

/** The track of each governance action (derived from the modules' specs). */
export { GOV_ACTION_TRACK } from './modules/specs.js';

/** A fraction num/den (0 ≤ num ≤ den, den ≥ 1). */
export interface Fraction {
  num: number;
  den: number;
}

export interface TrackParams {
  /** Fraction of the governance members that must vote (yes, no or abstain). */
  quorum: Fraction;
  /** Fraction of yes among the yes and no votes needed to pass. */
  threshold: Fraction;
  /** Default voting period in blocks (a proposal may ask for another, 1–max_voting_period_blocks). */
  voting_period_blocks: number;
  /** Blocks between passing and the earliest gov.execute. */
  execution_delay_blocks: number;
}

export interface GovernanceParams {
  protocol: TrackParams;
  operational: TrackParams;
  /** Blocks between executing a whitelist proposal and the change taking effect. */
  whitelist_delay_blocks: number;
}

export type ProposalStatus = 'open' | 'passed' | 'rejected' | 'expired' | 'executed';

export interface ProposalRecord {
  proposal_id: string;
  track: GovTrack;
  action: GovAction;
  proposer: string;
  created_at: number;
  created_tx: string;
  /** Last height at which votes are accepted. */
  voting_ends_at: number;
  votes: { key_id: string; vote: 'yes' | 'no' | 'abstain'; height: number }[];
  status: ProposalStatus;
  /** Height at which it passed, was rejected or expired. */
  decided_at: number | null;
  /** Earliest height of gov.execute (set when passed). */
  executable_at: number | null;
  executed_at: number | null;
}

export interface ValidatorRecord {
  /** Ed25519 consensus public key, 64 lower-case hex digits. */
  public_key: string;
  name: string;
  power: number;
  added_at: number;
  /** The proposal that admitted it (and, once removed, the one that removed it); "genesis" for a genesis validator not yet removed. */
  proposal_id: string;
  /** Height of removal; null while a validator. Removed validators stay recorded. */
  removed_at: number | null;
}

/** A whitelist change waiting for its height (control 5). */
export interface PendingWhitelistChange {
  op: 'add' | 'remove';
  destination: string;
  apply_at: number;
  proposal_id: string;
}

export { ROLES } from './roles.js';
export type { Role } from './roles.js';

/**
 * A vault's policy. `approvers` and `threshold` are the basic M-of-N; every
 * other field is an opt-in control, absent = off.
 */
export interface VaultPolicy {
  approvers: string[];
  /** In weight units when `weights` is set, else a count of distinct owners. */
  threshold: number;
  /** key id → weight (positive integer); approvers not listed weigh 1. */
  weights?: Record<string, number>;
  /** Blocks between the last counting approval and execution; 0/absent = execute at once. */
  timelock_blocks?: number;
  /** asset → largest amount of one withdrawal (decimal base units). */
  tx_limits?: Record<string, string>;
  /** asset → rolling-window limits in block time (seconds), enforced at execution. */
  velocity?: Record<string, { window_seconds: number; max_amount?: string; max_count?: number }>;
  /** When set, withdrawals may only go to these destinations. */
  whitelist?: string[];
  /** When set, a request needs `threshold` attestations of `type` from distinct attesters (owners) before it executes. */
  attestation?: { type: string; attesters: string[]; threshold: number };
}

// ─── State ─────────────────────────────────────────────────────────────────

export interface GenesisDoc {
  chain_id: string;
  /** RFC 3339 time of genesis. */
  genesis_time: string;
  /** Admin keys (hex public keys, Ed25519) registered at genesis. */
  admins: { public_key: string; label: string }[];
  params: ChainParams;
  /**
   * The consensus validators at genesis (Ed25519 keys, as in CometBFT's
   * genesis), recorded in the state so that governance can remove them like
   * the ones it admits. Absent: none recorded (the devnet's single validator).
   */
  validators?: { public_key: string; name: string; power: number }[];
}

export interface ChainParams {
  /** Whether vault.fund is accepted (devnet only). */
  faucet: boolean;
  /** Largest allowed distance between the current height and expires_at. */
  max_expiry_blocks: number;
  /** Governance tracks; absent = DEFAULT_GOVERNANCE (core/engine/genesis.ts). */
  governance?: GovernanceParams;
  /** Emergency quorum and limits; absent = DEFAULT_EMERGENCY (core/engine/genesis.ts). */
  emergency?: EmergencyParams;
}

export type KeyStatus = 'active' | 'quarantined' | 'revoked' | 'retired';

export interface KeyRecord {
  key_id: string;
  scheme: SignatureScheme;
  public_key: string;
  label: string;
  status: KeyStatus;
  roles: string[];
  registered_at: number;
  /** The person or organisation holding the key: keys of one owner count once toward a threshold. Absent = the key is its own owner. */
  owner?: string;
  /** Set while quarantined: why, and the height it began. */
  quarantine?: { reason: string; since: number; by: string; control_id?: string };
  /** Attestation reference and re-validation deadline: past `revalidate_by` the key's approvals and attestations stop counting until re-attested. */
  attestation?: { ref: string; revalidate_by: number; attested_at: number; by: string };
  /** Rotation link: `to` the successor (pending until approved: `approved_at` null), or `from` the predecessor. */
  rotation?: { to?: string; from?: string; requested_at?: number; approved_at?: number | null; proposal_id?: string };
  /** Set when revoked or retired: why, when, by whom (key id or control id). */
  ended?: { reason: string; height: number; by: string };
}

export interface VaultRecord {
  vault_id: string;
  name: string;
  policy: VaultPolicy;
  /** asset → decimal string of base units. */
  balances: Record<string, string>;
  created_at: number;
  /** asset → executed withdrawals inside the velocity window: [block time in seconds, amount]. Present only with a velocity policy. */
  spent?: Record<string, [number, string][]>;
  /** Whitelist changes approved by governance, applied by the block at `apply_at`. */
  pending_whitelist?: PendingWhitelistChange[];
  /** Set while an emergency control freezes the vault: no withdrawal moves. */
  frozen?: ControlHold;
  /** Set while the vault is in degraded mode: only cancellations, governance and emergency transactions. */
  degraded?: ControlHold;
}

/** pending → (approved: timelocked / waiting for velocity room) → executed | failed; pending/approved → cancelled. */
export type RequestStatus = 'pending' | 'approved' | 'executed' | 'failed' | 'cancelled';

export interface AttestationRecord {
  key_id: string;
  attestation_type: string;
  claim_ref: string;
  height: number;
  tx_hash: string;
}

export interface ApprovalRecord {
  key_id: string;
  height: number;
  /** Hash of the approving transaction (upper-case hex, as CometBFT). */
  tx_hash: string;
}

export interface WithdrawalRecord {
  request_id: string;
  vault_id: string;
  asset: string;
  amount: string;
  destination: string;
  memo: string;
  initiator: string;
  created_at: number;
  created_tx: string;
  approvals: ApprovalRecord[];
  status: RequestStatus;
  executed_at: number | null;
  executed_tx: string | null;
  failure: string | null;
  /** Attestations given (only when the vault has an attestation gate). */
  attestations?: AttestationRecord[];
  /** Height from which a fully approved, timelocked request may execute. */
  executable_at?: number;
  /** Who cancelled it and why. */
  cancelled?: { by: string; reason: string; height: number };
}

export interface AccountRecord {
  key_id: string;
  /** Nonce of the last accepted transaction from this key; 0 if none. */
  nonce: number;
}

export interface EngineState {
  chain_id: string;
  height: number;
  /** Time of the last committed block (RFC 3339). */
  time: string;
  params: ChainParams;
  admins: string[];
  keys: Record<string, KeyRecord>;
  accounts: Record<string, AccountRecord>;
  vaults: Record<string, VaultRecord>;
  requests: Record<string, WithdrawalRecord>;
  /** Governance proposals by id. */
  proposals: Record<string, ProposalRecord>;
  /** Consensus validators admitted by governance, by public key. */
  validators: Record<string, ValidatorRecord>;
  /** Emergency controls by id. */
  controls: Record<string, EmergencyControlRecord>;
  /** Chain-wide modes; absent until first set (state-root entry "mode"). */
  mode?: { degraded: ControlHold | null };
}
