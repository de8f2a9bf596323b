/**
 * The keys module: registration, roles and owners, quarantine, attestation
 * deadlines, rotation (approved by an operational proposal) and retirement.
 */
import { fromHex, keyIdOf } from '../../../codec/index.js';
import { isValidPublicKey, PUBLIC_KEY_BYTES } from '../../../crypto/ed25519.js';
import { keyOf, lookup } from '../../controls.js';
import { labelOk, MAX_GOV_BLOCKS } from '../../genesis.js';
import { defineModule } from '../../module.js';
import type { ActionHandler } from '../../module.js';
import { chars, DEFAULT_KEY_ROLES, ev, fail, hasOwn, MAX_REASON_CHARS } from '../../shared.js';
import { compareUtf8 } from '../../state-root.js';
import type { EngineState, KeyRecord, SignedEnvelope, TxBodies, TxType, UnsignedEnvelope, VaultPolicy, VaultRecord } from '../../types.js';
import type { Effect, TxContext } from '../../work.js';
import { keysSpec } from './spec.js';
import type { KeysActions } from './spec.js';

function keyRegister(s: EngineState, env: SignedEnvelope<'key.register'>, ctx: TxContext): Effect {
  const b = env.body;
  const bytes = PUBLIC_KEY_BYTES[b.scheme];
  if (bytes === undefined) fail('INVALID_KEY', `unknown signature scheme ${JSON.stringify(String(b.scheme).slice(0, 32))}`);
  if (b.public_key.length !== bytes * 2 || !/^[0-9a-f]*$/.test(b.public_key)) {
    fail('INVALID_KEY', `a ${b.scheme} public_key is ${bytes * 2} lower-case hex digits (${bytes} bytes)`);
  }
  const pk = fromHex(b.public_key);
  if (!isValidPublicKey(b.scheme, pk))
    fail(
      'INVALID_KEY',
      `public_key is not a valid ${b.scheme} public key (canonical encoding, a point on the curve${b.scheme === 'ed25519' ? ', not of small order' : ''})`,
    );
  if (!labelOk(b.label)) fail('INVALID_FIELD', 'label must be 1–64 characters');
  const id = keyIdOf(b.scheme, pk);
  if (lookup(s.keys, id) !== undefined) fail('KEY_EXISTS', `key ${id} is already registered`);
  const rec: KeyRecord = {
    key_id: id,
    scheme: b.scheme,
    public_key: b.public_key,
    label: b.label,
    status: 'active',
    roles: [...DEFAULT_KEY_ROLES],
    registered_at: ctx.height,
  };
  return {
    apply: (w) => w.putKey(rec),
    data: { key_id: id },
    events: [
      ev('custody.key_registered', [
        ['key_id', id],
        ['scheme', b.scheme],
        ['label', b.label],
        ['registered_by', env.signer],
      ]),
    ],
  };
}

function keySetRoles(s: EngineState, env: SignedEnvelope<'key.set_roles'>): Effect {
  const b = env.body;
  const k = keyOf(s, b.key_id);
  if (!k) fail('UNKNOWN_KEY', `no key ${JSON.stringify(b.key_id.slice(0, 48))} is registered`);
  const roles = [...new Set(b.roles)].sort();
  if (roles.length !== b.roles.length) fail('INVALID_FIELD', 'roles lists a role twice');
  if (roles.includes('admin')) fail('INVALID_FIELD', 'the admin role is given at genesis only');
  if (b.owner !== undefined && !/^[\x21-\x7e]{1,64}$/.test(b.owner)) fail('INVALID_FIELD', 'owner must be 1–64 printable ASCII characters without spaces');
  const rec: KeyRecord = { ...k, roles: s.admins.includes(k.key_id) ? [...new Set(['admin', ...roles])].sort() : roles };
  if (b.owner !== undefined) rec.owner = b.owner;
  else delete rec.owner;
  return {
    apply: (w) => w.putKey(rec),
    data: { key_id: k.key_id, roles: rec.roles },
    events: [
      ev('security.roles_changed', [
        ['key_id', k.key_id],
        ['roles', rec.roles.join(',')],
        ['owner', rec.owner ?? ''],
        ['changed_by', env.signer],
      ]),
    ],
  };
}

function keyQuarantine(s: EngineState, env: SignedEnvelope<'key.quarantine'>, ctx: TxContext, on: boolean): Effect {
  const b = env.body;
  const k = keyOf(s, b.key_id);
  if (!k) fail('UNKNOWN_KEY', `no key ${JSON.stringify(b.key_id.slice(0, 48))} is registered`);
  if (chars(b.reason) < 1 || chars(b.reason) > MAX_REASON_CHARS) fail('INVALID_FIELD', `reason must be 1–${MAX_REASON_CHARS} characters`);
  if (on && k.status !== 'active') fail('KEY_STATUS_CONFLICT', `key ${k.key_id} is ${k.status}; only an active key can be quarantined`);
  if (!on && k.status !== 'quarantined') fail('KEY_STATUS_CONFLICT', `key ${k.key_id} is ${k.status}, not quarantined`);
  if (on && k.key_id === env.signer) fail('KEY_STATUS_CONFLICT', 'a key cannot quarantine itself');
  const rec: KeyRecord = { ...k, status: on ? 'quarantined' : 'active' };
  if (on) rec.quarantine = { reason: b.reason, since: ctx.height, by: env.signer };
  else delete rec.quarantine;
  return {
    apply: (w) => w.putKey(rec),
    data: { key_id: k.key_id, status: rec.status },
    events: [
      ev(on ? 'security.key_quarantined' : 'security.key_released', [
        ['key_id', k.key_id],
        ['reason', b.reason],
        ['by', env.signer],
      ]),
    ],
  };
}

function keyAttest(s: EngineState, env: SignedEnvelope<'key.attest'>, ctx: TxContext): Effect {
  const b = env.body;
  const k = keyOf(s, b.key_id);
  if (!k) fail('UNKNOWN_KEY', `no key ${JSON.stringify(b.key_id.slice(0, 48))} is registered`);
  if (k.status === 'revoked' || k.status === 'retired') fail('KEY_STATUS_CONFLICT', `key ${k.key_id} is ${k.status}`);
  if (!/^[\x21-\x7e]{1,256}$/.test(b.attestation_ref)) fail('INVALID_FIELD', 'attestation_ref must be 1–256 printable ASCII characters without spaces');
  if (!Number.isSafeInteger(b.revalidate_by) || b.revalidate_by <= ctx.height || b.revalidate_by > ctx.height + MAX_GOV_BLOCKS * 10) {
    fail('INVALID_FIELD', `revalidate_by must be a height after ${ctx.height} and at most ${ctx.height + MAX_GOV_BLOCKS * 10}`);
  }
  const rec: KeyRecord = { ...k, attestation: { ref: b.attestation_ref, revalidate_by: b.revalidate_by, attested_at: ctx.height, by: env.signer } };
  return {
    apply: (w) => w.putKey(rec),
    data: { key_id: k.key_id, revalidate_by: b.revalidate_by },
    events: [
      ev('security.key_attested', [
        ['key_id', k.key_id],
        ['attestation_ref', b.attestation_ref],
        ['revalidate_by', b.revalidate_by],
        ['by', env.signer],
      ]),
    ],
  };
}

function keyRotate(s: EngineState, env: SignedEnvelope<'key.rotate'>, ctx: TxContext): Effect {
  const old = keyOf(s, env.signer) as KeyRecord;
  const nk = keyOf(s, env.body.new_key_id);
  if (!nk) fail('UNKNOWN_KEY', `no key ${JSON.stringify(env.body.new_key_id.slice(0, 48))} is registered`);
  if (nk.key_id === old.key_id) fail('KEY_STATUS_CONFLICT', 'a key cannot rotate to itself');
  if (nk.status !== 'active') fail('KEY_STATUS_CONFLICT', `the new key ${nk.key_id} is ${nk.status}, not active`);
  if (nk.rotation) fail('KEY_STATUS_CONFLICT', `the new key ${nk.key_id} already has a rotation link`);
  if (old.rotation?.to !== undefined) fail('KEY_STATUS_CONFLICT', `key ${old.key_id} already hands over to ${old.rotation.to}`);
  if (s.admins.includes(old.key_id)) fail('KEY_STATUS_CONFLICT', 'genesis admin keys are not rotated on chain');
  const rec: KeyRecord = { ...old, rotation: { ...(old.rotation ?? {}), to: nk.key_id, requested_at: ctx.height, approved_at: null } };
  return {
    apply: (w) => w.putKey(rec),
    data: { key_id: old.key_id, new_key_id: nk.key_id, status: 'pending_approval' },
    events: [
      ev('security.key_rotation_requested', [
        ['key_id', old.key_id],
        ['new_key_id', nk.key_id],
      ]),
    ],
  };
}

/** The operational action approving a requested rotation: the old key retires, the link is recorded both ways, vault policies name the new key. */
function rotateApprove(s: EngineState, keyId: string, proposalId: string, ctx: TxContext): Effect {
  const old = keyOf(s, keyId);
  if (!old) fail('UNKNOWN_KEY', `no key ${JSON.stringify(keyId.slice(0, 48))} is registered`);
  const to = old.rotation?.to;
  if (to === undefined || old.rotation?.approved_at !== null) fail('KEY_STATUS_CONFLICT', `key ${old.key_id} has no rotation waiting for approval`);
  if (old.status === 'revoked' || old.status === 'retired') fail('KEY_STATUS_CONFLICT', `key ${old.key_id} is ${old.status}`);
  const nk = keyOf(s, to);
  if (!nk || nk.status !== 'active') fail('KEY_STATUS_CONFLICT', `the new key ${to} is not active`);
  const oldRec: KeyRecord = {
    ...old,
    status: 'retired',
    rotation: { ...old.rotation, to, approved_at: ctx.height, proposal_id: proposalId },
    ended: { reason: 'rotated', height: ctx.height, by: proposalId },
  };
  delete oldRec.quarantine;
  const newRec: KeyRecord = { ...nk, rotation: { from: old.key_id, approved_at: ctx.height, proposal_id: proposalId } };
  if (old.owner !== undefined && nk.owner === undefined) newRec.owner = old.owner;
  const vaults: VaultRecord[] = [];
  for (const id in s.vaults) {
    const v = lookup(s.vaults, id) as VaultRecord;
    const p = v.policy;
    const inApprovers = p.approvers.includes(old.key_id) && !p.approvers.includes(to);
    const inAttesters = p.attestation !== undefined && p.attestation.attesters.includes(old.key_id) && !p.attestation.attesters.includes(to);
    if (!inApprovers && !inAttesters) continue;
    const np: VaultPolicy = { ...p };
    if (inApprovers) {
      np.approvers = p.approvers.map((a) => (a === old.key_id ? to : a));
      if (p.weights && hasOwn(p.weights, old.key_id)) {
        const w: Record<string, number> = {};
        for (const k of Object.keys(p.weights)) w[k === old.key_id ? to : k] = p.weights[k] as number;
        np.weights = Object.fromEntries(
          Object.keys(w)
            .sort(compareUtf8)
            .map((k) => [k, w[k] as number]),
        );
      }
    }
    if (inAttesters && p.attestation) np.attestation = { ...p.attestation, attesters: p.attestation.attesters.map((a) => (a === old.key_id ? to : a)) };
    vaults.push({ ...v, policy: np });
  }
  vaults.sort((a, b) => compareUtf8(a.vault_id, b.vault_id));
  return {
    apply: (w) => {
      w.putKey(oldRec);
      w.putKey(newRec);
      for (const v of vaults) w.putVault(v);
    },
    data: { key_id: old.key_id, new_key_id: to },
    events: [
      ev('security.key_rotated', [
        ['key_id', old.key_id],
        ['new_key_id', to],
        ['vaults', vaults.map((v) => v.vault_id).join(',')],
        ['proposal_id', proposalId],
      ]),
    ],
  };
}

function keyRetire(s: EngineState, env: SignedEnvelope<'key.retire'>, ctx: TxContext): Effect {
  const b = env.body;
  const k = keyOf(s, b.key_id);
  if (!k) fail('UNKNOWN_KEY', `no key ${JSON.stringify(b.key_id.slice(0, 48))} is registered`);
  if (k.key_id !== env.signer && !s.admins.includes(env.signer)) fail('NOT_AUTHORIZED', `only key ${k.key_id} itself or an admin may retire it`);
  if (chars(b.reason) < 1 || chars(b.reason) > MAX_REASON_CHARS) fail('INVALID_FIELD', `reason must be 1–${MAX_REASON_CHARS} characters`);
  if (k.status === 'revoked' || k.status === 'retired') fail('KEY_STATUS_CONFLICT', `key ${k.key_id} is ${k.status}`);
  if (s.admins.includes(k.key_id)) fail('KEY_STATUS_CONFLICT', 'a genesis admin key cannot be retired');
  const rec: KeyRecord = { ...k, status: 'retired', ended: { reason: b.reason, height: ctx.height, by: env.signer } };
  delete rec.quarantine;
  return {
    apply: (w) => w.putKey(rec),
    data: { key_id: k.key_id, status: 'retired' },
    events: [
      ev('security.key_retired', [
        ['key_id', k.key_id],
        ['reason', b.reason],
        ['by', env.signer],
      ]),
    ],
  };
}

/** As signed by `env.signer`, the envelope of an action (for the handlers shared with the direct transactions). */
function asEnv<T extends TxType>(env: SignedEnvelope | UnsignedEnvelope, type: T, body: TxBodies[T]): SignedEnvelope<T> {
  return { ...(env as SignedEnvelope), type, body } as unknown as SignedEnvelope<T>;
}

/** The effect of a direct transaction's handler run as a governance action: its events carry the proposal id. */
function tag(e: Effect, proposalId: string): Effect {
  return { ...e, events: e.events.map((x) => ({ ...x, attributes: [...x.attributes, { key: 'proposal_id', value: proposalId }] })) };
}

const keyRegisterAction: ActionHandler<KeysActions['key.register']> = (s, env, a, proposalId, ctx) =>
  tag(keyRegister(s, asEnv(env, 'key.register', { public_key: a.public_key, scheme: a.scheme, label: a.label }), ctx), proposalId);

const keySetRolesAction: ActionHandler<KeysActions['key.set_roles']> = (s, env, a, proposalId) => {
  const body: TxBodies['key.set_roles'] = { key_id: a.key_id, roles: a.roles };
  if (a.owner !== undefined) body.owner = a.owner;
  return tag(keySetRoles(s, asEnv(env, 'key.set_roles', body)), proposalId);
};

const keyReleaseAction: ActionHandler<KeysActions['key.release']> = (s, env, a, proposalId, ctx) =>
  tag(keyQuarantine(s, asEnv(env, 'key.quarantine', { key_id: a.key_id, reason: a.reason }), ctx, false), proposalId);

export const keys = defineModule({
  spec: keysSpec,
  txs: {
    'key.register': keyRegister,
    'key.set_roles': keySetRoles,
    'key.quarantine': (s, env, ctx) => keyQuarantine(s, env, ctx, true),
    'key.release': (s, env, ctx) => keyQuarantine(s, env as unknown as SignedEnvelope<'key.quarantine'>, ctx, false),
    'key.attest': keyAttest,
    'key.rotate': keyRotate,
    'key.retire': keyRetire,
  },
  actions: {
    'key.register': keyRegisterAction,
    'key.set_roles': keySetRolesAction,
    'key.release': keyReleaseAction,
    'key.rotate_approve': (s, _env, a, proposalId, ctx) => rotateApprove(s, a.key_id, proposalId, ctx),
  },
});
