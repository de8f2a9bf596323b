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
 * Secrets: fields named in SECRET_FIELDS (passphrases, PINs) travel from the input
 * field to the host and are never logged, audited, stored or sent back.
 */
import { z } from 'zod';
import type { ErrorCode, SerializedError } from '../errors.js';
import { SECURITY_EVENT_KINDS, securityKindOf } from '../engine/security-kinds.js';

export { SECURITY_EVENT_KINDS };

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
/** A name shown to people: 1–64 characters after trimming, no control characters (C0, DEL, C1) and no bidirectional or line/paragraph separators that change how text around it reads. */
export const LABEL_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
export const Label = z
  .string()
  .trim()
  .min(1, 'required')
  .max(64, 'at most 64 characters')
  .refine((s) => !LABEL_FORBIDDEN.test(s), 'no control characters');
const Height = z.number().int().nonnegative();
/** A time read from a file (a key file's created_at): ISO 8601 in UTC, e.g. 2026-11-22T10:00:00.000Z. */
export const FileTimestamp = z.iso.datetime();
const Destination = z.string().regex(/^[\x21-\x7e]{1,128}$/, '1–128 printable characters, no spaces');

export const SECRET_FIELDS: ReadonlySet<string> = new Set(['passphrase', 'confirmPassphrase', 'secret', 'pin', 'proposerSecret']);
/** A per-call unlock secret: a software key's passphrase or a PKCS#11 PIN (Ledger needs none). */
const Secret = z.string().min(1, 'required').max(1024);
const Scheme = z.enum(['ed25519', 'p256', 'secp256k1']);
const BackendKind = z.enum(['software', 'pkcs11', 'ledger']);
const Reason = z.string().trim().min(1, 'required').max(256);

export const KeyView = z.object({
  keyId: KeyId,
  label: z.string(),
  scheme: z.enum(['ed25519', 'p256', 'secp256k1']),
  backend: z.enum(['software', 'pkcs11', 'ledger']),
  publicKey: Hex,
  createdAt: z.string(),
  /** On-chain status; "unregistered" if the chain does not know the key, "unknown" if the node is unreachable. */
  onChain: z.enum(['unregistered', 'active', 'quarantined', 'revoked', 'retired', 'unknown']),
  /** The device holding the key (DeviceView.deviceId). */
  deviceId: z.string().default('software'),
  /** Backend locator, public: PKCS#11 CKA_ID hex, Ledger BIP-44 path. */
  locator: z.string().nullable().default(null),
  /** On-chain roles (empty when unregistered). */
  roles: z.array(z.string()).default([]),
  owner: z.string().nullable().default(null),
  /** The on-chain attestation reference ("sha256:<hex>" of the stored attestation record) and its re-validation deadline (height). */
  attestationRef: z.string().nullable().default(null),
  revalidateBy: Height.nullable().default(null),
  /** Past the re-validation deadline: approvals stop counting until the key is attested again. */
  revalidationDue: z.boolean().default(false),
  /** Rotation link: the successor (pending until governance approves) or the predecessor. */
  rotation: z.object({ to: z.string().nullable(), from: z.string().nullable(), pending: z.boolean() }).nullable().default(null),
  /** Why and when the key ended (revoked or retired). */
  ended: z.object({ reason: z.string(), height: Height, by: z.string() }).nullable().default(null),
});
export type KeyView = z.infer<typeof KeyView>;

/** A device a backend can see: the software keystore, a PKCS#11 token, a Ledger. */
export const DeviceView = z.object({
  deviceId: z.string(),
  backend: BackendKind,
  label: z.string(),
  /** 'ready', or why the device cannot be used now. */
  state: z.enum(['ready', 'locked', 'pin-locked', 'wrong-app', 'no-permission', 'absent', 'error']),
  /** Human-readable detail for the state, with the stable error code when there is one. */
  detail: z.string().nullable(),
  facts: z.record(z.string(), z.string()),
});
export type DeviceView = z.infer<typeof DeviceView>;

/** Public facts read back from a device as evidence of where a key was born (hsm/types.ts AttestationRecord). */
export const KeyAttestation = z.object({
  format: z.literal('charter-key-attestation/v1'),
  key_id: KeyId,
  scheme: Scheme,
  public_key: Hex,
  backend: BackendKind,
  device: z.record(z.string(), z.string()),
  key: z.record(z.string(), z.union([z.string(), z.boolean()])),
});
export type KeyAttestation = z.infer<typeof KeyAttestation>;

export const AttestationOutcome = z.object({
  record: KeyAttestation,
  /** Canonical JSON (RFC 8785) of the record: what its sha256 covers. */
  canonical: z.string(),
  sha256: Digest,
  /** The on-chain reference: "sha256:<hex>". */
  ref: z.string(),
  /** Where the workspace's content-addressed store keeps it. */
  artifact: z.string(),
});
export type AttestationOutcome = z.infer<typeof AttestationOutcome>;

export const EmergencyControlView = z.object({
  controlId: z.string(),
  action: z.string(),
  keyId: z.string().nullable(),
  status: z.enum(['collecting', 'active', 'ratified', 'lapsed', 'expired', 'lifted']),
  signatures: z.array(z.string()),
  quorum: z.number().int(),
  ratifyBy: Height.nullable(),
  expiresAt: Height.nullable(),
});
export type EmergencyControlView = z.infer<typeof EmergencyControlView>;

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
  /** Who cancelled it (key id), why and when; null unless cancelled. */
  cancelled: z.object({ by: KeyId, reason: z.string(), height: Height }).nullable().default(null),
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

/** The id of a node connection of the console's node registry (e.g. "devnet"), carried by node events. */
export const NodeId = z.string().min(1);

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
  /** Who ran the console: the OS user and the host ("alice@serve"). */
  actor: z.string(),
  /** The key that signed the action, when one did (null otherwise, and in entries older than this field). */
  keyId: z.string().nullable().default(null),
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

/** Who signs a governance transaction: a local key of any backend (with its passphrase or PIN; a Ledger key needs none), or — without keyId — the devnet admin. */
const SignAs = { keyId: KeyId.optional(), passphrase: Passphrase.optional() };
const GovOutcome = z.object({ proposal: ProposalView, txHash: TxHash, height: Height });

const Problem = z.object({ code: z.string(), message: z.string() });

/**
 * A PKCS#11 module the console was configured with, read-only: modules come
 * from the command line (--pkcs11-module), the environment
 * ($CHARTER_PKCS11_MODULE) or the workspace's configuration file, never from
 * the contract (loading a library runs its code in the host).
 */
export const Pkcs11ModuleView = z.object({
  path: z.string(),
  source: z.enum(['command-line', 'environment', 'config-file']),
  /** Exactly where: "--pkcs11-module", "$CHARTER_PKCS11_MODULE" or the configuration file's path. */
  origin: z.string(),
  tokenLabel: z.string().nullable(),
  /** Why it is not in use (e.g. PKCS11_MODULE_REFUSED), or null. */
  problem: Problem.nullable(),
});
export type Pkcs11ModuleView = z.infer<typeof Pkcs11ModuleView>;

export const Settings = z.object({
  theme: z.enum(['dark', 'light']),
  /** Whether Ledger devices are a key backend; applied at once. */
  ledgerEnabled: z.boolean(),
  /** The PKCS#11 modules in use and where each was configured (read-only). */
  pkcs11Modules: z.array(Pkcs11ModuleView),
  /** How to change them: the configuration file, the environment variable and the command-line flag. */
  pkcs11Config: z.object({ file: z.string(), environment: z.string(), flag: z.string(), problem: Problem.nullable() }),
});
export type Settings = z.infer<typeof Settings>;

/** What settings.set may change. No field names a library, a path or a command. */
export const SettingsChange = z
  .object({
    theme: z.enum(['dark', 'light']),
    ledgerEnabled: z.boolean(),
  })
  .partial()
  .strict();

export const BuiltBundleView = z.object({
  fileName: z.string(),
  /** The zip, base64. */
  contentBase64: z.string(),
  sha256: z.string(),
  size: z.number().int().nonnegative(),
  /** SHA-256 of manifest.json, the digest the attestation signs. */
  manifestSha256: z.string(),
  members: z.number().int().nonnegative(),
  /** Where the workspace's content-addressed store keeps a copy. */
  artifact: z.string(),
  /** What the node could not give at build time: each names the check it leaves unknown and when it will be there (empty: nothing missing). */
  missing: z.array(z.string()).default([]),
});
export type BuiltBundleView = z.infer<typeof BuiltBundleView>;

export const BundleCheck = z.object({
  id: z.string(),
  title: z.string(),
  verdict: z.enum(['pass', 'fail', 'unknown']),
  /** Stable reason code ("OK" on pass); docs/formats/evidence-bundle.md lists them. */
  reason: z.string(),
  detail: z.string(),
  items: z.array(z.object({ subject: z.string(), reason: z.string(), detail: z.string() })).optional(),
});
export type BundleCheck = z.infer<typeof BundleCheck>;

export const BundleReportView = z.object({
  /** The bundle's SHA-256; names it for evidence.readMember. */
  bundleId: z.string(),
  size: z.number().int().nonnegative(),
  verdict: z.enum(['pass', 'fail', 'unknown']),
  manifestSha256: z.string().nullable(),
  kind: z.string().nullable(),
  subject: z.object({ type: z.string(), id: z.string(), chain_id: z.string(), height: z.number().int() }).nullable(),
  checks: z.array(BundleCheck),
  members: z.array(z.object({ path: z.string(), artifact_type: z.string().nullable(), size: z.number().int().nonnegative(), sha256: z.string().nullable() })),
});
export type BundleReportView = z.infer<typeof BundleReportView>;

// ─── workbench layout ──────────────────────────────────────────────────────

/** The workbench's views (the activity bar), as the renderer names them. */
export const WORKBENCH_VIEWS = ['overview', 'keys', 'approvals', 'governance', 'ceremonies', 'runbooks', 'evidence', 'replay', 'nodes'] as const;
export const WORKBENCH_PANEL_TABS = ['output', 'audit', 'security'] as const;
/** At most this many editor tabs are kept. */
export const WORKBENCH_TABS_MAX = 32;

/** One open editor tab: a view, or a block, transaction or request it opened. Nothing else can be stored. */
export const WorkbenchTab = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('view'), view: z.enum(WORKBENCH_VIEWS) }).strict(),
  z.object({ kind: z.literal('block'), height: z.number().int().positive() }).strict(),
  z.object({ kind: z.literal('tx'), hash: TxHash }).strict(),
  z.object({ kind: z.literal('request'), requestId: RequestId }).strict(),
]);
export type WorkbenchTab = z.infer<typeof WorkbenchTab>;

/**
 * What a view keeps across reloads. Each view that remembers something adds its own
 * strict entry here (e.g. `evidence: z.object({…}).strict().optional()`); there is no free-form part.
 */
export const WorkbenchViewStates = z.object({}).strict();
export type WorkbenchViewStates = z.infer<typeof WorkbenchViewStates>;

/** The workbench's layout, saved in the workspace and restored on reload: active view, side bar and panel, open tabs. */
export const WorkbenchLayout = z
  .object({
    activeView: z.enum(WORKBENCH_VIEWS),
    sidebarVisible: z.boolean(),
    panelVisible: z.boolean(),
    panelTab: z.enum(WORKBENCH_PANEL_TABS),
    tabs: z.array(WorkbenchTab).max(WORKBENCH_TABS_MAX),
    /** Index into tabs of the active tab; null when no tab is open. */
    activeTab: z.number().int().nonnegative().nullable(),
    views: WorkbenchViewStates.optional(),
  })
  .strict()
  .refine((l) => (l.activeTab === null ? true : l.activeTab < l.tabs.length), { message: 'the active tab must be one of the tabs', path: ['activeTab'] });
export type WorkbenchLayout = z.infer<typeof WorkbenchLayout>;

/** What audit.list and audit.export select by (all optional, ANDed). */
const AuditFilter = z.object({
  /** Exact action, e.g. "custody.approve". */
  action: z.string().regex(/^[a-z]+\.[A-Za-z]+$/, 'an action such as custody.approve').optional(),
  result: z.enum(['ok', 'error']).optional(),
  /** Part of the actor (OS user and host), or of the signing key id. */
  actor: z.string().trim().min(1).max(128).optional(),
  /** The key that signed. */
  keyId: KeyId.optional(),
  /** Text to find in the action, subject, actor, key or details (case-insensitive). */
  text: z.string().trim().min(1).max(256).optional(),
});

/** A trust file kept in the workspace: its name, its digest, and the parsed JSON to pass to evidence.verifyBundle. */
export const SavedTrust = z.object({ name: z.string(), sha256: Digest, size: z.number().int().nonnegative(), trust: z.unknown() });
export type SavedTrust = z.infer<typeof SavedTrust>;

/** Exactly what a transaction would sign: the unsigned envelope, its canonical bytes and digest (a preview). */
export const SigningPreview = z.object({
  chainId: z.string(),
  /** The signing key (the devnet admin's key id when asAdmin). */
  keyId: KeyId,
  /** Signed by the embedded devnet's admin key rather than a local key. */
  asAdmin: z.boolean().default(false),
  scheme: z.string(),
  /** The unsigned envelope (JSON). */
  envelope: z.unknown(),
  /** Its canonical JSON (RFC 8785) text. */
  canonical: z.string(),
  /** Lower-case hex digest the key signs. */
  signingDigest: Digest,
  nonce: z.number().int().positive(),
  expiresAt: Height,
});
export type SigningPreview = z.infer<typeof SigningPreview>;
/** What a preview showed; the signing call signs exactly this envelope or nothing (PREVIEW_STALE). */
const Expected = z.object({ nonce: z.number().int().positive(), expiresAt: Height, digest: Digest }).strict();

/** A named destination of the workspace's address book. */
export const AddressEntry = z.object({
  name: z.string(),
  destination: z.string(),
  note: z.string(),
  createdAt: z.string(),
});
export type AddressEntry = z.infer<typeof AddressEntry>;
/** The key Label's rule: no C0/DEL/C1 controls, no bidirectional marks or line/paragraph separators. */
const AddressName = z.string().trim().min(1, 'required').max(64).refine((s) => !LABEL_FORBIDDEN.test(s), 'no control characters');

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
    /** The embedded devnet's admin key id (shown as "Devnet admin"); null without an embedded devnet. */
    devnetAdminKeyId: KeyId.nullable().default(null),
  })),
  'node.status': op('Connection to the custody node and its latest block', Empty, NodeStatus),

  'keys.devices': op('Devices of every configured key backend (software keystore, PKCS#11 tokens, Ledgers) with their state', Empty, z.object({ devices: z.array(DeviceView) })),
  'keys.list': op('Keys of every configured backend with their on-chain status, roles and re-validation deadline', Empty, z.object({
    keys: z.array(KeyView),
    /** Backends that could not list their keys, with the stable code. */
    problems: z.array(z.object({ backend: BackendKind, code: z.string(), message: z.string() })).default([]),
  })),
  'keys.create': op('Generate an Ed25519 software key, encrypted under a passphrase; with confirmPassphrase, refuse (PASSPHRASE_MISMATCH) unless both are the same', z.object({
    label: Label,
    passphrase: Passphrase,
    /** The passphrase typed a second time. */
    confirmPassphrase: Passphrase.optional(),
  }).strict(), KeyView),
  'keys.generate': op('Generate a key on a backend (software, PKCS#11 token, Ledger) and read back its attestation record', z.object({
    backend: BackendKind,
    scheme: Scheme,
    label: Label,
    deviceId: z.string().min(1).max(256).optional(),
    /** Ledger: BIP-44 path to derive. */
    path: z.string().regex(/^m(\/[0-9]{1,10}'?){1,10}$/, "a BIP-44 path such as m/44'/60'/0'/0/0").optional(),
    /** Software: the new key's passphrase; PKCS#11: the token's user PIN; Ledger: none. */
    secret: Secret.optional(),
  }).strict(), z.object({ key: KeyView, attestation: AttestationOutcome })),
  'keys.attest': op('Read a key\'s attestation record from its device and keep it in the workspace; with `submit`, record it on chain as the key\'s new attestation (devnet admin)', z.object({
    keyId: KeyId,
    secret: Secret.optional(),
    submit: z.boolean().default(false),
    /** Re-validation deadline, in blocks from now, when submitting. */
    revalidateInBlocks: z.number().int().min(1).max(10_000_000).default(100_000),
  }).strict(), AttestationOutcome.extend({ txHash: TxHash.nullable(), height: Height.nullable(), revalidateBy: Height.nullable() })),
  'keys.import': op('Import a software key file (Web3 Secret Storage v3 for secp256k1, charter-keystore/v1 for Ed25519/P-256) into the keystore; the passphrase checks the file and stays with it', z.object({
    /** The file's JSON text (encrypted; at most 64 KiB). Not written to the audit log. */
    fileText: z.string().min(1, 'required').max(64 * 1024),
    passphrase: Passphrase,
    label: Label.optional(),
  }).strict(), KeyView),
  'keys.export': op('A software key\'s keystore file, still encrypted under its passphrase, with its conventional file name', z.object({ keyId: KeyId }).strict(), z.object({ fileName: z.string(), text: z.string() })),
  'keys.register': op('Register a key on chain with its attestation record as evidence (signed by the devnet admin)', z.object({
    keyId: KeyId,
    /** Unlocks the key to read a fresh attestation; without it the record kept at generation is used. */
    secret: Secret.optional(),
    revalidateInBlocks: z.number().int().min(1).max(10_000_000).default(100_000),
  }).strict(), TxOutcome.extend({ keyId: KeyId.optional(), attestationRef: z.string().nullable().optional(), revalidateBy: Height.nullable().optional() })),
  'keys.setRoles': op('Set a registered key\'s roles and owner (signed by the devnet admin)', z.object({
    keyId: KeyId,
    roles: z.array(z.enum(['initiator', 'approver', 'attester', 'custodian', 'governance', 'operator', 'auditor'])).max(8),
    owner: z.string().regex(/^[\x21-\x7e]{1,64}$/, '1–64 printable characters, no spaces').optional(),
  }).strict(), TxOutcome.extend({ keyId: KeyId })),
  'keys.rotate': op('Hand a key over to a successor: the old key signs key.rotate, and an operational proposal asks governance to approve it', z.object({
    keyId: KeyId,
    newKeyId: KeyId,
    /** Unlocks the OLD key. */
    secret: Secret.optional(),
    /** Who proposes the approval: a governance key with its secret, or (absent) the devnet admin. */
    proposerKeyId: KeyId.optional(),
    proposerSecret: Secret.optional(),
  }).strict(), TxOutcome.extend({ keyId: KeyId, newKeyId: KeyId, proposalId: z.string(), newKeyRegistered: z.boolean() })),
  'keys.retire': op('Retire a key for good: signed by the key itself (with its secret) or, with asAdmin, by the devnet admin', z.object({
    keyId: KeyId,
    reason: Reason,
    secret: Secret.optional(),
    asAdmin: z.boolean().default(false),
  }).strict(), TxOutcome.extend({ keyId: KeyId })),
  'keys.revoke': op('Emergency revoke: an operator key proposes (or co-signs) the revocation; it takes effect at the emergency quorum and is permanent once governance ratifies it', z.object({
    keyId: KeyId,
    reason: Reason,
    /** The operator key signing, and its secret. */
    signerKeyId: KeyId,
    secret: Secret.optional(),
    expiresInBlocks: z.number().int().min(1).max(1_000_000).default(1000),
  }).strict(), TxOutcome.extend({ control: EmergencyControlView })),

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
    destination: Destination,
    memo: z.string().max(256).default(''),
    keyId: KeyId,
    /** The key's passphrase or PIN; none for a Ledger key. */
    passphrase: Passphrase.optional(),
  }).strict(), z.object({ request: RequestView, txHash: TxHash, height: Height })),
  'custody.precheck': op('Every control\'s verdict for a request, computed by the engine without changing state', z.object({ requestId: RequestId }).strict(), Precheck),
  'custody.previewApproval': op('Exactly what an approval would sign: the envelope, its canonical bytes and digest', z.object({ requestId: RequestId, keyId: KeyId }).strict(),
    // An approval is always signed by a local approver key, never the devnet admin.
    SigningPreview.omit({ asAdmin: true })),
  'custody.approve': op('Approve a withdrawal with an approver key; with `expected` (a preview), sign exactly the previewed envelope or nothing', z.object({
    requestId: RequestId,
    keyId: KeyId,
    /** The key's passphrase or PIN; none for a Ledger key. */
    passphrase: Passphrase.optional(),
    expected: z.object({ nonce: z.number().int().positive(), expiresAt: Height, digest: Digest }).strict().optional(),
  }).strict(),
    z.object({ request: RequestView, txHash: TxHash, height: Height })),
  'custody.previewCancel': op('Exactly what cancelling a pending or approved request would sign (withdrawal.cancel with its reason): by a local key (its initiator, or a governance key) or, without keyId, the devnet admin', z.object({
    requestId: RequestId,
    reason: Reason,
    keyId: KeyId.optional(),
  }).strict(), SigningPreview),
  'custody.cancel': op('Cancel a pending or approved withdrawal request with a reason; signed by its initiator, a governance key or (without keyId) the devnet admin; with `expected` (a preview), sign exactly the previewed envelope or nothing', z.object({
    requestId: RequestId,
    reason: Reason,
    keyId: KeyId.optional(),
    /** The key's passphrase or PIN; none for a Ledger key or the devnet admin. */
    passphrase: Passphrase.optional(),
    expected: Expected.optional(),
  }).strict(), z.object({ request: RequestView, txHash: TxHash, height: Height })),

  'addressBook.list': op('The workspace\'s named destinations, by name', Empty, z.object({ entries: z.array(AddressEntry) })),
  'addressBook.add': op('Add a named destination to the workspace\'s address book (names and destinations are unique)', z.object({
    name: AddressName,
    destination: Destination,
    note: z.string().trim().max(256).refine((s) => !LABEL_FORBIDDEN.test(s), 'no control characters').default(''),
  }).strict(), AddressEntry),
  'addressBook.remove': op('Remove a named destination from the address book', z.object({ name: AddressName }).strict(), z.object({ removed: AddressEntry })),
  'app.milestones': op('What the workspace has done, from its audit log: blocks opened and withdrawals whose evidence was exported (the Overview\'s first steps)', Empty, z.object({
    openedBlocks: z.array(Height),
    exportedRequests: z.array(z.string()),
  })),

  'explorer.overview': op('Latest blocks of the connected node', z.object({ limit: z.number().int().min(1).max(100).default(20) }).strict(),
    z.object({ chainId: z.string(), height: Height, blocks: z.array(BlockSummary), txCount: z.number().int().nonnegative() })),
  'explorer.block': op('One block with its transactions', z.object({ height: z.number().int().positive() }).strict(), BlockView),
  'explorer.tx': op('One transaction with its result', z.object({ hash: z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/, 'a 64-hex-digit transaction hash') }).strict(), TxView),
  'explorer.search': op('What a typed query names: a block height (that exists) or a transaction hash (that the node has); refuses anything else with the reason', z.object({
    /** As typed: a height such as 12, or a 64-hex-digit transaction hash (0x allowed). */
    query: z.string().max(200).refine((s) => !LABEL_FORBIDDEN.test(s), 'no control characters'),
  }).strict(), z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('block'), height: z.number().int().positive() }),
    z.object({ kind: z.literal('tx'), hash: TxHash, height: Height }),
  ])),

  'evidence.exportWithdrawal': op('Evidence file for an executed withdrawal, as canonical JSON', z.object({ requestId: RequestId }).strict(), z.object({
    fileName: z.string(),
    /** The canonical JSON (RFC 8785) text of the evidence document. */
    content: z.string(),
    sha256: z.string(),
    /** Where the workspace's content-addressed store keeps a copy. */
    artifact: z.string(),
  })),

  'evidence.buildCase': op('Build and sign a custody-case evidence bundle (zip) for an executed withdrawal; a copy goes to the workspace store. signerKeyId: sign the attestation with this local key (software keystore; secret = its passphrase) instead of the embedded devnet\'s validator key', z.object({ requestId: RequestId, signerKeyId: KeyId.optional(), secret: Secret.optional() }).strict(), BuiltBundleView),
  'evidence.buildSegment': op('Build and sign a history-segment evidence bundle (zip) for a height range (signerKeyId and secret as for evidence.buildCase)', z.object({ from: z.number().int().positive(), to: z.number().int().positive(), signerKeyId: KeyId.optional(), secret: Secret.optional() }).strict()
    .refine((i) => i.to >= i.from, 'to must not be below from'), BuiltBundleView),
  'evidence.uploadChunk': op('Send a piece of a bundle to verify (messages are capped at 1 MiB): the first call without uploadId starts an upload', z.object({
    uploadId: z.string().regex(/^up-[0-9a-f]{24}$/).optional(),
    chunkBase64: z.string().max(700_000).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64'),
  }).strict(), z.object({ uploadId: z.string(), received: z.number().int().nonnegative() })),
  'evidence.verifyBundle': op('Verify an evidence bundle in memory (nothing is extracted): every check with its verdict and reason; progress arrives as evidence.progress events', z.object({
    contentBase64: z.string().max(700_000).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64').optional(),
    uploadId: z.string().regex(/^up-[0-9a-f]{24}$/).optional(),
    /** A trust file (JSON) naming the keys that may sign; without it key trust is "unknown". */
    trust: z.unknown().optional(),
    /** Echoed in evidence.progress events. */
    jobId: z.string().max(64).optional(),
  }).strict().refine((i) => (i.contentBase64 === undefined) !== (i.uploadId === undefined), 'give exactly one of contentBase64 and uploadId'), BundleReportView),
  'evidence.saveTrust': op('Keep a trust file in the workspace (content-addressed store, its digest in a setting) so the Evidence view restores it; the host parses and checks it first (BUNDLE_TRUST_INVALID)', z.object({
    /** The file's name as chosen (shown back). */
    name: z.string().trim().min(1).max(255).regex(/^[^/\\]+$/, 'a file name without slashes').refine((s) => !LABEL_FORBIDDEN.test(s), 'a file name without control characters'),
    /** The file's JSON text. */
    trustText: z.string().min(1, 'required').max(512 * 1024),
  }).strict(), SavedTrust),
  'evidence.nodeTrust': op('Fetch the connected node\'s trust file (GET /explorer/trust: the keys that sign its checkpoints) and keep it as the Evidence view\'s trust file, as evidence.saveTrust does. It trusts the node it checks: fine on a devnet; an auditor uses a trust file obtained out of band', Empty, SavedTrust),
  'evidence.loadTrust': op('The trust file kept in the workspace, if any (null when none is chosen, or its artifact is gone or no longer matches its digest)', Empty, z.object({ saved: SavedTrust.nullable() })),
  'evidence.clearTrust': op('Forget the trust file kept in the workspace (the artifact stays in the store)', Empty, z.object({ cleared: z.boolean() })),
  'evidence.readMember': op('The content of one entry of a bundle opened with evidence.verifyBundle', z.object({ bundleId: Digest, path: z.string().min(1).max(1024) }).strict(), z.object({
    path: z.string(),
    size: z.number().int().nonnegative(),
    sha256: z.string(),
    /** UTF-8 text (first 512 KiB), or null for binary content. */
    text: z.string().nullable(),
    base64: z.string().nullable(),
    truncated: z.boolean(),
  })),

  'governance.list': op('Governance proposals of both tracks with votes and tally, newest first', Empty, z.object({ proposals: z.array(ProposalView) })),
  'governance.propose': op('Draft and sign a proposal (protocol or operational track); the engine validates the action', z.object({
    track: z.enum(['protocol', 'operational']),
    /** The action, e.g. {"type":"params.set","max_expiry_blocks":500}; see docs/formats/transactions.md. */
    action: z.record(z.string(), z.unknown()).refine((a) => typeof a['type'] === 'string', 'the action needs a "type"').optional(),
    /** The action as typed (JSON text); the host parses it and refuses text that is not a JSON object with a "type" (INVALID_JSON, INVALID_INPUT). Give exactly one of action and actionJson. */
    actionJson: z.string().min(1, 'required').max(16 * 1024).optional(),
    votingPeriodBlocks: z.number().int().positive().max(1_000_000).optional(),
    ...SignAs,
    expected: Expected.optional(),
  }).strict().refine((i) => (i.action === undefined) !== (i.actionJson === undefined), 'give exactly one of action and actionJson'), GovOutcome),
  'governance.vote': op('Sign a vote on an open proposal; with `expected` (a preview), sign exactly the previewed envelope or nothing', z.object({ proposalId: z.string().min(1).max(80), vote: z.enum(['yes', 'no', 'abstain']), ...SignAs, expected: Expected.optional() }).strict(), GovOutcome),
  'governance.execute': op('Execute a passed proposal once its execution delay is over; with `expected` (a preview), sign exactly the previewed envelope or nothing', z.object({ proposalId: z.string().min(1).max(80), ...SignAs, expected: Expected.optional() }).strict(), GovOutcome),
  'governance.preview': op('Exactly what a governance vote, execution or proposal would sign, by a local key or (without keyId) the devnet admin', z.discriminatedUnion('op', [
    z.object({ op: z.literal('vote'), proposalId: z.string().min(1).max(80), vote: z.enum(['yes', 'no', 'abstain']), keyId: KeyId.optional() }).strict(),
    z.object({ op: z.literal('execute'), proposalId: z.string().min(1).max(80), keyId: KeyId.optional() }).strict(),
    z.object({
      op: z.literal('propose'),
      track: z.enum(['protocol', 'operational']),
      action: z.record(z.string(), z.unknown()).refine((a) => typeof a['type'] === 'string', 'the action needs a "type"').optional(),
      /** The action as typed (JSON text): the host parses it and checks it against the engine's action schema; a refusal is recorded in the audit log. Give exactly one of action and actionJson. */
      actionJson: z.string().min(1, 'required').max(16 * 1024).optional(),
      votingPeriodBlocks: z.number().int().positive().max(1_000_000).optional(),
      keyId: KeyId.optional(),
    }).strict().refine((i) => (i.action === undefined) !== (i.actionJson === undefined), 'give exactly one of action and actionJson'),
  ]), SigningPreview),

  'security.events': op('Security events of the connected node, newest first, filtered by kind, key, vault and height', z.object({
    /** One of SECURITY_EVENT_KINDS, with or without the "security." prefix. */
    kind: z.string().max(80).refine((k) => securityKindOf(k) !== null, 'not a kind of security event the engine emits').optional(),
    keyId: KeyId.optional(),
    vaultId: VaultId.optional(),
    fromHeight: Height.optional(),
    toHeight: Height.optional(),
    /** Paging: events older than this seq (the previous page's nextBefore). */
    before: z.number().int().positive().optional(),
    limit: z.number().int().min(1).max(1000).default(100),
    /** Only events seen in blocks, at mempool admission, or on mempool recheck. */
    stage: z.enum(['block', 'admission', 'recheck']).optional(),
  }).strict().refine((i) => i.fromHeight === undefined || i.toHeight === undefined || i.fromHeight <= i.toHeight, { message: 'the height range is inverted: from must not be above to', path: ['toHeight'] }),
  z.object({ height: Height, events: z.array(SecurityEventView), nextBefore: z.number().int().nullable() })),

  'audit.list': op('Audit log entries, newest first, filtered by action, result, actor, signing key and text', AuditFilter.extend({
    limit: z.number().int().min(1).max(1000).default(200),
    /** Paging: entries older than this seq (the previous page's nextBefore). */
    before: z.number().int().positive().optional(),
  }).strict(), z.object({ entries: z.array(AuditEntry), nextBefore: z.number().int().nullable().default(null) })),
  'audit.export': op('The audit log entries matching a filter, oldest first, as CSV or JSON lines (one entry per line, every field, the hashes included)', AuditFilter.extend({
    format: z.enum(['csv', 'jsonl']),
  }).strict(), z.object({ fileName: z.string(), text: z.string(), count: z.number().int().nonnegative() })),
  'audit.verify': op('Check the audit log\'s hash chain', Empty, z.object({
    ok: z.boolean(),
    count: z.number().int().nonnegative(),
    firstBad: z.object({ seq: z.number().int(), reason: z.string() }).nullable(),
  })),
  'output.recent': op('Recent lines of the Output panel', Empty, z.object({ lines: z.array(OutputLine) })),

  'workbench.getLayout': op('The workbench layout saved in this workspace (null before the first save, or if what was saved no longer fits the schema)', Empty, z.object({ layout: WorkbenchLayout.nullable() })),
  'workbench.setLayout': op('Save the workbench layout in this workspace (not audited: it changes nothing but the view)', z.object({ layout: WorkbenchLayout }).strict(), z.object({ saved: z.literal(true) })),

  'settings.get': op('Console settings', Empty, Settings),
  'settings.set': op('Change console settings (theme, Ledger); PKCS#11 modules are not settable here', SettingsChange, Settings),
} as const;

export type Methods = typeof methods;

/**
 * The operations that are operator actions: the host appends each call of these,
 * success or refusal, to the audit log (main/hosts/dispatch.ts AUDITED gives each
 * its subject; a unit test keeps the two lists equal).
 */
export const AUDITED_METHODS = [
  'keys.create',
  'keys.register',
  'keys.generate',
  'keys.attest',
  'keys.import',
  'keys.export',
  'keys.setRoles',
  'keys.rotate',
  'keys.retire',
  'keys.revoke',
  'custody.createVault',
  'custody.fundVault',
  'custody.createWithdrawal',
  'custody.approve',
  'custody.cancel',
  'addressBook.add',
  'addressBook.remove',
  'explorer.block',
  'explorer.tx',
  'evidence.exportWithdrawal',
  'evidence.buildCase',
  'evidence.buildSegment',
  'governance.propose',
  'governance.vote',
  'governance.execute',
  'settings.set',
  'audit.verify',
  'audit.export',
  'explorer.search',
  'evidence.verifyBundle',
  'evidence.saveTrust',
  'evidence.nodeTrust',
  'evidence.clearTrust',
] as const satisfies readonly (keyof typeof methods)[];
export type MethodName = keyof Methods;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type ParsedInput<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;
export const METHOD_NAMES = Object.keys(methods) as MethodName[];

// ─── events ────────────────────────────────────────────────────────────────

export const events = {
  /** A new block was committed on the connected node. */
  'chain.block': BlockSummary.extend({ node: NodeId.optional() }),
  /** The node connection changed state. */
  'node.connection': NodeStatus.extend({ node: NodeId.optional() }),
  /** Vaults or requests changed (a block carried custody transactions). */
  'custody.changed': z.object({ height: Height, node: NodeId.optional() }),
  /** The keystore or a device changed. */
  'devices.changed': z.object({ reason: z.string() }),
  /** An entry was appended to the audit log. */
  'audit.appended': AuditEntry,
  /** A line for the Output panel. */
  'output.line': OutputLine,
  /** Progress of a bundle verification (evidence.verifyBundle): reading entries, then checking member digests. */
  'evidence.progress': z.object({ jobId: z.string(), phase: z.enum(['reading', 'checking']), done: z.number().int().nonnegative(), total: z.number().int().nonnegative() }),
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
