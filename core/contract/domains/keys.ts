/**
 * The contract's `keys.*` operations. Keys and devices of every key backend: creation, attestation, registration, roles, rotation, retirement, revocation.
 */
import { z } from 'zod';
import { op, type DomainOperations } from '../operation.js';
import { Empty, Hex, TxHash, KeyId, Digest, Passphrase, Label, Height, Secret, Scheme, BackendKind, Reason, TxOutcome } from '../shapes.js';

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

export const operations = {
  'keys.devices': op(
    'Devices of every configured key backend (software keystore, PKCS#11 tokens, Ledgers) with their state',
    Empty,
    z.object({ devices: z.array(DeviceView) }),
  ),
  'keys.list': op(
    'Keys of every configured backend with their on-chain status, roles and re-validation deadline',
    Empty,
    z.object({
      keys: z.array(KeyView),
      /** Backends that could not list their keys, with the stable code. */
      problems: z.array(z.object({ backend: BackendKind, code: z.string(), message: z.string() })).default([]),
    }),
  ),
  'keys.create': op(
    'Generate an Ed25519 software key, encrypted under a passphrase; with confirmPassphrase, refuse (PASSPHRASE_MISMATCH) unless both are the same',
    z
      .object({
        label: Label,
        passphrase: Passphrase,
        /** The passphrase typed a second time. */
        confirmPassphrase: Passphrase.optional(),
      })
      .strict(),
    KeyView,
    { subject: (i, o) => `key ${(o?.['keyId'] as string | undefined) ?? `"${String(i['label'])}"`}` },
  ),
  'keys.generate': op(
    'Generate a key on a backend (software, PKCS#11 token, Ledger) and read back its attestation record',
    z
      .object({
        backend: BackendKind,
        scheme: Scheme,
        label: Label,
        deviceId: z.string().min(1).max(256).optional(),
        /** Ledger: BIP-44 path to derive. */
        path: z
          .string()
          .regex(/^m(\/[0-9]{1,10}'?){1,10}$/, "a BIP-44 path such as m/44'/60'/0'/0/0")
          .optional(),
        /** Software: the new key's passphrase; PKCS#11: the token's user PIN; Ledger: none. */
        secret: Secret.optional(),
      })
      .strict(),
    z.object({ key: KeyView, attestation: AttestationOutcome }),
    {
      subject: (i, o) => {
        const k = o?.['key'] as { keyId?: string } | undefined;
        return k?.keyId ? `key ${k.keyId}` : `${String(i['backend'])} key "${String(i['label'])}"`;
      },
    },
  ),
  'keys.attest': op(
    "Read a key's attestation record from its device and keep it in the workspace; with `submit`, record it on chain as the key's new attestation (devnet admin)",
    z
      .object({
        keyId: KeyId,
        secret: Secret.optional(),
        submit: z.boolean().default(false),
        /** Re-validation deadline, in blocks from now, when submitting. */
        revalidateInBlocks: z.number().int().min(1).max(10_000_000).default(100_000),
      })
      .strict(),
    AttestationOutcome.extend({ txHash: TxHash.nullable(), height: Height.nullable(), revalidateBy: Height.nullable() }),
    { subject: (i) => `key ${String(i['keyId'])}` },
  ),
  'keys.import': op(
    'Import a software key file (Web3 Secret Storage v3 for secp256k1, charter-keystore/v1 for Ed25519/P-256) into the keystore; the passphrase checks the file and stays with it',
    z
      .object({
        /** The file's JSON text (encrypted; at most 64 KiB). Not written to the audit log. */
        fileText: z
          .string()
          .min(1, 'required')
          .max(64 * 1024),
        passphrase: Passphrase,
        label: Label.optional(),
      })
      .strict(),
    KeyView,
    { subject: (_i, o) => (o?.['keyId'] ? `key ${String(o['keyId'])}` : 'key file') },
  ),
  'keys.export': op(
    "A software key's keystore file, still encrypted under its passphrase, with its conventional file name",
    z.object({ keyId: KeyId }).strict(),
    z.object({ fileName: z.string(), text: z.string() }),
    { subject: (i) => `key ${String(i['keyId'])}` },
  ),
  'keys.register': op(
    'Register a key on chain with its attestation record as evidence (signed by the devnet admin)',
    z
      .object({
        keyId: KeyId,
        /** Unlocks the key to read a fresh attestation; without it the record kept at generation is used. */
        secret: Secret.optional(),
        revalidateInBlocks: z.number().int().min(1).max(10_000_000).default(100_000),
      })
      .strict(),
    TxOutcome.extend({ keyId: KeyId.optional(), attestationRef: z.string().nullable().optional(), revalidateBy: Height.nullable().optional() }),
    { subject: (i) => `key ${String(i['keyId'])}` },
  ),
  'keys.setRoles': op(
    "Set a registered key's roles and owner (signed by the devnet admin)",
    z
      .object({
        keyId: KeyId,
        roles: z.array(z.enum(['initiator', 'approver', 'attester', 'custodian', 'governance', 'operator', 'auditor'])).max(8),
        owner: z
          .string()
          .regex(/^[\x21-\x7e]{1,64}$/, '1–64 printable characters, no spaces')
          .optional(),
      })
      .strict(),
    TxOutcome.extend({ keyId: KeyId }),
    { subject: (i) => `key ${String(i['keyId'])}` },
  ),
  'keys.rotate': op(
    'Hand a key over to a successor: the old key signs key.rotate, and an operational proposal asks governance to approve it',
    z
      .object({
        keyId: KeyId,
        newKeyId: KeyId,
        /** Unlocks the OLD key. */
        secret: Secret.optional(),
        /** Who proposes the approval: a governance key with its secret, or (absent) the devnet admin. */
        proposerKeyId: KeyId.optional(),
        proposerSecret: Secret.optional(),
      })
      .strict(),
    TxOutcome.extend({ keyId: KeyId, newKeyId: KeyId, proposalId: z.string(), newKeyRegistered: z.boolean() }),
    { subject: (i) => `key ${String(i['keyId'])} → ${String(i['newKeyId'])}`, signer: (i) => i['keyId'] },
  ),
  'keys.retire': op(
    'Retire a key for good: signed by the key itself (with its secret) or, with asAdmin, by the devnet admin',
    z
      .object({
        keyId: KeyId,
        reason: Reason,
        secret: Secret.optional(),
        asAdmin: z.boolean().default(false),
      })
      .strict(),
    TxOutcome.extend({ keyId: KeyId }),
    { subject: (i) => `key ${String(i['keyId'])}`, signer: (i) => (i['asAdmin'] === true ? null : i['keyId']) },
  ),
  'keys.revoke': op(
    'Emergency revoke: an operator key proposes (or co-signs) the revocation; it takes effect at the emergency quorum and is permanent once governance ratifies it',
    z
      .object({
        keyId: KeyId,
        reason: Reason,
        /** The operator key signing, and its secret. */
        signerKeyId: KeyId,
        secret: Secret.optional(),
        expiresInBlocks: z.number().int().min(1).max(1_000_000).default(1000),
      })
      .strict(),
    TxOutcome.extend({ control: EmergencyControlView }),
    { subject: (i) => `key ${String(i['keyId'])}`, signer: (i) => i['signerKeyId'] },
  ),
} as const satisfies DomainOperations<'keys'>;
