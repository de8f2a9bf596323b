/**
 * THE contract between the workbench UI and the services.
 *
 * Every operation the UI can ask for is named here exactly once, with a zod
 * schema for its input and for its output, and every event the UI can
 * subscribe to is named with the schema of its payload. The three hosts
 * (Electron IPC, the served console's WebSocket, the CLI) expose exactly
 * these operations and validate every input against these schemas on the
 * host side; there is no generic "invoke anything" passthrough.
 *
 * Secrets: fields named in SECRET_FIELDS (passphrases) travel from the input
 * field to the host and are never logged, audited, stored or sent back.
 */
import { z } from 'zod';
import type { ErrorCode, SerializedError } from '../errors.js';

// ─── shared shapes ─────────────────────────────────────────────────────────

const Empty = z.object({}).strict();
const Hex = z.string().regex(/^[0-9a-f]*$/, 'lower-case hex');
const TxHash = z.string().regex(/^[0-9A-F]{64}$/, 'upper-case hex SHA-256');
const KeyId = z.string().regex(/^[0-9a-f]{40}$/, '40 hex characters');
const VaultId = z.string().regex(/^[a-z0-9][a-z0-9-]{1,31}$/, '2–32 characters: a–z, 0–9 and "-", not starting with "-"');
const RequestId = z.string().regex(/^wr-[0-9a-f]{24}$/, 'a request id such as wr-…');
const Asset = z.string().regex(/^[A-Z0-9][A-Z0-9.-]{0,15}$/, '1–16 characters: A–Z, 0–9, "." or "-"');
const Amount = z.string().regex(/^[1-9][0-9]{0,30}$/, 'a positive whole number of base units');
const Digest = z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex characters');
const Passphrase = z.string().min(1, 'required').max(1024);
const Label = z.string().trim().min(1, 'required').max(64);
const Height = z.number().int().nonnegative();

export const SECRET_FIELDS: ReadonlySet<string> = new Set(['passphrase']);

export const KeyView = z.object({
  keyId: KeyId,
  label: z.string(),
  scheme: z.enum(['ed25519', 'p256', 'secp256k1']),
  backend: z.enum(['software', 'pkcs11', 'ledger']),
  publicKey: Hex,
  createdAt: z.string(),
  /** On-chain status; "unregistered" if the chain does not know the key, "unknown" if the node is unreachable. */
  onChain: z.enum(['unregistered', 'active', 'quarantined', 'revoked', 'retired', 'unknown']),
});
export type KeyView = z.infer<typeof KeyView>;

export const PolicyView = z.object({ approvers: z.array(KeyId), threshold: z.number().int().positive() });

export const VaultView = z.object({
  vaultId: VaultId,
  name: z.string(),
  policy: PolicyView,
  balances: z.record(z.string(), z.string()),
  createdAt: Height,
});
export type VaultView = z.infer<typeof VaultView>;

export const ApprovalView = z.object({ keyId: KeyId, height: Height, txHash: TxHash });

export const RequestView = z.object({
  requestId: RequestId,
  vaultId: VaultId,
  asset: z.string(),
  amount: z.string(),
  destination: z.string(),
  memo: z.string(),
  initiator: KeyId,
  createdAt: Height,
  createdTx: TxHash,
  approvals: z.array(ApprovalView),
  threshold: z.number().int(),
  /** pending: collecting approvals; approved: fully approved, waiting (timelock, velocity, attestation); then executed, failed or cancelled. */
  status: z.enum(['pending', 'approved', 'executed', 'failed', 'cancelled']),
  executedAt: Height.nullable(),
  executedTx: TxHash.nullable(),
  failure: z.string().nullable(),
});
export type RequestView = z.infer<typeof RequestView>;

export const TxOutcome = z.object({ txHash: TxHash, height: Height });

/** One control's verdict in a pre-check (the engine's simulate, without changing state). */
export const ControlVerdict = z.object({
  control: z.string(),
  status: z.enum(['met', 'not_met', 'waiting', 'not_applicable']),
  detail: z.string(),
  numbers: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
});
export type ControlVerdict = z.infer<typeof ControlVerdict>;

export const Precheck = z.object({
  requestId: RequestId,
  /** Height of the committed state the verdicts were computed on. */
  height: Height,
  /** Whether the request would execute now (all controls met). */
  ok: z.boolean(),
  /** The first blocking code, if any. */
  code: z.string().nullable(),
  controls: z.array(ControlVerdict),
});
export type Precheck = z.infer<typeof Precheck>;

export const NodeStatus = z.object({
  connection: z.enum(['connecting', 'connected', 'disconnected']),
  rpcUrl: z.string(),
  embedded: z.boolean(),
  chainId: z.string().nullable(),
  height: Height.nullable(),
  lastBlockTime: z.string().nullable(),
  appHash: z.string().nullable(),
  error: z.string().nullable(),
});
export type NodeStatus = z.infer<typeof NodeStatus>;

export const BlockSummary = z.object({ height: Height, hash: z.string(), time: z.string(), numTxs: z.number().int().nonnegative() });
export type BlockSummary = z.infer<typeof BlockSummary>;

export const TxSummary = z.object({
  hash: TxHash,
  height: Height,
  index: z.number().int().nonnegative(),
  type: z.string(),
  signer: z.string(),
  code: z.number().int(),
  /** Stable error code name when code ≠ 0. */
  error: z.string().nullable(),
});
export type TxSummary = z.infer<typeof TxSummary>;

export const BlockView = BlockSummary.extend({
  /** Header app_hash: the state root after the previous block (CometBFT semantics). */
  appHash: z.string(),
  /** The state root after executing this block ("" if the node cannot tell yet). */
  resultAppHash: z.string(),
  lastBlockHash: z.string(),
  proposer: z.string(),
  chainId: z.string(),
  txs: z.array(TxSummary),
});
export type BlockView = z.infer<typeof BlockView>;

export const TxView = TxSummary.extend({
  codespace: z.string(),
  log: z.string(),
  /** The decoded envelope (signed transaction) as JSON. */
  envelope: z.unknown(),
  /** Lower-case hex signing digest the signature covers. */
  signingDigest: z.string(),
  events: z.array(z.object({ type: z.string(), attributes: z.array(z.object({ key: z.string(), value: z.string() })) })),
  blockTime: z.string(),
});
export type TxView = z.infer<typeof TxView>;

export const AuditEntry = z.object({
  seq: z.number().int().positive(),
  time: z.string(),
  actor: z.string(),
  action: z.string(),
  subject: z.string(),
  result: z.enum(['ok', 'error']),
  /** Non-secret details; errors carry their code. */
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const OutputLine = z.object({
  time: z.string(),
  level: z.enum(['info', 'warn', 'error']),
  source: z.string(),
  message: z.string(),
});
export type OutputLine = z.infer<typeof OutputLine>;

/** One rejection or control change, as the node persisted it (engine `security.*` events). */
export const SecurityEventView = z.object({
  seq: z.number().int().nonnegative(),
  height: Height,
  /** Null for block-level events (a lapse, a timelocked execution). */
  txIndex: z.number().int().nonnegative().nullable(),
  txHash: z.string().nullable(),
  /** e.g. "security.tx_rejected", "security.key_quarantined". */
  kind: z.string(),
  keyId: z.string().nullable(),
  vaultId: z.string().nullable(),
  requestId: z.string().nullable(),
  proposalId: z.string().nullable(),
  code: z.string().nullable(),
  attributes: z.array(z.object({ key: z.string(), value: z.string() })),
  /**
   * Where it was seen: "block" (a committed block), "admission" (CheckTx refused the
   * transaction at mempool admission; height = last committed height then) or
   * "recheck" (evicted from the mempool when re-checked after a commit).
   */
  stage: z.enum(['block', 'admission', 'recheck']),
});
export type SecurityEventView = z.infer<typeof SecurityEventView>;

export const ProposalView = z.object({
  proposalId: z.string(),
  track: z.enum(['protocol', 'operational']),
  actionType: z.string(),
  /** The proposed action (JSON), as the engine stores it. */
  action: z.unknown(),
  proposer: z.string(),
  createdAt: Height,
  createdTx: z.string(),
  votingEndsAt: Height,
  votes: z.array(z.object({ keyId: z.string(), vote: z.enum(['yes', 'no', 'abstain']), height: Height })),
  status: z.enum(['open', 'passed', 'rejected', 'expired', 'executed']),
  decidedAt: Height.nullable(),
  executableAt: Height.nullable(),
  executedAt: Height.nullable(),
  /** Against the current members; null if the node does not report it. */
  tally: z
    .object({ members: z.number().int(), yes: z.number().int(), no: z.number().int(), abstain: z.number().int(), quorumMet: z.boolean(), thresholdMet: z.boolean() })
    .nullable(),
});
export type ProposalView = z.infer<typeof ProposalView>;

/** Who signs a governance transaction: a local key (with its passphrase), or — without keyId — the devnet admin. */
const SignAs = { keyId: KeyId.optional(), passphrase: Passphrase.optional() };
const GovOutcome = z.object({ proposal: ProposalView, txHash: TxHash, height: Height });

export const Settings = z.object({ theme: z.enum(['dark', 'light']) });
export type Settings = z.infer<typeof Settings>;

// ─── operations ────────────────────────────────────────────────────────────

function op<I extends z.ZodType, O extends z.ZodType>(summary: string, input: I, output: O) {
  return { summary, input, output };
}

export const methods = {
  'app.info': op('Versions, host kind and workspace location', Empty, z.object({
    version: z.string(),
    host: z.enum(['electron', 'serve', 'cli']),
    workspace: z.string(),
    devnet: z.boolean(),
  })),
  'node.status': op('Connection to the custody node and its latest block', Empty, NodeStatus),

  'keys.list': op('Keys in the workspace keystore with their on-chain status', Empty, z.object({ keys: z.array(KeyView) })),
  'keys.create': op('Generate an Ed25519 software key, encrypted under a passphrase', z.object({ label: Label, passphrase: Passphrase }).strict(), KeyView),
  'keys.register': op('Register a key on chain (signed by the devnet admin)', z.object({ keyId: KeyId }).strict(), TxOutcome),

  'custody.listVaults': op('Vaults with balances and policies', Empty, z.object({ vaults: z.array(VaultView) })),
  'custody.createVault': op('Create a vault with an M-of-N approval policy (registers unregistered approver keys)', z.object({
    vaultId: VaultId,
    name: Label,
    approvers: z.array(KeyId).min(1).max(32),
    threshold: z.number().int().min(1).max(32),
  }).strict(), z.object({ vault: VaultView, txHash: TxHash, height: Height })),
  'custody.fundVault': op('Devnet faucet: credit a vault with an asset', z.object({ vaultId: VaultId, asset: Asset, amount: Amount }).strict(),
    z.object({ vault: VaultView, txHash: TxHash, height: Height })),
  'custody.listRequests': op('Withdrawal requests, newest first', z.object({ vaultId: VaultId.optional() }).strict(), z.object({ requests: z.array(RequestView) })),
  'custody.getRequest': op('One withdrawal request', z.object({ requestId: RequestId }).strict(), RequestView),
  'custody.createWithdrawal': op('Request a withdrawal, signed by an initiator key', z.object({
    vaultId: VaultId,
    asset: Asset,
    amount: Amount,
    destination: z.string().regex(/^[\x21-\x7e]{1,128}$/, '1–128 printable characters, no spaces'),
    memo: z.string().max(256).default(''),
    keyId: KeyId,
    passphrase: Passphrase,
  }).strict(), z.object({ request: RequestView, txHash: TxHash, height: Height })),
  'custody.precheck': op('Every control\'s verdict for a request, computed by the engine without changing state', z.object({ requestId: RequestId }).strict(), Precheck),
  'custody.previewApproval': op('Exactly what an approval would sign: the envelope, its canonical bytes and digest', z.object({ requestId: RequestId, keyId: KeyId }).strict(),
    z.object({
      chainId: z.string(),
      keyId: KeyId,
      scheme: z.string(),
      /** The unsigned envelope (JSON). */
      envelope: z.unknown(),
      /** Its canonical JSON (RFC 8785) text. */
      canonical: z.string(),
      /** Lower-case hex digest the key signs. */
      signingDigest: Digest,
      nonce: z.number().int().positive(),
      expiresAt: Height,
    })),
  'custody.approve': op('Approve a withdrawal with an approver key; with `expected` (a preview), sign exactly the previewed envelope or nothing', z.object({
    requestId: RequestId,
    keyId: KeyId,
    passphrase: Passphrase,
    expected: z.object({ nonce: z.number().int().positive(), expiresAt: Height, digest: Digest }).strict().optional(),
  }).strict(),
    z.object({ request: RequestView, txHash: TxHash, height: Height })),

  'explorer.overview': op('Latest blocks of the connected node', z.object({ limit: z.number().int().min(1).max(100).default(20) }).strict(),
    z.object({ chainId: z.string(), height: Height, blocks: z.array(BlockSummary), txCount: z.number().int().nonnegative() })),
  'explorer.block': op('One block with its transactions', z.object({ height: z.number().int().positive() }).strict(), BlockView),
  'explorer.tx': op('One transaction with its result', z.object({ hash: z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/, 'a 64-hex-digit transaction hash') }).strict(), TxView),

  'evidence.exportWithdrawal': op('Evidence file for an executed withdrawal, as canonical JSON', z.object({ requestId: RequestId }).strict(), z.object({
    fileName: z.string(),
    /** The canonical JSON (RFC 8785) text of the evidence document. */
    content: z.string(),
    sha256: z.string(),
    /** Where the workspace's content-addressed store keeps a copy. */
    artifact: z.string(),
  })),

  'governance.list': op('Governance proposals of both tracks with votes and tally, newest first', Empty, z.object({ proposals: z.array(ProposalView) })),
  'governance.propose': op('Draft and sign a proposal (protocol or operational track); the engine validates the action', z.object({
    track: z.enum(['protocol', 'operational']),
    /** The action, e.g. {"type":"params.set","max_expiry_blocks":500}; see docs/formats/transactions.md. */
    action: z.record(z.string(), z.unknown()).refine((a) => typeof a['type'] === 'string', 'the action needs a "type"'),
    votingPeriodBlocks: z.number().int().positive().max(1_000_000).optional(),
    ...SignAs,
  }).strict(), GovOutcome),
  'governance.vote': op('Sign a vote on an open proposal', z.object({ proposalId: z.string().min(1).max(80), vote: z.enum(['yes', 'no', 'abstain']), ...SignAs }).strict(), GovOutcome),
  'governance.execute': op('Execute a passed proposal once its execution delay is over', z.object({ proposalId: z.string().min(1).max(80), ...SignAs }).strict(), GovOutcome),

  'security.events': op('Security events of the connected node, newest first, filtered by kind, key, vault and height', z.object({
    kind: z.string().regex(/^(security\.)?[a-z][a-z0-9_]{0,63}$/, 'an event kind such as tx_rejected').optional(),
    keyId: KeyId.optional(),
    vaultId: VaultId.optional(),
    fromHeight: Height.optional(),
    toHeight: Height.optional(),
    /** Paging: events older than this seq (the previous page's nextBefore). */
    before: z.number().int().positive().optional(),
    limit: z.number().int().min(1).max(1000).default(100),
    /** Only events seen in blocks, at mempool admission, or on mempool recheck. */
    stage: z.enum(['block', 'admission', 'recheck']).optional(),
  }).strict(), z.object({ height: Height, events: z.array(SecurityEventView), nextBefore: z.number().int().nullable() })),

  'audit.list': op('Audit log entries, newest first', z.object({ limit: z.number().int().min(1).max(1000).default(200) }).strict(), z.object({ entries: z.array(AuditEntry) })),
  'audit.verify': op('Check the audit log\'s hash chain', Empty, z.object({
    ok: z.boolean(),
    count: z.number().int().nonnegative(),
    firstBad: z.object({ seq: z.number().int(), reason: z.string() }).nullable(),
  })),
  'output.recent': op('Recent lines of the Output panel', Empty, z.object({ lines: z.array(OutputLine) })),

  'settings.get': op('Console settings', Empty, Settings),
  'settings.set': op('Change console settings', Settings.partial().strict(), Settings),
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type ParsedInput<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;
export const METHOD_NAMES = Object.keys(methods) as MethodName[];

// ─── events ────────────────────────────────────────────────────────────────

export const events = {
  /** A new block was committed on the connected node. */
  'chain.block': BlockSummary,
  /** The node connection changed state. */
  'node.connection': NodeStatus,
  /** Vaults or requests changed (a block carried custody transactions). */
  'custody.changed': z.object({ height: Height }),
  /** The keystore or a device changed. */
  'devices.changed': z.object({ reason: z.string() }),
  /** An entry was appended to the audit log. */
  'audit.appended': AuditEntry,
  /** A line for the Output panel. */
  'output.line': OutputLine,
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;
export const EVENT_NAMES = Object.keys(events) as EventName[];

// ─── results on the wire ───────────────────────────────────────────────────

export type CallResult<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

export function isMethodName(s: unknown): s is MethodName {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(methods, s);
}
export function isEventName(s: unknown): s is EventName {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(events, s);
}

/** Replace secret fields with "[redacted]" — for logs, audit details and crash reports. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = SECRET_FIELDS.has(k) ? '[redacted]' : redactSecrets(v);
    }
    return out;
  }
  return value;
}

/**
 * The API shape every client sees (window.charter in Electron, the WebSocket
 * client in the served console): one async function per operation, grouped
 * by namespace, plus a typed event subscription.
 */
export interface ContractClient {
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

export type { ErrorCode, SerializedError };
