/**
 * The stable error codes of Charter Console.
 *
 * Every error that crosses a boundary (engine → node → client, host → UI, CLI
 * → shell) carries one of these codes. Codes are part of the public contract:
 * they are never renamed or reused. docs/contract/errors.md lists them with what the
 * user should do; a unit test keeps that page and this table in step.
 *
 * Engine rejections carry a numeric ABCI code too (CometBFT's `code` field),
 * in codespace `custody`. Code 0 is success.
 */

export interface ErrorInfo {
  /** Numeric ABCI code for engine rejections; absent for host/client errors. */
  readonly abci?: number;
  /** One line saying what happened. */
  readonly summary: string;
  /** What the user can do about it. */
  readonly hint: string;
}

export const ENGINE_CODESPACE = 'custody';

export const ERROR_CODES = {
  // ── engine: envelope and authentication (1–19) ────────────────────────────
  TX_MALFORMED: {
    abci: 1,
    summary: 'The transaction could not be decoded.',
    hint: 'Transactions are canonical JSON envelopes; see docs/formats/transactions.md.',
  },
  UNSUPPORTED_VERSION: { abci: 2, summary: 'The envelope version is not supported by this engine.', hint: 'Upgrade the console or use envelope version 1.' },
  WRONG_CHAIN: { abci: 3, summary: 'The transaction was signed for another chain.', hint: 'Check the chain id of the node you are connected to.' },
  UNKNOWN_TX_TYPE: { abci: 4, summary: 'The transaction type is not known to this engine.', hint: 'See docs/formats/transactions.md for the supported types.' },
  UNKNOWN_SIGNER: { abci: 5, summary: 'The signing key is not registered on chain.', hint: 'Register the key first (Keys view, "Register on chain").' },
  BAD_SIGNATURE: { abci: 6, summary: 'The signature does not verify for the signing key.', hint: 'Sign the exact envelope digest with the registered key.' },
  BAD_NONCE: { abci: 7, summary: 'The nonce is not the next nonce of the signing key.', hint: "Query the key's account nonce and sign again with nonce + 1." },
  TX_EXPIRED: { abci: 8, summary: 'The transaction expired before it was included.', hint: 'Sign it again with a later expiry height.' },
  KEY_NOT_ACTIVE: { abci: 9, summary: 'The signing key is not active.', hint: "Only active keys can sign; see the key's status in the Keys view." },
  NOT_AUTHORIZED: { abci: 10, summary: 'The signing key may not perform this action.', hint: 'Ask an administrator of the chain to perform it.' },
  // ── engine: keys and vaults (20–39) ───────────────────────────────────────
  KEY_EXISTS: { abci: 20, summary: 'A key with this id is already registered.', hint: 'Each key is registered once.' },
  INVALID_KEY: { abci: 21, summary: 'The public key is not valid for its scheme.', hint: 'Ed25519 public keys are 32 bytes, hex-encoded.' },
  VAULT_EXISTS: { abci: 22, summary: 'A vault with this id already exists.', hint: 'Choose another vault id.' },
  VAULT_NOT_FOUND: { abci: 23, summary: 'No vault has this id.', hint: 'Check the vault id in the Approvals view.' },
  INVALID_POLICY: {
    abci: 24,
    summary: 'The approval policy is not valid.',
    hint: 'A policy needs 1 ≤ threshold ≤ number of distinct, registered approver keys.',
  },
  INVALID_AMOUNT: {
    abci: 25,
    summary: 'The amount is not a positive whole number of base units.',
    hint: 'Amounts are decimal strings of base units, for example "1500".',
  },
  INVALID_ASSET: { abci: 26, summary: 'The asset symbol is not valid.', hint: 'Asset symbols are 1–16 characters: A–Z, 0–9, "-" or ".".' },
  FAUCET_DISABLED: { abci: 27, summary: 'This chain has no faucet.', hint: 'Only a devnet funds vaults from a faucet.' },
  INVALID_FIELD: {
    abci: 28,
    summary: 'A field of the transaction body is missing or not valid.',
    hint: 'See docs/formats/transactions.md for the body of each type.',
  },
  // ── engine: withdrawals (40–59) ───────────────────────────────────────────
  INSUFFICIENT_BALANCE: { abci: 40, summary: 'The vault does not hold enough of the asset.', hint: 'Lower the amount or fund the vault first.' },
  REQUEST_EXISTS: { abci: 41, summary: 'A request with this id already exists.', hint: 'Submit a new request instead of replaying one.' },
  REQUEST_NOT_FOUND: { abci: 42, summary: 'No withdrawal request has this id.', hint: 'Check the request id in the Approvals view.' },
  REQUEST_NOT_PENDING: { abci: 43, summary: 'The request is no longer pending.', hint: 'It was executed or rejected already; nothing to approve.' },
  NOT_AN_APPROVER: {
    abci: 44,
    summary: "The key is not an approver in the vault's policy.",
    hint: "Approve with a key listed in the vault's approval policy.",
  },
  DUPLICATE_APPROVAL: { abci: 45, summary: 'This key has already approved the request.', hint: 'Each approver counts once; approve with another key.' },
  INVALID_DESTINATION: { abci: 46, summary: 'The destination is not valid.', hint: 'Destinations are 1–128 printable characters with no spaces.' },
  // ── engine: controls (70–99) ─────────────────────────────────────────────
  SELF_APPROVAL: {
    abci: 70,
    summary: 'The initiator of a request (or another key of the same owner) may not approve it.',
    hint: 'Separation of duties: approve with a key of another person.',
  },
  ROLE_CONFLICT: {
    abci: 71,
    summary: 'The key already fills another role in this decision.',
    hint: 'One key may not be both approver and attester (or initiator) of one request; use another key.',
  },
  LIMIT_EXCEEDED: {
    abci: 72,
    summary: "The amount is above the vault's per-transaction limit for this asset.",
    hint: 'Split the withdrawal or ask governance to change the policy; the pre-check shows the limit.',
  },
  DESTINATION_NOT_WHITELISTED: {
    abci: 73,
    summary: "The destination is not on the vault's whitelist.",
    hint: 'Ask governance to add it to the whitelist first.',
  },
  NOT_AN_ATTESTER: {
    abci: 74,
    summary: "The key is not an attester of the vault's attestation gate.",
    hint: "Attest with a key listed in the policy's attesters.",
  },
  DUPLICATE_ATTESTATION: { abci: 75, summary: 'This key has already attested the request.', hint: 'Each attester counts once; attest with another key.' },
  WRONG_ATTESTATION_TYPE: {
    abci: 76,
    summary: "The attestation is not of the type the vault's gate requires, or the vault has no gate.",
    hint: 'The pre-check names the required attestation type.',
  },
  KEY_STATUS_CONFLICT: {
    abci: 77,
    summary: 'The key is not in a status this action applies to.',
    hint: 'Only active keys can be quarantined, only quarantined keys released.',
  },
  VELOCITY_EXCEEDED: {
    abci: 78,
    summary: "Executing now would exceed the vault's velocity limit.",
    hint: 'The request waits and executes when the rolling window has room; the pre-check shows the usage.',
  },
  UNKNOWN_KEY: { abci: 79, summary: 'No key with this id is registered on chain.', hint: 'Check the key id in the Keys view.' },
  // ── engine: governance, emergency and key lifecycle (80–119) ────────────
  PROPOSAL_NOT_FOUND: { abci: 80, summary: 'No governance proposal has this id.', hint: 'Check the proposal id in the Governance view (/proposals).' },
  PROPOSAL_NOT_OPEN: { abci: 81, summary: 'The proposal is not open for votes.', hint: 'Its voting period ended or it was decided already; see its status.' },
  DUPLICATE_VOTE: { abci: 82, summary: 'This key has already voted on the proposal.', hint: 'Each governance member votes once.' },
  PROPOSAL_NOT_EXECUTABLE: {
    abci: 83,
    summary: 'The proposal has not passed, was executed already, or its execution delay has not ended.',
    hint: 'The proposal shows its status and the height from which it may be executed.',
  },
  INVALID_PROPOSAL: {
    abci: 84,
    summary: 'The proposal is not valid: wrong track for its action, bad parameters, or it changes nothing.',
    hint: 'Protocol proposals set parameters; everything else is operational. See docs/formats/transactions.md.',
  },
  DEGRADED_MODE: {
    abci: 85,
    summary: 'The chain or the vault is in degraded mode: only cancellations, governance and emergency transactions are accepted.',
    hint: 'Wait for the degraded mode to expire or be lifted by governance; /mode and the vault show until when.',
  },
  VAULT_FROZEN: {
    abci: 86,
    summary: 'The vault is frozen by an emergency control.',
    hint: 'Nothing moves until the freeze expires or governance lifts it; cancellations are still accepted.',
  },
  CONTROL_NOT_FOUND: { abci: 87, summary: 'No emergency control has this id.', hint: 'Check the control id (/controls).' },
  CONTROL_STATUS_CONFLICT: {
    abci: 88,
    summary: 'The emergency control is not in a status this action applies to.',
    hint: 'Signatures are collected while it is collecting; only an active control can be ratified, only an active or ratified one lifted.',
  },
  DUPLICATE_SIGNATURE: {
    abci: 89,
    summary: 'This key (or another key of its owner) has already signed the emergency control.',
    hint: 'The emergency quorum counts distinct operators.',
  },
  // ── engine: queries (60–69) ─────────────────────────────────────────────
  UNKNOWN_QUERY: { abci: 60, summary: 'The engine has no such query path.', hint: 'See docs/formats/transactions.md for the query paths.' },
  NOT_IN_STATE: {
    abci: 61,
    summary: 'The state has no entry with this key, so there is nothing to prove.',
    hint: 'State keys look like "vault/<id>" or "request/<id>"; see docs/formats/transactions.md.',
  },

  // ── host and contract ─────────────────────────────────────────────────────
  INVALID_INPUT: { summary: 'The request does not match the contract.', hint: 'The details list each field that is wrong.' },
  UNKNOWN_METHOD: { summary: 'No such operation in the contract.', hint: 'See core/contract for the list of operations.' },
  UNAUTHORIZED: {
    summary: 'The request carries no valid session token.',
    hint: 'Open the console with the URL printed by `charter serve`, which includes the token.',
  },
  INTERNAL: {
    summary: 'An unexpected error occurred.',
    hint: 'The message gives its error id; logs/charter.log in the workspace keeps the details under that id. Nothing was changed.',
  },
  HOST_UNREACHABLE: {
    summary: 'The console host does not answer.',
    hint: 'Check that `charter serve` (or the desktop app) is still running; the console reconnects by itself. Nothing was sent.',
  },
  CONNECTION_LOST: {
    summary: 'The connection closed before the operation answered.',
    hint: 'It may or may not have been carried out: check the audit log and the current state before retrying.',
  },
  MESSAGE_TOO_LARGE: {
    summary: 'The request is larger than the console host accepts in one message (1 MiB).',
    hint: 'Nothing was sent. Use a smaller input; bundles to verify travel in pieces (evidence.uploadChunk).',
  },
  NOT_AVAILABLE: {
    summary: 'This capability is not available here yet.',
    hint: 'The message says what brings it: a setting, a device, or a newer node or console.',
  },
  // ── workspace, keystore, audit ────────────────────────────────────────────
  WORKSPACE_LOCKED: { summary: "Another process holds this workspace's devnet.", hint: 'Close the other console or pass --workspace with another directory.' },
  WORKSPACE_INVALID: { summary: 'The workspace cannot be opened.', hint: 'Check the path and its permissions; the message names the file.' },
  WRONG_PASSPHRASE: {
    summary: 'The passphrase does not unlock this key.',
    hint: 'Type the passphrase you chose when the key was created. Nothing was signed.',
  },
  PASSPHRASE_MISMATCH: { summary: 'The two passphrases are not the same.', hint: 'Type the same passphrase in both fields. No key was created.' },
  WEAK_PASSPHRASE: { summary: 'The passphrase is too short.', hint: 'Use at least 8 characters.' },
  KEY_NOT_FOUND: { summary: 'No key with this id is in the keystore.', hint: 'See the Keys view or `charter keys list`.' },
  KEYSTORE_CORRUPT: { summary: 'A keystore file is damaged.', hint: 'Restore it from your backup; the message names the file.' },
  AUDIT_CHAIN_BROKEN: {
    summary: 'The audit log has been edited or an entry removed.',
    hint: '`charter audit verify` names the first entry that does not chain.',
  },
  NOT_FOUND: { summary: 'The requested item does not exist.', hint: 'Check the id, height or hash.' },
  PREVIEW_STALE: { summary: 'What would be signed changed since it was shown.', hint: 'Review the new preview and approve again. Nothing was signed.' },
  EXPORT_FAILED: { summary: 'The evidence file could not be written.', hint: 'Choose a writable location.' },
  KDF_LIMIT_EXCEEDED: {
    summary: 'The key file asks for a key-derivation cost above what the console accepts.',
    hint: 'The message names the parameter and the limit. Re-encrypt the key in the tool it came from within the limits of docs/formats/keystore.md (scrypt N ≤ 2^18, r ≤ 16, p ≤ 16, 128·N·r·p ≤ 256 MiB; PBKDF2 c ≤ 2,000,000) and import it again. Nothing was imported.',
  },
  ADDRESS_EXISTS: {
    summary: 'The address book already has an entry with this name or this destination.',
    hint: 'Names and destinations are unique in the address book: pick the existing entry, or remove it first.',
  },
  KEYSTORE_DUPLICATE: { summary: 'The keystore already holds this key.', hint: 'The message names the key id and its label; nothing was imported.' },
  // ── Ledger hardware wallets (hsm/ledger.ts) ───────────────────────────────
  LEDGER_NOT_FOUND: { summary: 'No Ledger device is connected.', hint: 'Plug in the Ledger, unlock it with its PIN and open the Ethereum app.' },
  LEDGER_LOCKED: { summary: 'The Ledger is locked.', hint: 'Unlock the device with its PIN, open the Ethereum app and try again. Nothing was signed.' },
  LEDGER_WRONG_APP: {
    summary: 'The Ledger is not running the Ethereum app.',
    hint: 'Open the Ethereum app on the device (install it with Ledger Live if it is missing) and try again.',
  },
  LEDGER_USER_REJECTED: {
    summary: 'The request was rejected on the Ledger.',
    hint: 'Nothing was signed. Try again and approve on the device if the fields it shows are right.',
  },
  LEDGER_NO_PERMISSION: {
    summary: 'The Ledger is connected but this user may not open it.',
    hint: 'On Linux, install the udev rule shipped in resources/udev/20-hw1.rules (see docs/keys-and-devices.md, "Ledger"), then unplug and replug the device.',
  },
  LEDGER_BLIND_SIGNING_DISABLED: {
    summary: 'The Ethereum app on the Ledger refuses Charter\'s typed-data messages: neither "Raw messages" nor "Blind signing" is on.',
    hint: 'In the Ethereum app\'s Settings turn on "Raw messages" (the device then shows every field) or "Blind signing"; for an app older than 1.9.19, update it or enable Blind signing. Nothing was signed.',
  },
  LEDGER_ERROR: {
    summary: 'The Ledger answered with an error.',
    hint: "The message has the device's status word. Unplug and replug the device, open the Ethereum app and try again.",
  },
  // ── chain client ──────────────────────────────────────────────────────────
  NODE_UNREACHABLE: { summary: 'The custody node does not answer.', hint: 'Check the Nodes view: is the node running and the RPC address right?' },
  NODE_ERROR: { summary: 'The custody node returned an error.', hint: "The message has the node's words." },
  TX_TIMEOUT: {
    summary: 'The transaction was not included in a block in time.',
    hint: "It may still be included; check the request's status before retrying.",
  },
  // ── CLI ───────────────────────────────────────────────────────────────────
  USAGE: { summary: 'The command line is not valid.', hint: 'Run the command with --help.' },
  HOST_REFUSED: { summary: 'Refusing to listen on a non-loopback address.', hint: 'Pass --force-host to expose the console to the network, knowingly.' },
  // ── key devices: PKCS#11 tokens ──────────────────────────────────────────
  PIN_INCORRECT: {
    summary: 'The PIN was not accepted by the token.',
    hint: "Type the token's user PIN again; repeated wrong PINs may lock the token. Nothing was signed.",
  },
  PIN_LOCKED: {
    summary: "The token's user PIN is locked after too many wrong PINs.",
    hint: "The token's security officer must unlock or reset the user PIN with the vendor's tool. Nothing was signed.",
  },
  TOKEN_NOT_PRESENT: {
    summary: 'The token is not present: not inserted, removed, or not found in the PKCS#11 module.',
    hint: 'Insert the token (or check the module path and token label) and try again. Nothing was signed.',
  },
  DEVICE_REMOVED: { summary: 'The token was removed while it was in use.', hint: 'Reinsert the token and try again; the operation was not completed.' },
  MECHANISM_NOT_SUPPORTED: {
    summary: 'The token does not offer the mechanism this key type needs.',
    hint: 'The message names the mechanism; use another token or another key type (ed25519, p256, secp256k1).',
  },
  SESSION_LOST: {
    summary: 'The session with the token was lost and could not be reopened.',
    hint: 'Check the token and its connection, then try again. Nothing was signed.',
  },
  PKCS11_MODULE_ERROR: {
    summary: 'The PKCS#11 module cannot be loaded or initialised.',
    hint: "Check the module path (for SoftHSM2: /usr/lib/softhsm/libsofthsm2.so) and that the vendor's library and its configuration are installed.",
  },
  PKCS11_MODULE_REFUSED: {
    summary: 'The PKCS#11 module path was refused: it is not absolute, not a regular file, or someone other than its owner could change it.',
    hint: "Give the absolute path of the vendor's library, owned by root or by you and not writable by group or others, in a directory others cannot write (`chmod go-w`); the message names the rule. Modules are configured with --pkcs11-module, $CHARTER_PKCS11_MODULE or <workspace>/config.json (docs/keys-and-devices.md).",
  },
  CONFIG_INVALID: {
    summary: "The console's configuration file cannot be used.",
    hint: 'Fix <workspace>/config.json as the message says (valid JSON, the fields of docs/keys-and-devices.md, not writable by group or others); until then its settings are ignored.',
  },
  PKCS11_ERROR: {
    summary: 'The PKCS#11 module returned an error.',
    hint: "The message names the CKR_ code and the call; see the vendor's documentation for it.",
  },
  // ── evidence ─────────────────────────────────────────────────────────────
  INVALID_JSON: { summary: 'The document is not valid JSON.', hint: 'The message gives the line, column and path of the first error.' },
  DUPLICATE_KEY: { summary: 'A JSON object names the same key twice.', hint: 'Canonical JSON needs unique keys; the message gives the key and its path.' },
  NUMBER_NOT_REPRESENTABLE: {
    summary: 'A JSON number cannot be represented exactly (overflow, underflow, or beyond ±(2^53 − 1)).',
    hint: 'Write large integers as strings; the message gives the number and its path.',
  },
  PROOF_INVALID: {
    summary: 'The proof does not lead to the given peak, accumulator or checkpoint.',
    hint: 'The proof, the proven value or the target is wrong or belongs to another log or size.',
  },
  HISTORY_MISMATCH: {
    summary: "Re-executing the node's blocks did not reproduce the app hash it recorded.",
    hint: "The node's history is inconsistent with its state; keep the data directory for investigation.",
  },
  CHECKPOINT_MISMATCH: {
    summary: 'The checkpoint is not the one the log signed at that height.',
    hint: 'Cosign the checkpoint exactly as the node serves it (GET /explorer/checkpoint?height=H); a different one at the same height is a fork.',
  },
  CHECKPOINT_UNTRUSTED: {
    summary: "The log's checkpoint is not signed by a quorum of the keys of its trust file.",
    hint: "The message gives the verdict; check the trust file the witness pinned (DIR/trust.json) against the log's published keys.",
  },
  FORK_DETECTED: {
    summary: 'The log showed two checkpoints that cannot both be true: the later one does not extend the one already cosigned.',
    hint: "Nothing was cosigned. The fork evidence (both signed checkpoints and the proof offered) is in the witness directory's forks/; hand it to the log's auditors. The witness refuses this log until an operator moves the record out of forks/.",
  },
  // ── evidence bundles ─────────────────────────────────────────────────────
  BUNDLE_TRUST_INVALID: {
    summary: 'The trust file cannot be used.',
    hint: 'A trust file is JSON {version, log_id, quorum, keys:[{key_id, scheme, public_key, valid_from_height, …}]}; see docs/formats/evidence-bundle.md.',
  },
  BUNDLE_TOO_LARGE: {
    summary: 'The bundle is larger than the console accepts.',
    hint: 'Verify it with `charter bundle verify FILE.zip` instead; the caps are in docs/formats/evidence-bundle.md.',
  },
  BUNDLE_NOT_OPEN: {
    summary: 'No bundle (or upload) with this id is open in the console.',
    hint: 'Open the bundle again; the console keeps only the last few in memory.',
  },
} as const satisfies Record<string, ErrorInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const ENGINE_ERROR_BY_ABCI: ReadonlyMap<number, ErrorCode> = new Map(
  (Object.entries(ERROR_CODES) as [ErrorCode, ErrorInfo][]).filter(([, info]) => info.abci !== undefined).map(([code, info]) => [info.abci as number, code]),
);

/** The error every layer throws. Serialisable as {code, message, hint, details}. */
export class CharterError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly details: unknown;
  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? ERROR_CODES[code].summary);
    this.name = 'CharterError';
    this.code = code;
    this.hint = ERROR_CODES[code].hint;
    this.details = details;
  }
  toJSON(): SerializedError {
    return { code: this.code, message: this.message, hint: this.hint, ...(this.details === undefined ? {} : { details: this.details }) };
  }
}

export interface SerializedError {
  code: ErrorCode;
  message: string;
  hint: string;
  details?: unknown;
  /** INTERNAL only: the id under which the host's error log (logs/charter.log in the workspace) keeps the message and stack. */
  errorId?: string;
}

export function isErrorCode(s: string): s is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, s);
}
