/**
 * Validation of one transaction (pure; the engine and simulate() share it):
 * the envelope checks every transaction meets, the signer's roles against the
 * policy matrix, the degraded and frozen modes, then the module that
 * registered the type. See docs/formats/transactions.md §4 for the order.
 */
import type { SignatureVerifier } from '../crypto/ed25519.js';
import { verifyEnvelope } from '../tx/verify.js';
import { keyOf, lookup } from './controls.js';
import { REGISTRY, TX_DEFS } from './registry.js';
import type { TxDef } from './registry.js';
import { fail, rolesOf, vaultOfBody } from './shared.js';
import type { EngineState, SignedEnvelope, UnsignedEnvelope } from './types.js';
import type { Effect, TxContext } from './work.js';

/**
 * Validate `env` against `s` completely and return what it will do. With a
 * verifier the signature is checked; simulate() passes null (unsigned pre-check).
 * Throws CharterError with the rejection code.
 */
export function validateTx(s: EngineState, env: SignedEnvelope | UnsignedEnvelope, ctx: TxContext, verifier: SignatureVerifier | null): Effect {
  if (env.chain_id !== s.chain_id) fail('WRONG_CHAIN', `signed for chain ${env.chain_id}, this is ${s.chain_id}`);
  if (ctx.height > env.expires_at) fail('TX_EXPIRED', `expired at height ${env.expires_at}; the block height is ${ctx.height}`);
  if (env.expires_at > ctx.height + s.params.max_expiry_blocks) {
    fail('INVALID_FIELD', `expires_at ${env.expires_at} is more than ${s.params.max_expiry_blocks} blocks after height ${ctx.height}`);
  }
  const key = keyOf(s, env.signer);
  if (!key) fail('UNKNOWN_SIGNER', `key ${env.signer} is not registered`);
  if (key.status !== 'active') fail('KEY_NOT_ACTIVE', `key ${env.signer} is ${key.status}`);
  if (verifier !== null && !verifyEnvelope(verifier, env as SignedEnvelope, key, ctx.digest)) {
    fail('BAD_SIGNATURE', `the signature does not verify for key ${env.signer}`);
  }
  const account = lookup(s.accounts, env.signer);
  const expectedNonce = (account ? account.nonce : 0) + 1;
  if (env.nonce !== expectedNonce) fail('BAD_NONCE', `nonce ${env.nonce}; the next nonce of key ${env.signer} is ${expectedNonce}`);
  const def = TX_DEFS.get(env.type);
  if (def !== undefined) requireRole(s, env.signer, def);
  checkModes(s, def, env.body);
  if (def === undefined) return fail('UNKNOWN_TX_TYPE', `unknown transaction type ${JSON.stringify((env as { type: string }).type)}`);
  return def.handler(s, env as SignedEnvelope, ctx, REGISTRY);
}

function requireRole(s: EngineState, signer: string, def: TxDef): void {
  const allowed = def.roles;
  // rolesOf(s, signer) without building its Set: the key's roles, and admin for a genesis admin.
  const roles = keyOf(s, signer)?.roles ?? [];
  if (!allowed.some((r) => roles.includes(r) || (r === 'admin' && s.admins.includes(signer)))) {
    const has = rolesOf(s, signer);
    fail('NOT_AUTHORIZED', `${def.type} needs the role ${allowed.join(' or ')}; key ${signer} holds ${[...has].sort().join(', ') || 'no role'}`);
  }
}

/** DEGRADED_MODE / VAULT_FROZEN for a transaction the modes in force do not accept. */
function checkModes(s: EngineState, def: TxDef | undefined, body: unknown): void {
  const degradedOk = def !== undefined && def.degradedOk;
  const freezeStops = def !== undefined && def.freezeStops;
  const g = s.mode?.degraded;
  if (g && !degradedOk)
    fail(
      'DEGRADED_MODE',
      `the chain is in degraded mode until height ${g.until} (control ${g.control_id}): only cancellations, governance and emergency transactions are accepted`,
    );
  if (!degradedOk || freezeStops) {
    const v = vaultOfBody(s, body);
    if (v?.degraded && !degradedOk)
      fail('DEGRADED_MODE', `vault ${v.vault_id} is in degraded mode until height ${v.degraded.until} (control ${v.degraded.control_id})`);
    if (v?.frozen && freezeStops) fail('VAULT_FROZEN', `vault ${v.vault_id} is frozen until height ${v.frozen.until} (control ${v.frozen.control_id})`);
  }
}
