// A console on a fresh temporary workspace with its embedded devnet, for
// integration tests that drive it through its contract (real SQLite, real
// devnet over its RPC socket). Registers its own beforeAll/afterAll.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { toHex } from '../../core/codec/index.js';
import type { MethodName, MethodOutput } from '../../core/contract/index.js';
import { contractApi, type ContractApi, type InputArgs } from '../../core/contract/client.js';
import type { TxBodies, TxType } from '../../core/engine/types.js';
import { encodeTx, signingDigest } from '../../core/tx/envelope.js';
import { createCharter, type Charter, type CharterOptions } from '../../main/app.js';
import { loadDevnetAdmin } from '../../main/devnet/node.js';

export interface ConsoleHarness {
  readonly charter: Charter;
  /** The workspace directory. */
  readonly dir: string;
  /** The console's operations with their real types (api.keys.list()); a refusal rejects with its code. */
  readonly api: ContractApi;
  /** Call an operation by name; throws with the error code if it fails. */
  call<M extends MethodName>(method: M, ...input: InputArgs<M>): Promise<MethodOutput<M>>;
  /** Call an operation that must fail; returns its error code. */
  fail(method: string, input: unknown): Promise<string>;
  /** Sign a transaction with the devnet admin key and commit it (for actions without a console form). */
  submitAsAdmin<T extends TxType>(type: T, body: TxBodies[T]): Promise<{ hash: string; height: number; code: number }>;
}

/**
 * `extra`: more createCharter options (key backends); called in beforeAll with the fresh
 * workspace directory (so it may write the workspace's config.json), and may use state other
 * hooks set up.
 */
export function useConsole(prefix: string, extra?: (dir: string) => Partial<CharterOptions>): ConsoleHarness {
  let dir = '';
  let charter: Charter | null = null;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    // A lower scrypt cost keeps the suite quick; the product uses N=2^17.
    charter = await createCharter({
      host: 'serve',
      workspace: dir,
      blockTimeMs: 100,
      scrypt: { n: 1 << 12, r: 8, p: 1 },
      watch: false,
      ...(extra ? extra(dir) : {}),
    });
  });
  afterAll(async () => {
    await charter?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const the = (): Charter => {
    if (!charter) throw new Error('the console is not open (used outside a test?)');
    return charter;
  };
  return {
    get dir() {
      return dir;
    },
    get charter() {
      return the();
    },
    get api() {
      return contractApi(the().dispatch);
    },
    call(method, ...input) {
      return contractApi(the().dispatch).call(method, ...input);
    },
    async fail(method: string, input: unknown): Promise<string> {
      const r = await the().dispatch(method, input);
      if (r.ok) throw new Error(`${method} unexpectedly succeeded`);
      return r.error.code;
    },
    async submitAsAdmin(type, body) {
      const admin = loadDevnetAdmin(the().workspace.devnetHome);
      const client = await the().services.chain.get();
      const status = await client.status();
      const unsigned = {
        version: 1 as const,
        chain_id: status.chainId,
        type,
        body,
        signer: admin.keyId,
        nonce: (await client.nonceOf(admin.keyId)) + 1,
        expires_at: status.height + 50,
      };
      const res = await client.broadcastCommit(encodeTx({ ...unsigned, signature: toHex(admin.sign(signingDigest(unsigned))) }));
      return { hash: res.hash, height: res.height, code: res.txResult.code };
    },
  };
}
