/** The keys module's declarations: key registration, roles, quarantine, attestation, rotation, retirement. */
import { z } from 'zod';
import { defineSpec } from '../../module.js';
import type { ModuleSpec } from '../../module.js';
import { ROLES } from '../../roles.js';
import type { Role } from '../../roles.js';
import { int, str } from '../../schema.js';
import type { SignatureScheme } from '../../types.js';

export interface KeysTxBodies {
  /** Register a public key. Signed by a chain admin. */
  'key.register': { public_key: string; scheme: SignatureScheme; label: string };
  /** Set a key's roles and owner. Signed by a chain admin. */
  'key.set_roles': { key_id: string; roles: Role[]; owner?: string };
  /** Quarantine a key: its approvals and attestations stop counting. Signed by a governance member or an admin. */
  'key.quarantine': { key_id: string; reason: string };
  /** Release a quarantined key. Signed by a governance member or an admin. */
  'key.release': { key_id: string; reason: string };
  /** Record a key's attestation reference and its re-validation deadline (height). Signed by an admin. */
  'key.attest': { key_id: string; attestation_ref: string; revalidate_by: number };
  /** Hand a key over to a registered successor. Signed by the OLD key; takes effect when an operational proposal (key.rotate_approve) executes. */
  'key.rotate': { new_key_id: string };
  /** Retire a key for good. Signed by the key itself or an admin. */
  'key.retire': { key_id: string; reason: string };
}

export interface KeysActions {
  'key.register': { type: 'key.register'; public_key: string; scheme: SignatureScheme; label: string };
  'key.set_roles': { type: 'key.set_roles'; key_id: string; roles: Role[]; owner?: string };
  'key.release': { type: 'key.release'; key_id: string; reason: string };
  'key.rotate_approve': { type: 'key.rotate_approve'; key_id: string };
}

const SCHEME = z.enum(['ed25519', 'p256', 'secp256k1']);
const ROLE_LIST = z.array(z.enum(ROLES)).max(8);

export const keysSpec: ModuleSpec<KeysTxBodies, KeysActions> = defineSpec({
  name: 'keys',
  txs: {
    'key.register': { roles: ['admin'], body: z.strictObject({ public_key: str, scheme: SCHEME, label: str }), rule: '' },
    'key.set_roles': { roles: ['admin'], body: z.strictObject({ key_id: str, roles: ROLE_LIST, owner: str.optional() }), rule: 'cannot grant `admin`' },
    'key.quarantine': { roles: ['governance', 'admin'], body: z.strictObject({ key_id: str, reason: str }), rule: 'the key is active and not the signer' },
    'key.release': { roles: ['governance', 'admin'], body: z.strictObject({ key_id: str, reason: str }), rule: 'the key is quarantined' },
    'key.attest': {
      roles: ['admin'],
      body: z.strictObject({ key_id: str, attestation_ref: str, revalidate_by: int }),
      rule: 'the key is not revoked or retired; `revalidate_by` after the current height',
    },
    'key.rotate': {
      roles: ROLES,
      body: z.strictObject({ new_key_id: str }),
      rule: 'signed by the OLD key; the new key is registered, active and unlinked; takes effect only when an operational proposal `key.rotate_approve` executes',
    },
    'key.retire': {
      roles: ROLES,
      body: z.strictObject({ key_id: str, reason: str }),
      rule: 'the key itself or an admin; not a genesis admin key; not already revoked/retired',
    },
  },
  actions: {
    'key.register': { track: 'operational', schema: z.strictObject({ type: z.literal('key.register'), public_key: str, scheme: SCHEME, label: str }) },
    'key.set_roles': {
      track: 'operational',
      schema: z.strictObject({ type: z.literal('key.set_roles'), key_id: str, roles: ROLE_LIST, owner: str.optional() }),
    },
    'key.release': { track: 'operational', schema: z.strictObject({ type: z.literal('key.release'), key_id: str, reason: str }) },
    'key.rotate_approve': { track: 'operational', schema: z.strictObject({ type: z.literal('key.rotate_approve'), key_id: str }) },
  },
});
