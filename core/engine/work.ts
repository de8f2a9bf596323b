/**
 * The engine's model of a transaction: validate completely against the state
 * (throwing the rejection code), and return an Effect whose apply() writes a
 * Work — a copy-on-write working state — and cannot fail. Shared by the
 * engine's orchestration (engine.ts) and every module (modules/<domain>/).
 */
import type {
  AbciEvent,
  ChainParams,
  ControlHold,
  EmergencyControlRecord,
  EngineState,
  KeyRecord,
  ProposalRecord,
  ValidatorRecord,
  VaultRecord,
  WithdrawalRecord,
} from './types.js';

type MapName = 'keys' | 'accounts' | 'vaults' | 'requests' | 'proposals' | 'validators' | 'controls';

/**
 * Copy-on-write writes to a working state: a map gets an overlay object (its
 * prototype the base map) the first time it is written, records are always replaced,
 * never mutated, so the base state stays intact without a deep clone. Every
 * write records the state-root entry it touches.
 */
export class Work {
  readonly s: EngineState;
  private readonly owned = new Set<MapName>();
  readonly touched = new Map<string, unknown>();
  /** Ids of requests in status "approved" (timelocked or waiting for velocity room). */
  readonly approved: Set<string>;
  /** Ids of open proposals (their voting ends at a block boundary). */
  readonly open: Set<string>;
  /** Ids of vaults with pending whitelist changes. */
  readonly wl: Set<string>;
  /** Ids of emergency controls still collecting, active or ratified. */
  readonly ctl: Set<string>;
  constructor(base: EngineState, idx: Index) {
    this.s = { ...base };
    this.approved = new Set(idx.approved);
    this.open = new Set(idx.open);
    this.wl = new Set(idx.wl);
    this.ctl = new Set(idx.ctl);
  }
  index(): Index {
    return { approved: this.approved, open: this.open, wl: this.wl, ctl: this.ctl };
  }
  putControl(r: EmergencyControlRecord): void {
    this.map('controls')[r.control_id] = r;
    this.touched.set(`control/${r.control_id}`, r);
    if (r.status === 'collecting' || r.status === 'active' || r.status === 'ratified') this.ctl.add(r.control_id);
    else this.ctl.delete(r.control_id);
  }
  putMode(m: { degraded: ControlHold | null }): void {
    this.s.mode = m;
    this.touched.set('mode', m);
  }
  private map<K extends MapName>(name: K): EngineState[K] {
    if (!this.owned.has(name)) {
      // An overlay: reads fall through to the base map, writes stay here.
      this.s[name] = Object.create(this.s[name]) as EngineState[K];
      this.owned.add(name);
    }
    return this.s[name];
  }
  /**
   * Fold the overlays into their base maps (O(writes)) and return the state.
   * Only for the pending block at commit: the base is the committed state
   * being replaced.
   */
  flatten(): EngineState {
    for (const name of this.owned) {
      const overlay = this.s[name] as Record<string, unknown>;
      const base = Object.getPrototypeOf(overlay) as Record<string, unknown>;
      for (const k of Object.keys(overlay)) base[k] = overlay[k];
      (this.s as unknown as Record<string, unknown>)[name] = base;
    }
    this.owned.clear();
    return this.s;
  }
  putKey(r: KeyRecord): void {
    this.map('keys')[r.key_id] = r;
    this.touched.set(`key/${r.key_id}`, r);
  }
  putAccount(id: string, nonce: number): void {
    const r = { key_id: id, nonce };
    this.map('accounts')[id] = r;
    this.touched.set(`account/${id}`, r);
  }
  putVault(r: VaultRecord): void {
    this.map('vaults')[r.vault_id] = r;
    this.touched.set(`vault/${r.vault_id}`, r);
    if (r.pending_whitelist && r.pending_whitelist.length > 0) this.wl.add(r.vault_id);
    else this.wl.delete(r.vault_id);
  }
  putProposal(r: ProposalRecord): void {
    this.map('proposals')[r.proposal_id] = r;
    this.touched.set(`proposal/${r.proposal_id}`, r);
    if (r.status === 'open') this.open.add(r.proposal_id);
    else this.open.delete(r.proposal_id);
  }
  putValidator(r: ValidatorRecord): void {
    this.map('validators')[r.public_key] = r;
    this.touched.set(`validator/${r.public_key}`, r);
  }
  putParams(p: ChainParams): void {
    this.s.params = p;
    this.touched.set('params', p);
  }
  putRequest(r: WithdrawalRecord): void {
    this.map('requests')[r.request_id] = r;
    this.touched.set(`request/${r.request_id}`, r);
    if (r.status === 'approved') this.approved.add(r.request_id);
    else this.approved.delete(r.request_id);
  }
}

/** What a validated transaction will do: nothing in here may throw. */
export interface Effect {
  apply(w: Work): void;
  data: unknown;
  events: AbciEvent[];
}

export interface TxContext {
  height: number;
  /** Block time in seconds (the block being built; for checkTx the last block's). */
  now: number;
  txHash: string;
  /** The envelope signing digest, when the caller has it (decoded from the wire); else it is computed. */
  digest?: Uint8Array;
}

/** The ids the block-level work looks at, kept beside the state so finalizeBlock scans nothing else. */
export interface Index {
  approved: Set<string>;
  open: Set<string>;
  wl: Set<string>;
  ctl: Set<string>;
}

export function indexOf(s: EngineState): Index {
  const approved = new Set<string>();
  for (const id of Object.keys(s.requests)) if ((s.requests[id] as WithdrawalRecord).status === 'approved') approved.add(id);
  const open = new Set<string>();
  for (const id of Object.keys(s.proposals)) if ((s.proposals[id] as ProposalRecord).status === 'open') open.add(id);
  const wl = new Set<string>();
  for (const id of Object.keys(s.vaults)) if (((s.vaults[id] as VaultRecord).pending_whitelist ?? []).length > 0) wl.add(id);
  const ctl = new Set<string>();
  for (const id of Object.keys(s.controls)) if (['collecting', 'active', 'ratified'].includes((s.controls[id] as EmergencyControlRecord).status)) ctl.add(id);
  return { approved, open, wl, ctl };
}
