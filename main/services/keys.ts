/**
 * Keys: the workspace keystore joined with each key's on-chain status.
 */
import type { KeyView } from '../../core/contract/index.js';
import { CharterError } from '../../core/errors.js';
import type { KeyRecord } from '../../core/engine/types.js';
import type { KeyBackend, KeyInfo } from '../../hsm/types.js';
import type { ChainConnection } from './chain.js';
import type { Submitter, TxSigner } from './submit.js';
import type { EventBus } from './bus.js';

export class KeysService {
  constructor(
    private readonly backend: KeyBackend,
    private readonly chain: ChainConnection,
    private readonly submitter: Submitter,
    private readonly admin: () => TxSigner | null,
    private readonly bus: EventBus,
  ) {}

  private async onChain(keyIds: string[]): Promise<Map<string, KeyView['onChain']>> {
    const out = new Map<string, KeyView['onChain']>();
    try {
      const client = await this.chain.get();
      for (const id of keyIds) {
        const rec = await client.query<KeyRecord>(`/key/${id}`);
        out.set(id, rec ? rec.status : 'unregistered');
      }
    } catch {
      for (const id of keyIds) out.set(id, 'unknown');
    }
    return out;
  }

  private static view(k: KeyInfo, onChain: KeyView['onChain']): KeyView {
    return { keyId: k.keyId, label: k.label, scheme: k.scheme, backend: k.backend, publicKey: k.publicKey, createdAt: k.createdAt, onChain };
  }

  async list(): Promise<KeyView[]> {
    const keys = await this.backend.list();
    const status = await this.onChain(keys.map((k) => k.keyId));
    return keys.map((k) => KeysService.view(k, status.get(k.keyId) ?? 'unknown'));
  }

  async create(label: string, passphrase: string): Promise<KeyView> {
    const info = await this.backend.generate({ label, secret: passphrase, scheme: 'ed25519' });
    this.bus.emit('devices.changed', { reason: `key ${info.keyId} created` });
    const status = await this.onChain([info.keyId]);
    return KeysService.view(info, status.get(info.keyId) ?? 'unknown');
  }

  /** Public facts of a local key (KEY_NOT_FOUND if the keystore has none). */
  async info(keyId: string): Promise<KeyInfo> {
    return this.backend.get(keyId);
  }

  /** The signer for a local key, unlocked with the passphrase for this call only. */
  signerFor(keyId: string, passphrase: string): TxSigner {
    return {
      keyId,
      sign: async (digest, envelope) => {
        const info = await this.backend.get(keyId);
        return this.backend.sign(keyId, { scheme: info.scheme, digest, envelope }, { secret: passphrase });
      },
    };
  }

  requireAdmin(): TxSigner {
    const a = this.admin();
    if (!a) {
      throw new CharterError('NOT_AVAILABLE', 'this action is signed by the chain admin, and the console holds an admin key only for its embedded devnet (registration through governance arrives with issue 3)');
    }
    return a;
  }

  async register(keyId: string): Promise<{ txHash: string; height: number }> {
    const info = await this.backend.get(keyId);
    const admin = this.requireAdmin();
    const res = await this.submitter.submit('key.register', { public_key: info.publicKey, scheme: info.scheme, label: info.label }, admin);
    this.bus.emit('devices.changed', { reason: `key ${keyId} registered` });
    return { txHash: res.txHash, height: res.height };
  }

  async isRegistered(keyId: string): Promise<boolean> {
    const client = await this.chain.get();
    return (await client.query<KeyRecord>(`/key/${keyId}`)) !== null;
  }
}
