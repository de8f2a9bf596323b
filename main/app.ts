/**
 * createCharter: the composition root. Opens the workspace, starts the
 * embedded devnet (unless told to use another node), connects the custody
 * client to the node's real RPC socket, builds the services and returns the
 * one object every host (Electron IPC, `charter serve`, the CLI) drives.
 */
import { CharterError } from '../core/errors.js';
import type { CallResult, EventName, OutputLine } from '../core/contract/index.js';
import { SoftwareKeystore, DEFAULT_SCRYPT, type ScryptParams } from '../hsm/software.js';
import { KeyBackends } from '../hsm/registry.js';
import type { KeyBackend } from '../hsm/types.js';
import { addDeviceBackends, closeBackend, resolveKeyBackendConfig, type KeyBackendConfig, type Pkcs11ModuleConfig } from './services/key-config.js';
import fs from 'node:fs';
import path from 'node:path';
import { keyIdOf } from '../core/codec/index.js';
import { DevnetNode, loadDevnetAdmin } from './devnet/node.js';
import { NODE_KEY_FILE, loadOrCreateValidatorKey } from './devnet/keys.js';
import { AddressBook } from './services/address-book.js';
import { AuditLog } from './services/audit.js';
import { EventBus, OutputLog } from './services/bus.js';
import { ErrorLog } from './services/error-log.js';
import { ChainConnection } from './services/chain.js';
import { NodeRegistry } from './nodes/registry.js';
import { NODE_ADAPTERS } from './nodes/adapters.js';
import { DevnetAdminAuthority } from './authority/devnet-admin.js';
import { CustodyService } from './services/custody.js';
import { EvidenceService, keyBundleSigner } from './services/evidence.js';
import { GovernanceService } from './services/governance.js';
import { ExplorerService } from './services/explorer.js';
import { KeysService } from './services/keys.js';
import { Submitter, type TxSigner } from './services/submit.js';
import { actorOf, dispatch } from './hosts/dispatch.js';
import { createHandlers } from './handlers/index.js';
import { Workspace, resolveWorkspaceDir } from './workspace/workspace.js';
import { VERSION } from './version.js';

import type { HostKind } from './handlers/context.js';
export type { HostKind };

export interface CharterOptions {
  host: HostKind;
  /** Workspace directory; default $CHARTER_WORKSPACE or the OS user-data dir. */
  workspace?: string | null;
  /** Use this custody node instead of the embedded devnet. */
  nodeUrl?: string | null;
  /** With nodeUrl: where that node's application read API answers, when not at nodeUrl (a CometBFT network node). */
  nodeApiUrl?: string | null;
  /** Embedded devnet block interval (default 1000 ms). */
  blockTimeMs?: number;
  /** Embedded devnet: a signed checkpoint of the receipt log every N blocks (default 10). */
  checkpointEvery?: number;
  /** Poll the node for new blocks and emit events (UI hosts; default true unless host is cli). */
  watch?: boolean;
  /** Where Output lines are echoed besides the panel (e.g. stderr). */
  outputSink?: (line: OutputLine) => void;
  /** Keystore KDF cost; tests may lower it, the product never does. */
  scrypt?: ScryptParams;
  /** PKCS#11 modules to load besides $CHARTER_PKCS11_MODULE and <workspace>/config.json (CLI --pkcs11-module). */
  pkcs11Modules?: (string | Pkcs11ModuleConfig)[];
  /** Enable Ledger devices (default: the setting or $CHARTER_LEDGER=1). */
  ledger?: boolean;
  /** Already-built key backends to add (tests: an emulated Ledger). */
  keyBackends?: KeyBackend[];
}

export interface Charter {
  readonly workspace: Workspace;
  readonly rpcUrl: string;
  readonly embedded: boolean;
  dispatch(method: string, input: unknown): Promise<CallResult<unknown>>;
  subscribe(listener: (event: EventName, payload: unknown) => void): () => void;
  readonly out: OutputLog;
  readonly services: {
    keys: KeysService;
    backends: KeyBackends;
    governance: GovernanceService;
    custody: CustodyService;
    explorer: ExplorerService;
    evidence: EvidenceService;
    audit: AuditLog;
    chain: ChainConnection;
  };
  close(): Promise<void>;
}

export async function createCharter(opts: CharterOptions): Promise<Charter> {
  const dir = resolveWorkspaceDir(opts.workspace);
  const workspace = Workspace.open(dir);
  const bus = new EventBus();
  const out = new OutputLog(bus, opts.outputSink);
  out.errorLog = new ErrorLog(workspace.dir);
  const audit = new AuditLog(workspace);
  audit.onAppend((e) => bus.emit('audit.appended', e));
  out.info('workspace', `opened ${dir} (schema v${workspace.schemaVersion()})`);

  let devnet: DevnetNode | null = null;
  let rpcUrl: string;
  let embedded = false;
  let admin: TxSigner | null = null;
  try {
    if (opts.nodeUrl) {
      rpcUrl = opts.nodeUrl;
    } else {
      try {
        devnet = await DevnetNode.start({
          home: workspace.devnetHome,
          rpcHost: '127.0.0.1',
          rpcPort: 0,
          blockTimeMs: opts.blockTimeMs ?? 1000,
          ...(opts.checkpointEvery !== undefined ? { checkpointEvery: opts.checkpointEvery } : {}),
          log: (level, msg) => out.write(level, 'devnet', msg),
        });
        rpcUrl = devnet.rpcUrl;
        embedded = true;
        workspace.setSetting('node.embeddedRpcUrl', rpcUrl);
        out.info('devnet', `embedded devnet ${devnet.chainId} serving ${rpcUrl}`);
      } catch (e) {
        // Another console holds this workspace's devnet: the CLI may still use it over RPC.
        const recorded = workspace.getSetting<string>('node.embeddedRpcUrl');
        if (e instanceof CharterError && e.code === 'WORKSPACE_LOCKED' && opts.host === 'cli' && recorded) {
          rpcUrl = recorded;
          embedded = true;
          out.info('devnet', `using the running console's devnet at ${rpcUrl}`);
        } else {
          throw e;
        }
      }
      const a = loadDevnetAdmin(workspace.devnetHome);
      admin = { keyId: a.keyId, sign: async (d) => a.sign(d) };
    }
  } catch (e) {
    workspace.close();
    throw e;
  }

  // The node registry: the embedded devnet (or the --node URL) is its one custody-chain entry.
  const nodes = new NodeRegistry({ bus, out }, NODE_ADAPTERS);
  const chain: ChainConnection = nodes.add({
    id: embedded ? 'devnet' : 'node',
    kind: 'custody-cometbft',
    url: rpcUrl,
    embedded,
    ...(opts.nodeUrl && opts.nodeApiUrl ? { apiUrl: opts.nodeApiUrl } : {}),
  });
  if (opts.watch ?? opts.host !== 'cli') chain.start();
  // Who signs for the chain's authority: the devnet admin (none on another node).
  const authority = new DevnetAdminAuthority(() => admin);
  const submitter = new Submitter(nodes);
  const keystore = new SoftwareKeystore(workspace.keystoreDir, opts.scrypt ?? DEFAULT_SCRYPT);
  const backends = new KeyBackends([keystore]);
  let keyConfig: KeyBackendConfig = resolveKeyBackendConfig(workspace, {
    ...(opts.pkcs11Modules ? { pkcs11Modules: opts.pkcs11Modules } : {}),
    ...(opts.ledger !== undefined ? { ledger: opts.ledger } : {}),
  });
  let deviceBackends = await addDeviceBackends(
    backends,
    keyConfig,
    workspace,
    (level, msg) => out.write(level, 'keys', msg),
    opts.watch ?? opts.host !== 'cli',
  );
  for (const b of opts.keyBackends ?? []) backends.add(b);
  backends.onChange((reason) => bus.emit('devices.changed', { reason }));
  /** Apply a changed Ledger setting at once: the device backends are rebuilt (and the module configuration read again). */
  const reconfigureBackends = async (): Promise<void> => {
    for (const b of deviceBackends) {
      backends.remove(b);
      await closeBackend(b);
    }
    keyConfig = resolveKeyBackendConfig(workspace, {
      ...(opts.pkcs11Modules ? { pkcs11Modules: opts.pkcs11Modules } : {}),
      ...(opts.ledger !== undefined ? { ledger: opts.ledger } : {}),
    });
    deviceBackends = await addDeviceBackends(backends, keyConfig, workspace, (level, msg) => out.write(level, 'keys', msg), opts.watch ?? opts.host !== 'cli');
  };
  const keys = new KeysService(backends, nodes, submitter, authority, bus, workspace);
  const custody = new CustodyService(nodes, submitter, keys, authority);
  const explorer = new ExplorerService(nodes);
  const evidence = new EvidenceService(
    chain,
    workspace,
    explorer,
    // Bundle attestations are signed by the console's signing key: on the embedded devnet its
    // validator key, which also signs the checkpoints, so the node's trust file covers both.
    () => {
      if (!embedded || !fs.existsSync(path.join(workspace.devnetHome, NODE_KEY_FILE))) return null;
      const v = loadOrCreateValidatorKey(workspace.devnetHome);
      return {
        key_id: keyIdOf('ed25519', v.publicKey),
        scheme: 'ed25519',
        public_key: Buffer.from(v.publicKey).toString('hex'),
        sign: (m: Uint8Array) => v.sign(m),
      };
    },
    (p) => bus.emit('evidence.progress', p),
    // Or a local key of the key registry, chosen per build (signerKeyId): a console on another node signs this way.
    (keyId, secret) => keyBundleSigner(backends, keyId, secret),
  );
  const governance = new GovernanceService(nodes, submitter, keys, authority);
  const addressBook = new AddressBook(workspace);

  const handlers = createHandlers({
    info: { version: VERSION, host: opts.host, workspace: dir, devnet: embedded, devnetAdminKeyId: admin?.keyId ?? null },
    workspace,
    chain,
    keys,
    custody,
    explorer,
    evidence,
    governance,
    addressBook,
    audit,
    out,
    keyBackends: { config: () => keyConfig, reconfigure: reconfigureBackends },
  });

  const actor = actorOf(opts.host);
  let closed = false;
  return {
    workspace,
    rpcUrl,
    embedded,
    out,
    services: { keys, backends, governance, custody, explorer, evidence, audit, chain },
    dispatch: (method, input) => dispatch({ handlers, audit, out, actor }, method, input),
    subscribe: (listener) => bus.subscribe((event, payload) => listener(event, payload)),
    async close() {
      if (closed) return;
      closed = true;
      await nodes.close();
      for (const b of backends.all()) await closeBackend(b);
      if (devnet) await devnet.stop();
      workspace.close();
    },
  };
}
