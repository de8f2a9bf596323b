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
import { addDeviceBackends, closeBackend, configFileOf, ENV_PKCS11_MODULE, resolveKeyBackendConfig, SETTING_LEDGER_ENABLED, type KeyBackendConfig, type Pkcs11ModuleConfig } from './services/key-config.js';
import fs from 'node:fs';
import path from 'node:path';
import { keyIdOf } from '../core/codec/index.js';
import { DevnetNode, loadDevnetAdmin } from './devnet/node.js';
import { NODE_KEY_FILE, loadOrCreateValidatorKey } from './devnet/keys.js';
import { AddressBook } from './services/address-book.js';
import { milestones } from './services/milestones.js';
import { AuditLog } from './services/audit.js';
import { EventBus, OutputLog } from './services/bus.js';
import { ErrorLog } from './services/error-log.js';
import { ChainConnection } from './services/chain.js';
import { NodeRegistry } from './nodes/registry.js';
import { NODE_ADAPTERS } from './nodes/adapters.js';
import { DevnetAdminAuthority } from './authority/devnet-admin.js';
import { CustodyService } from './services/custody.js';
import { EvidenceService, keyBundleSigner } from './services/evidence.js';
import { checkedActionJson, GovernanceService, parseActionJson } from './services/governance.js';
import type { GovAction } from '../core/engine/types.js';
import { ExplorerService } from './services/explorer.js';
import { KeysService } from './services/keys.js';
import { Submitter, type TxSigner } from './services/submit.js';
import { actorOf, dispatch, type Handlers } from './hosts/dispatch.js';
import { Workspace, resolveWorkspaceDir } from './workspace/workspace.js';
import { VERSION } from './version.js';
import { WorkbenchLayout } from '../core/contract/index.js';

/** Workspace setting holding the renderer's layout (validated by WorkbenchLayout on the way in and out). */
const SETTING_WORKBENCH_LAYOUT = 'ui.workbenchLayout';

export type HostKind = 'electron' | 'serve' | 'cli';

export interface CharterOptions {
  host: HostKind;
  /** Workspace directory; default $CHARTER_WORKSPACE or the OS user-data dir. */
  workspace?: string | null;
  /** Use this custody node instead of the embedded devnet. */
  nodeUrl?: string | null;
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
  const chain: ChainConnection = nodes.add({ id: embedded ? 'devnet' : 'node', kind: 'custody-cometbft', url: rpcUrl, embedded });
  if (opts.watch ?? opts.host !== 'cli') chain.start();
  // Who signs for the chain's authority: the devnet admin (none on another node).
  const authority = new DevnetAdminAuthority(() => admin);
  const submitter = new Submitter(nodes);
  const keystore = new SoftwareKeystore(workspace.keystoreDir, opts.scrypt ?? DEFAULT_SCRYPT);
  const backends = new KeyBackends([keystore]);
  let keyConfig: KeyBackendConfig = resolveKeyBackendConfig(workspace, { ...(opts.pkcs11Modules ? { pkcs11Modules: opts.pkcs11Modules } : {}), ...(opts.ledger !== undefined ? { ledger: opts.ledger } : {}) });
  let deviceBackends = await addDeviceBackends(backends, keyConfig, workspace, (level, msg) => out.write(level, 'keys', msg), opts.watch ?? opts.host !== 'cli');
  for (const b of opts.keyBackends ?? []) backends.add(b);
  backends.onChange((reason) => bus.emit('devices.changed', { reason }));
  /** Apply a changed Ledger setting at once: the device backends are rebuilt (and the module configuration read again). */
  const reconfigureBackends = async (): Promise<void> => {
    for (const b of deviceBackends) {
      backends.remove(b);
      await closeBackend(b);
    }
    keyConfig = resolveKeyBackendConfig(workspace, { ...(opts.pkcs11Modules ? { pkcs11Modules: opts.pkcs11Modules } : {}), ...(opts.ledger !== undefined ? { ledger: opts.ledger } : {}) });
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
      return { key_id: keyIdOf('ed25519', v.publicKey), scheme: 'ed25519', public_key: Buffer.from(v.publicKey).toString('hex'), sign: (m: Uint8Array) => v.sign(m) };
    },
    (p) => bus.emit('evidence.progress', p),
    // Or a local key of the key registry, chosen per build (signerKeyId): a console on another node signs this way.
    (keyId, secret) => keyBundleSigner(backends, keyId, secret),
  );
  const signerChoice = (i: { signerKeyId?: string | undefined; secret?: string | undefined }) =>
    i.signerKeyId === undefined ? undefined : { keyId: i.signerKeyId, ...(i.secret !== undefined ? { secret: i.secret } : {}) };
  const governance = new GovernanceService(nodes, submitter, keys, authority);
  const addressBook = new AddressBook(workspace);

  // PKCS#11 modules are shown, never set: they come from the command line, the environment or the configuration file.
  const settingsView = () => ({
    theme: workspace.getSetting<'dark' | 'light'>('ui.theme') ?? 'dark',
    ledgerEnabled: workspace.getSetting<boolean>(SETTING_LEDGER_ENABLED) ?? false,
    pkcs11Modules: keyConfig.pkcs11.map((m) => ({
      path: m.modulePath,
      source: m.source,
      origin: m.origin,
      tokenLabel: m.tokenLabel ?? null,
      problem: m.problem ?? null,
    })),
    pkcs11Config: {
      file: configFileOf(workspace),
      environment: ENV_PKCS11_MODULE,
      flag: '--pkcs11-module',
      problem: keyConfig.configProblem ? { code: keyConfig.configProblem.code, message: keyConfig.configProblem.message } : null,
    },
  });

  const handlers: Handlers = {
    'app.info': async () => ({ version: VERSION, host: opts.host, workspace: dir, devnet: embedded, devnetAdminKeyId: admin?.keyId ?? null }),
    'node.status': async () => chain.status(),
    'keys.devices': async () => ({ devices: await keys.devices() }),
    'keys.list': async () => keys.list(),
    'keys.create': async (i) => keys.create(i.label, i.passphrase, i.confirmPassphrase),
    'keys.generate': async (i) => keys.generate(i),
    'keys.attest': async (i) => keys.attest(i),
    'keys.import': async (i) => keys.importFile(i.fileText, i.passphrase, i.label),
    'keys.export': async (i) => keys.exportFile(i.keyId),
    'keys.register': async (i) => keys.register(i.keyId, { secret: i.secret, revalidateInBlocks: i.revalidateInBlocks }),
    'keys.setRoles': async (i) => keys.setRoles(i),
    'keys.rotate': async (i) => keys.rotate(i),
    'keys.retire': async (i) => keys.retire(i),
    'keys.revoke': async (i) => keys.revoke(i),
    'custody.listVaults': async () => ({ vaults: await custody.listVaults() }),
    'custody.createVault': async (i) => custody.createVault(i),
    'custody.fundVault': async (i) => custody.fundVault(i),
    'custody.listRequests': async (i) => ({ requests: await custody.listRequests(i.vaultId) }),
    'custody.getRequest': async (i) => custody.getRequest(i.requestId),
    'custody.createWithdrawal': async (i) => custody.createWithdrawal(i),
    'custody.precheck': async (i) => custody.precheck(i.requestId),
    'custody.previewApproval': async (i) => custody.previewApproval(i),
    'custody.approve': async (i) => custody.approve(i),
    'custody.previewCancel': async (i) => custody.previewCancel(i),
    'custody.cancel': async (i) => custody.cancel(i),
    'addressBook.list': async () => ({ entries: addressBook.list() }),
    'addressBook.add': async (i) => addressBook.add(i),
    'addressBook.remove': async (i) => ({ removed: addressBook.remove(i.name) }),
    'app.milestones': async () => milestones(workspace),
    'explorer.overview': async (i) => explorer.overview(i.limit),
    'explorer.block': async (i) => explorer.block(i.height),
    'explorer.tx': async (i) => explorer.tx(i.hash),
    'explorer.search': async (i) => explorer.search(i.query),
    'evidence.exportWithdrawal': async (i) => evidence.exportWithdrawal(i.requestId),
    'evidence.buildCase': async (i) => evidence.buildCase(i.requestId, signerChoice(i)),
    'evidence.buildSegment': async (i) => evidence.buildSegment(i.from, i.to, signerChoice(i)),
    'evidence.uploadChunk': async (i) => evidence.uploadChunk(i.uploadId, i.chunkBase64),
    'evidence.verifyBundle': async (i) => evidence.verify(i),
    'evidence.saveTrust': async (i) => evidence.saveTrust(i.name, i.trustText),
    'evidence.nodeTrust': async () => evidence.nodeTrust(),
    'evidence.loadTrust': async () => ({ saved: evidence.loadTrust() }),
    'evidence.clearTrust': async () => evidence.clearTrust(),
    'evidence.readMember': async (i) => evidence.readMember(i.bundleId, i.path),
    'governance.list': async () => ({ proposals: await governance.list() }),
    'governance.propose': async (i) => governance.propose({ track: i.track, action: (i.action ?? parseActionJson(i.actionJson as string)) as unknown as GovAction, votingPeriodBlocks: i.votingPeriodBlocks, keyId: i.keyId, passphrase: i.passphrase, expected: i.expected }),
    'governance.vote': async (i) => governance.vote(i),
    'governance.execute': async (i) => governance.execute(i),
    'governance.preview': async (i) =>
      governance.preview(i.op === 'propose' ? { op: 'propose', track: i.track, action: (i.action ?? checkedActionJson(i.actionJson as string)) as unknown as GovAction, votingPeriodBlocks: i.votingPeriodBlocks, keyId: i.keyId } : i),
    'security.events': async (i) => {
      const client = await chain.get();
      const page = await client.securityEvents({
        ...(i.kind ? { kind: i.kind } : {}),
        ...(i.keyId ? { key: i.keyId } : {}),
        ...(i.vaultId ? { vault: i.vaultId } : {}),
        ...(i.fromHeight !== undefined ? { from: i.fromHeight } : {}),
        ...(i.toHeight !== undefined ? { to: i.toHeight } : {}),
        ...(i.before !== undefined ? { before: i.before } : {}),
        ...(i.stage !== undefined ? { stage: i.stage } : {}),
        limit: i.limit,
      });
      return { height: page.height, events: page.events, nextBefore: page.nextBefore };
    },
    'audit.list': async ({ limit, before, ...filter }) => audit.page(limit, filter, before),
    'audit.export': async ({ format, ...filter }) => audit.export(format, filter),
    'audit.verify': async () => audit.verify(),
    'output.recent': async () => ({ lines: out.recent() }),
    'workbench.getLayout': async () => {
      const saved = WorkbenchLayout.safeParse(workspace.getSetting<unknown>(SETTING_WORKBENCH_LAYOUT));
      return { layout: saved.success ? saved.data : null };
    },
    'workbench.setLayout': async (i) => {
      workspace.setSetting(SETTING_WORKBENCH_LAYOUT, i.layout);
      return { saved: true as const };
    },
    'settings.get': async () => settingsView(),
    'settings.set': async (i) => {
      if (i.theme) workspace.setSetting('ui.theme', i.theme);
      if (i.ledgerEnabled !== undefined) {
        workspace.setSetting(SETTING_LEDGER_ENABLED, i.ledgerEnabled);
        await reconfigureBackends();
      }
      return settingsView();
    },
  };

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
