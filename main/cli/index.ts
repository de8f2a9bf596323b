/**
 * `charter` — the command line host of the same services the console uses.
 * Exit codes: 0 success, 1 failure (an error with a stable code is printed),
 * 64 usage error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { CharterError, ERROR_CODES, type SerializedError } from '../../core/errors.js';
import type { KeyView } from '../../core/contract/index.js';
import type { Charter } from '../app.js';
import { VERSION } from '../version.js';
import { isLoopback, parseDuration } from '../util/cli-args.js';
import { readSecret } from './prompt.js';
import { registerEvidenceCommands } from './evidence-cli.js';

// Heavy modules (SQLite, the chain client, the engine) load only in the verbs
// that need them, so `charter --help` and `charter version` answer at once.
const lazy = {
  app: () => import('../app.js'),
  serve: () => import('../hosts/serve.js'),
  node: () => import('../devnet/cli.js'),
  replay: () => import('../replay/cli.js'),
  keystore: () => import('../../hsm/software.js'),
  workspace: () => import('../workspace/workspace.js'),
  audit: () => import('../services/audit.js'),
  keyConfig: () => import('../services/key-config.js'),
  keysService: () => import('../services/keys.js'),
  bundle: () => import('../evidence/cli.js'),
};
async function openWorkspace(dir: string | undefined) {
  const { Workspace, resolveWorkspaceDir } = await lazy.workspace();
  return Workspace.open(resolveWorkspaceDir(dir));
}

export const EXIT_OK = 0;
export const EXIT_FAIL = 1;
export const EXIT_USAGE = 64;

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function printError(e: SerializedError, json: boolean): void {
  if (json) process.stdout.write(JSON.stringify({ ok: false, error: e }) + '\n');
  else process.stderr.write(`error ${e.code}: ${e.message}\n  ${e.hint}\n`);
}

function unwrap<T>(r: { ok: true; value: unknown } | { ok: false; error: SerializedError }): T {
  if (!r.ok) throw Object.assign(new CharterError(r.error.code, r.error.message, r.error.details));
  return r.value as T;
}

const workspaceOption = () => new Option('-w, --workspace <dir>', 'workspace directory (default: $CHARTER_WORKSPACE or the OS user-data dir)');

async function withCharter<T>(workspace: string | undefined, fn: (c: Charter) => Promise<T>, nodeUrl?: string, pkcs11Module?: string): Promise<T> {
  const { createCharter } = await lazy.app();
  const charter = await createCharter({ host: 'cli', workspace: workspace ?? null, nodeUrl: nodeUrl ?? null, watch: false, ...(pkcs11Module ? { pkcs11Modules: [pkcs11Module] } : {}) });
  try {
    return await fn(charter);
  } finally {
    await charter.close();
  }
}

function parsePort(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CharterError('USAGE', `not a port: "${s}"`);
  return n;
}

type AuditFn = (action: string, subject: string, error: unknown, details: Record<string, unknown>) => void;

/** The workspace's key backends without a node (software keystore + PKCS#11 modules + Ledger as configured), with an audit appender. */
async function withKeyBackends(
  o: { workspace?: string | undefined; module?: string | undefined; tokenLabel?: string | undefined; ledger?: boolean },
  fn: (ws: Awaited<ReturnType<typeof openWorkspace>>, registry: import('../../hsm/registry.js').KeyBackends, audit: AuditFn) => Promise<void>,
): Promise<void> {
  const ws = await openWorkspace(o.workspace);
  try {
    const { buildKeyBackends } = await lazy.keyConfig();
    const { AuditLog } = await lazy.audit();
    const { actorOf } = await import('../hosts/dispatch.js');
    const log = new AuditLog(ws);
    const audit: AuditFn = (action, subject, error, details) => {
      const code = error ? (error instanceof CharterError ? error.code : 'INTERNAL') : null;
      log.append({ actor: actorOf('cli'), action, subject, result: error ? 'error' : 'ok', details: error ? { code, message: (error as Error).message } : details });
    };
    // Ledger: when asked for (--backend ledger), or when this workspace already holds Ledger keys.
    const ledger = o.ledger || fs.existsSync(path.join(ws.dir, 'ledger-keys.json'));
    const { registry } = await buildKeyBackends(ws, { ...(o.module ? { pkcs11Modules: [{ modulePath: o.module, ...(o.tokenLabel ? { tokenLabel: o.tokenLabel } : {}) }] } : {}), ...(ledger ? { ledger: true } : {}) }, (level, msg) => {
      if (level === 'warn') process.stderr.write(`warning: ${msg}\n`);
    });
    await fn(ws, registry, audit);
  } finally {
    ws.close();
  }
}

export function buildProgram(): Command {
  const program = new Command('charter')
    .description('Charter Console: operator console for a permissioned custody ledger')
    .version(VERSION, '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('version')
    .description('print the console, engine and runtime versions')
    .option('--json', 'machine-readable output')
    .action((o: { json?: boolean }) => {
      const info = { charter: VERSION, node: process.versions.node, engine: 'custody-engine envelope v1', platform: `${process.platform}-${process.arch}` };
      if (o.json) console.log(JSON.stringify(info));
      else console.log(`Charter Console ${info.charter} (custody engine: envelope v1; Node ${info.node}; ${info.platform})`);
    });

  program
    .command('serve')
    .description('serve the console in a browser: the UI over HTTP and the contract over a WebSocket, on 127.0.0.1 with a session token')
    .addOption(workspaceOption())
    .option('-p, --port <n>', 'port to listen on (0 = any free port)', '0')
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--force-host', 'allow a non-loopback --host (the console becomes reachable from the network)')
    .option('--node <url>', 'use this custody node RPC instead of the embedded devnet')
    .option('--block-time <d>', 'embedded devnet block interval', '1s')
    .option('--pkcs11-module <path...>', 'PKCS#11 module(s) to use as key backends (besides $CHARTER_PKCS11_MODULE and the setting)')
    .option('--ledger', 'use Ledger devices as a key backend (default: the setting or $CHARTER_LEDGER=1)')
    .action(async (o: { workspace?: string; port: string; host: string; forceHost?: boolean; node?: string; blockTime: string; pkcs11Module?: string[]; ledger?: boolean }) => {
      const port = parsePort(o.port);
      if (!isLoopback(o.host) && !o.forceHost) {
        throw new CharterError('HOST_REFUSED', `refusing to listen on ${o.host}: the console would be reachable from the network`);
      }
      const { createCharter } = await lazy.app();
      const { startServe } = await lazy.serve();
      const charter = await createCharter({
        host: 'serve',
        workspace: o.workspace ?? null,
        nodeUrl: o.node ?? null,
        blockTimeMs: parseDuration(o.blockTime),
        ...(o.pkcs11Module?.length ? { pkcs11Modules: o.pkcs11Module } : {}),
        ...(o.ledger ? { ledger: true } : {}),
        outputSink: (l) => {
          if (l.level !== 'info') process.stderr.write(`[${l.level}] ${l.source}: ${l.message}\n`);
        },
      });
      let handle;
      try {
        handle = await startServe(charter, { host: o.host, port, force: !!o.forceHost, warn: (m) => process.stderr.write(m + '\n') });
      } catch (e) {
        await charter.close();
        throw e;
      }
      console.log(`Charter Console: ${handle.url}`);
      console.log(`  workspace: ${charter.workspace.dir}`);
      console.log(`  custody node: ${charter.rpcUrl}${charter.embedded ? ' (embedded devnet)' : ''}`);
      console.log('  Press Ctrl+C to stop.');
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await handle.close();
      await charter.close();
    });

  // `charter node --home …` runs the node; `charter node export --home … --out …` is a subcommand.
  // Commander hands "--home" to `node` even when it follows "export", so the
  // subcommand reads it through optsWithGlobals().
  const node = program
    .command('node')
    .description('run a standalone devnet custody node serving the CometBFT JSON-RPC subset, /explorer/* and /metrics/engine')
    .requiredOption('--home <dir>', 'node home directory (created if missing)')
    .option('--rpc <host:port>', 'RPC listen address', '127.0.0.1:26657')
    .option('--block-time <d>', 'block interval', '1s')
    .option('--empty-blocks', 'produce blocks even when there are no transactions')
    .option('--force-host', 'allow a non-loopback RPC address')
    .option('--checkpoint-every <n>', 'issue a signed checkpoint of the receipt log every N blocks', '10')
    .action(async (o: { home: string; rpc: string; blockTime: string; emptyBlocks?: boolean; forceHost?: boolean; checkpointEvery: string }) => {
      const { runNodeCommand } = await lazy.node();
      await runNodeCommand({ home: o.home, rpc: o.rpc, blockTime: o.blockTime, emptyBlocks: !!o.emptyBlocks, force: !!o.forceHost, checkpointEvery: o.checkpointEvery });
    });
  node
    .command('export')
    .description('write a stopped node\'s blocks as JSON lines (charter.blocks/v1, docs/formats/replay.md) for `charter replay --blocks`')
    .option('--home <dir>', 'node home directory (required; the node must not be running)')
    .requiredOption('--out <file>', 'output file ("-" for stdout)')
    .option('--from <height>', 'first height (default 1)')
    .option('--to <height>', 'last height (default: the latest)')
    .option('--json', 'machine-readable summary')
    .action(async (_o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ home?: string; out: string; from?: string; to?: string; json?: boolean }>();
      if (o.home === undefined) throw new CharterError('USAGE', "required option '--home <dir>' not specified");
      const { runExportCommand } = await lazy.replay();
      await runExportCommand({ home: o.home, out: o.out, ...(o.from !== undefined ? { from: o.from } : {}), ...(o.to !== undefined ? { to: o.to } : {}), ...(o.json ? { json: true } : {}) });
    });

  program
    .command('replay')
    .description('re-execute a chain from genesis and print the state-root history; --check compares with the recorded roots and result codes (exit 0 match, 1 diverged, 2 cannot tell)')
    .option('--home <dir>', 'a devnet home (its node must not be running)')
    .option('--blocks <file>', 'a charter.blocks/v1 export (charter node export)')
    .option('--check', 'compare with the recorded roots and result codes; report the first divergence')
    .option('--workers <n>', 'signature-verification worker threads (default: every core; 0 = none)')
    .option('--json', 'machine-readable output')
    .action(async (o: { home?: string; blocks?: string; check?: boolean; workers?: string; json?: boolean }) => {
      let workers: number | undefined;
      if (o.workers !== undefined) {
        if (!/^\d{1,2}$/.test(o.workers)) throw new CharterError('USAGE', `--workers must be a number, got ${JSON.stringify(o.workers)}`);
        workers = Number(o.workers);
      }
      const { runReplayCommand } = await lazy.replay();
      const code = await runReplayCommand({ ...(o.home !== undefined ? { home: o.home } : {}), ...(o.blocks !== undefined ? { blocks: o.blocks } : {}), check: !!o.check, json: !!o.json, ...(workers !== undefined ? { workers } : {}) });
      if (code !== EXIT_OK) throw new Exit(code);
    });

  const keys = program.command('keys').description('keys of the software keystore, PKCS#11 tokens and Ledger devices');
  keys
    .command('list')
    .description('list keys with their on-chain status')
    .addOption(workspaceOption())
    .option('--json', 'machine-readable output')
    .option('--node <url>', 'custody node RPC to read status from (default: the workspace devnet)')
    .option('--module <path>', 'also list the keys of this PKCS#11 module')
    .action(async (o: { workspace?: string; json?: boolean; node?: string; module?: string }) => {
      const list = await withCharter(o.workspace, async (c) => unwrap<{ keys: KeyView[]; problems: { backend: string; code: string; message: string }[] }>(await c.dispatch('keys.list', {})), o.node, o.module);
      if (o.json) {
        console.log(JSON.stringify(list));
        return;
      }
      if (list.keys.length === 0) {
        console.log('No keys yet. Create one with: charter keys create --label NAME');
        return;
      }
      for (const k of list.keys) {
        const extra = [k.roles.length ? `roles ${k.roles.join(',')}` : '', k.revalidateBy !== null ? `re-attest by ${k.revalidateBy}${k.revalidationDue ? ' (DUE)' : ''}` : ''].filter(Boolean).join('  ');
        console.log(`${k.keyId}  ${k.scheme.padEnd(9)}  ${k.backend.padEnd(8)}  ${k.onChain.padEnd(12)}  ${k.label}${extra ? '  ' + extra : ''}`);
      }
      for (const p of list.problems) console.error(`warning: the ${p.backend} backend could not list its keys: ${p.code}: ${p.message}`);
    });
  keys
    .command('generate')
    .description('generate a key on a backend and print its id, public key and attestation record (works offline)')
    .addOption(workspaceOption())
    .addOption(new Option('--backend <kind>', 'where the key is born').choices(['software', 'pkcs11', 'ledger']).makeOptionMandatory())
    .addOption(new Option('--algo <scheme>', 'signature scheme').choices(['ed25519', 'p256', 'secp256k1']).makeOptionMandatory())
    .requiredOption('--label <label>', 'a name for the key')
    .option('--module <path>', 'PKCS#11 module (shared library), e.g. /usr/lib/softhsm/libsofthsm2.so')
    .option('--token-label <label>', 'PKCS#11 token label (default: the first token)')
    .option('--pin-env <VAR>', 'read the PKCS#11 user PIN from this environment variable instead of prompting')
    .option('--passphrase-env <VAR>', 'read the software key passphrase from this environment variable instead of prompting')
    .option('--device <id>', 'device id (see `charter keys devices`)')
    .option('--path <bip44>', "Ledger derivation path, e.g. m/44'/60'/0'/0/0")
    .option('--json', 'machine-readable output')
    .action(async (o: { workspace?: string; backend: 'software' | 'pkcs11' | 'ledger'; algo: 'ed25519' | 'p256' | 'secp256k1'; label: string; module?: string; tokenLabel?: string; pinEnv?: string; passphraseEnv?: string; device?: string; path?: string; json?: boolean }) => {
      const label = o.label.trim();
      if (label.length < 1 || label.length > 64) throw new CharterError('USAGE', '--label must be 1–64 characters');
      if (o.backend !== 'pkcs11' && (o.module || o.tokenLabel || o.pinEnv)) throw new CharterError('USAGE', '--module, --token-label and --pin-env go with --backend pkcs11');
      const secret =
        o.backend === 'software'
          ? await readSecret({ envVar: o.passphraseEnv, prompt: `Passphrase for "${label}": `, confirm: true })
          : o.backend === 'pkcs11'
            ? await readSecret({ envVar: o.pinEnv, prompt: 'Token user PIN: ', flag: '--pin-env', what: 'PIN' })
            : undefined;
      await withKeyBackends({ ...o, ledger: o.backend === 'ledger' }, async (ws, registry, audit) => {
        const { storeAttestation } = await lazy.keysService();
        const input = { backend: o.backend, scheme: o.algo, label, ...(o.device ? { deviceId: o.device } : {}), ...(o.path ? { path: o.path } : {}) };
        let out;
        try {
          const { backend, info } = await registry.generate(o.backend, { label, scheme: o.algo, ...(o.device ? { deviceId: o.device } : {}), ...(o.path ? { path: o.path } : {}), ...(secret !== undefined ? { secret } : {}) });
          const attestation = storeAttestation(ws, await backend.attest(info.keyId, secret !== undefined ? { secret } : {}));
          out = { key: info, attestation };
        } catch (e) {
          audit('keys.generate', `${o.backend} key "${label}"`, e, { input });
          throw e;
        }
        audit('keys.generate', `key ${out.key.keyId}`, null, { keyId: out.key.keyId, attestationSha256: out.attestation.sha256, input });
        if (o.json) console.log(JSON.stringify(out));
        else {
          console.log(`Generated ${out.key.scheme} key ${out.key.keyId} ("${out.key.label}") on ${out.key.deviceId}`);
          console.log(`  public key:  ${out.key.publicKey}`);
          console.log(`  attestation: sha256:${out.attestation.sha256} (${out.attestation.artifact})`);
          console.log(JSON.stringify(out.attestation.record, null, 2));
        }
      });
    });
  keys
    .command('attest')
    .description("read a key's attestation record from its device, keep it in the workspace and print it (works offline)")
    .argument('<keyId>', 'key id (40 hex characters)')
    .addOption(workspaceOption())
    .option('--module <path>', 'PKCS#11 module holding the key')
    .option('--token-label <label>', 'PKCS#11 token label')
    .option('--pin-env <VAR>', 'read the PKCS#11 user PIN from this environment variable')
    .option('--passphrase-env <VAR>', 'read the software key passphrase from this environment variable')
    .option('--json', 'machine-readable output')
    .action(async (keyId: string, o: { workspace?: string; module?: string; tokenLabel?: string; pinEnv?: string; passphraseEnv?: string; json?: boolean }) => {
      if (!/^[0-9a-f]{40}$/.test(keyId)) throw new CharterError('USAGE', 'KEY_ID is 40 lower-case hex characters (see `charter keys list`)');
      await withKeyBackends(o, async (ws, registry, audit) => {
        const { storeAttestation } = await lazy.keysService();
        let out;
        try {
          const { backend, info } = await registry.find(keyId);
          const secret =
            backend.kind === 'software'
              ? await readSecret({ envVar: o.passphraseEnv, prompt: `Passphrase for "${info.label}": ` })
              : backend.kind === 'pkcs11'
                ? await readSecret({ envVar: o.pinEnv, prompt: 'Token user PIN: ', flag: '--pin-env', what: 'PIN' })
                : undefined;
          out = storeAttestation(ws, await backend.attest(keyId, secret !== undefined ? { secret } : {}));
        } catch (e) {
          audit('keys.attest', `key ${keyId}`, e, { input: { keyId } });
          throw e;
        }
        audit('keys.attest', `key ${keyId}`, null, { keyId, sha256: out.sha256, input: { keyId } });
        if (o.json) console.log(JSON.stringify(out));
        else {
          console.log(`Attestation of ${keyId}: sha256:${out.sha256}\n  kept at ${out.artifact}`);
          console.log(JSON.stringify(out.record, null, 2));
        }
      });
    });
  keys
    .command('import')
    .description('import a software key file (Web3 Secret Storage v3 for secp256k1, charter-keystore/v1 for ed25519/p256) into the keystore; the passphrase must open it (works offline)')
    .argument('<file>', 'the key file (JSON)')
    .addOption(workspaceOption())
    .option('--label <label>', 'a name for the key (default: the file\'s, or the Ethereum address)')
    .option('--passphrase-env <VAR>', 'read the file\'s passphrase from this environment variable instead of prompting')
    .option('--json', 'machine-readable output')
    .action(async (file: string, o: { workspace?: string; label?: string; passphraseEnv?: string; json?: boolean }) => {
      const label = o.label?.trim();
      if (label !== undefined && (label.length < 1 || label.length > 64)) throw new CharterError('USAGE', '--label must be 1–64 characters');
      let text: string;
      try {
        if (fs.statSync(file).size > 64 * 1024) throw new CharterError('KEYSTORE_CORRUPT', `${file} is larger than 64 KiB: not a key file`);
        text = fs.readFileSync(file, 'utf8');
      } catch (e) {
        if (e instanceof CharterError) throw e;
        throw new CharterError('USAGE', `cannot read ${file}: ${(e as Error).message}`);
      }
      const { labelCheck } = await lazy.keysService();
      labelCheck(text, label);
      const secret = await readSecret({ envVar: o.passphraseEnv, prompt: `Passphrase of ${path.basename(file)}: ` });
      await withKeyBackends(o, async (_ws, registry, audit) => {
        const { SoftwareKeystore } = await lazy.keystore();
        let info;
        try {
          const ks = registry.all().find((b): b is InstanceType<typeof SoftwareKeystore> => b instanceof SoftwareKeystore);
          if (!ks) throw new CharterError('KEY_NOT_FOUND', 'no software keystore is configured');
          info = await ks.importFile(text, secret, label !== undefined ? { label } : {});
        } catch (e) {
          audit('keys.import', 'key file', e, {});
          throw e;
        }
        audit('keys.import', `key ${info.keyId}`, null, { keyId: info.keyId, input: { ...(label !== undefined ? { label } : {}) } });
        if (o.json) console.log(JSON.stringify({ keyId: info.keyId, scheme: info.scheme, publicKey: info.publicKey, label: info.label, backend: info.backend }));
        else {
          console.log(`Imported ${info.scheme} key ${info.keyId} ("${info.label}")`);
          console.log(`  public key:  ${info.publicKey}`);
        }
      });
    });
  keys
    .command('export')
    .description("write a software key's keystore file, still encrypted under its passphrase (mode 0600; works offline)")
    .argument('<keyId>', 'key id (40 hex characters)')
    .requiredOption('--out <file>', 'where to write the file')
    .option('--force', 'overwrite an existing file')
    .addOption(workspaceOption())
    .option('--json', 'machine-readable output')
    .action(async (keyId: string, o: { out: string; force?: boolean; workspace?: string; json?: boolean }) => {
      if (!/^[0-9a-f]{40}$/.test(keyId)) throw new CharterError('USAGE', 'KEY_ID is 40 lower-case hex characters (see `charter keys list`)');
      await withKeyBackends(o, async (_ws, registry, audit) => {
        const { SoftwareKeystore } = await lazy.keystore();
        const { writeFileAtomic } = await import('../../hsm/atomic-file.js');
        let out;
        try {
          const ks = registry.all().find((b): b is InstanceType<typeof SoftwareKeystore> => b instanceof SoftwareKeystore);
          if (!ks) throw new CharterError('KEY_NOT_FOUND', 'no software keystore is configured');
          out = await ks.exportFile(keyId);
          try {
            if (o.force) writeFileAtomic(o.out, out.text, 0o600);
            else {
              // 'wx': fails if the file exists, so nothing is ever overwritten without --force.
              const fd = fs.openSync(o.out, 'wx', 0o600);
              try {
                fs.writeSync(fd, out.text);
                fs.fsyncSync(fd);
              } catch (e) {
                fs.closeSync(fd);
                fs.rmSync(o.out, { force: true }); // the file this call created, half written
                throw e;
              }
              fs.closeSync(fd);
            }
          } catch (e) {
            const code = (e as NodeJS.ErrnoException).code;
            throw new CharterError('EXPORT_FAILED', code === 'EEXIST' ? `${o.out} exists; pass --force to overwrite it` : `cannot write ${o.out}: ${(e as Error).message}`);
          }
        } catch (e) {
          audit('keys.export', `key ${keyId}`, e, { input: { keyId } });
          throw e;
        }
        audit('keys.export', `key ${keyId}`, null, { keyId, input: { keyId } });
        const file = path.resolve(o.out);
        if (o.json) console.log(JSON.stringify({ keyId, file, fileName: out.fileName }));
        else console.log(`Exported key ${keyId} to ${file} (still encrypted under its passphrase; conventional name ${out.fileName})`);
      });
    });
  keys
    .command('devices')
    .description('list the devices of the configured key backends and their state (works offline)')
    .addOption(workspaceOption())
    .option('--module <path>', 'also a PKCS#11 module')
    .option('--ledger', 'also Ledger devices')
    .option('--json', 'machine-readable output')
    .action(async (o: { workspace?: string; module?: string; ledger?: boolean; json?: boolean }) => {
      await withKeyBackends(o, async (_ws, registry) => {
        const devices = await registry.devices();
        if (o.json) console.log(JSON.stringify({ devices }));
        else for (const d of devices) console.log(`${d.deviceId}  ${d.backend.padEnd(8)}  ${d.state.padEnd(13)}  ${d.label}${d.detail ? '  ' + d.detail : ''}`);
      });
    });
  keys
    .command('create')
    .description('generate an Ed25519 key, encrypted under a passphrase (works offline)')
    .addOption(workspaceOption())
    .requiredOption('--label <label>', 'a name for the key')
    .option('--passphrase-env <VAR>', 'read the passphrase from this environment variable instead of prompting')
    .option('--json', 'machine-readable output')
    .action(async (o: { workspace?: string; label: string; passphraseEnv?: string; json?: boolean }) => {
      const label = o.label.trim();
      if (label.length < 1 || label.length > 64) throw new CharterError('USAGE', '--label must be 1–64 characters');
      const passphrase = await readSecret({ envVar: o.passphraseEnv, prompt: `Passphrase for "${label}": `, confirm: true });
      const ws = await openWorkspace(o.workspace);
      try {
        const { SoftwareKeystore } = await lazy.keystore();
        const { AuditLog } = await lazy.audit();
        const { actorOf } = await import('../hosts/dispatch.js');
        const audit = new AuditLog(ws);
        let info;
        try {
          info = await new SoftwareKeystore(ws.keystoreDir).generate({ label, secret: passphrase, scheme: 'ed25519' });
        } catch (e) {
          // Audited like the console's keys.create: failures too, with their code.
          const code = e instanceof CharterError ? e.code : 'INTERNAL';
          audit.append({ actor: actorOf('cli'), action: 'keys.create', subject: `"${label}"`, result: 'error', details: { code, message: (e as Error).message } });
          throw e;
        }
        audit.append({ actor: actorOf('cli'), action: 'keys.create', subject: `key ${info.keyId}`, result: 'ok', details: { keyId: info.keyId, input: { label } } });
        if (o.json) console.log(JSON.stringify(info));
        else console.log(`Created ${info.scheme} key ${info.keyId} ("${info.label}")\n  public key: ${info.publicKey}\n  keystore:   ${path.join(ws.keystoreDir, info.keyId + '.json')}`);
      } finally {
        ws.close();
      }
    });

  const audit = program.command('audit').description('the workspace audit log');
  audit
    .command('verify')
    .description('check the audit log hash chain; exit 1 if any entry was edited or removed')
    .addOption(workspaceOption())
    .option('--json', 'machine-readable output')
    .action(async (o: { workspace?: string; json?: boolean }) => {
      const ws = await openWorkspace(o.workspace);
      try {
        const { AuditLog } = await lazy.audit();
        const r = new AuditLog(ws).verify();
        if (o.json) console.log(JSON.stringify(r));
        else if (r.ok) console.log(`audit log OK: ${r.count} entries chain correctly`);
        else console.log(`audit log BROKEN at entry ${r.firstBad?.seq}: ${r.firstBad?.reason}`);
        if (!r.ok) throw new Exit(EXIT_FAIL);
      } finally {
        ws.close();
      }
    });
  audit
    .command('list')
    .description('print audit log entries, newest first')
    .addOption(workspaceOption())
    .option('-n, --limit <n>', 'how many', '50')
    .option('--json', 'machine-readable output')
    .action(async (o: { workspace?: string; limit: string; json?: boolean }) => {
      const ws = await openWorkspace(o.workspace);
      try {
        const { AuditLog } = await lazy.audit();
        const entries = new AuditLog(ws).list(Number(o.limit) || 50);
        if (o.json) console.log(JSON.stringify({ entries }));
        else for (const e of entries) console.log(`#${e.seq}  ${e.time}  ${e.actor}  ${e.action}  ${e.subject}  ${e.result}`);
      } finally {
        ws.close();
      }
    });

  const evidence = program.command('evidence').description('evidence files');
  evidence
    .command('export')
    .description('write the evidence file (canonical JSON) of an executed withdrawal')
    .addOption(workspaceOption())
    .requiredOption('--request <id>', 'withdrawal request id (wr-…)')
    .requiredOption('--out <file>', 'where to write it ("-" for stdout)')
    .option('--node <url>', 'custody node RPC (default: the workspace devnet)')
    .action(async (o: { workspace?: string; request: string; out: string; node?: string }) => {
      const r = await withCharter(
        o.workspace,
        async (c) => unwrap<{ content: string; sha256: string; fileName: string }>(await c.dispatch('evidence.exportWithdrawal', { requestId: o.request })),
        o.node,
      );
      if (o.out === '-') process.stdout.write(r.content + '\n');
      else {
        try {
          fs.writeFileSync(o.out, r.content);
        } catch (e) {
          throw new CharterError('EXPORT_FAILED', `cannot write ${o.out}: ${(e as Error).message}`);
        }
        console.error(`wrote ${o.out} (sha256 ${r.sha256})`);
      }
    });

  const bundle = program.command('bundle').description('evidence bundles: zip + manifest + signed attestations (docs/formats/evidence-bundle.md)');
  bundle
    .command('build')
    .description('build and sign an evidence bundle: a custody case (--case) or a history segment (--segment FROM:TO)')
    .addOption(workspaceOption())
    .option('--case <request id>', 'an executed withdrawal request (wr-…)')
    .option('--segment <from:to>', 'a height range, e.g. 1:100')
    .requiredOption('--out <file>', 'where to write the zip')
    .option('--node <url>', 'custody node RPC (default: the workspace devnet)')
    .option('--key <KEY_ID>', 'sign the attestation with this local key of the keystore (needed with --node; the verifier then needs a trust file naming it)')
    .option('--passphrase-env <VAR>', 'with --key: read the key\'s passphrase from this environment variable instead of prompting')
    .option('--pin-env <VAR>', 'with --key: read a token PIN from this environment variable')
    .option('--json', 'machine-readable summary')
    .action(async (o: { workspace?: string; case?: string; segment?: string; out: string; node?: string; key?: string; passphraseEnv?: string; pinEnv?: string; json?: boolean }) => {
      if ((o.case === undefined) === (o.segment === undefined)) throw new CharterError('USAGE', 'give exactly one of --case <request id> and --segment FROM:TO');
      if (o.key !== undefined && !/^[0-9a-f]{40}$/.test(o.key)) throw new CharterError('USAGE', '--key takes a KEY_ID: 40 lower-case hex characters (see `charter keys list`)');
      if (o.key === undefined && (o.passphraseEnv !== undefined || o.pinEnv !== undefined)) throw new CharterError('USAGE', '--passphrase-env and --pin-env go with --key');
      let signer: { signerKeyId?: string; secret?: string } = {};
      if (o.key !== undefined) {
        const secret =
          o.pinEnv !== undefined
            ? await readSecret({ envVar: o.pinEnv, prompt: 'Token user PIN: ', flag: '--pin-env', what: 'PIN' })
            : await readSecret({ envVar: o.passphraseEnv, prompt: `Passphrase for key ${o.key}: ` });
        signer = { signerKeyId: o.key, secret };
      }
      let call: [string, unknown];
      if (o.case !== undefined) call = ['evidence.buildCase', { requestId: o.case, ...signer }];
      else {
        const m = /^(\d{1,12}):(\d{1,12})$/.exec(o.segment as string);
        if (!m || Number(m[1]) < 1 || Number(m[2]) < Number(m[1])) throw new CharterError('USAGE', `--segment must be FROM:TO with 1 ≤ FROM ≤ TO, got ${JSON.stringify(o.segment)}`);
        call = ['evidence.buildSegment', { from: Number(m[1]), to: Number(m[2]), ...signer }];
      }
      const r = await withCharter(
        o.workspace,
        async (c) => unwrap<{ contentBase64: string; sha256: string; manifestSha256: string; members: number; artifact: string; size: number; missing?: string[] }>(await c.dispatch(call[0], call[1])),
        o.node,
      );
      try {
        fs.writeFileSync(o.out, Buffer.from(r.contentBase64, 'base64'));
      } catch (e) {
        throw new CharterError('EXPORT_FAILED', `cannot write ${o.out}: ${(e as Error).message}`);
      }
      const { contentBase64: _content, ...summary } = r;
      if (o.json) console.log(JSON.stringify({ ...summary, out: o.out }));
      else console.error(`wrote ${o.out}: ${r.members} members, ${r.size} bytes, sha256 ${r.sha256}, manifest sha256 ${r.manifestSha256}`);
      if (!o.json) for (const m of r.missing ?? []) console.error(`not in the bundle yet: ${m}`);
    });
  bundle
    .command('verify')
    .description('verify an evidence bundle offline: every check with pass, fail or unknown (exit 0 all pass, 1 any fails, 2 some unknown)')
    .argument('<file>', 'the bundle (zip)')
    .option('--trust <file>', 'trust file (JSON) naming the keys that may sign attestations and checkpoints')
    .option('--json', 'machine-readable output')
    .action(async (file: string, o: { trust?: string; json?: boolean }) => {
      const { runBundleVerify } = await lazy.bundle();
      const code = await runBundleVerify({ file, ...(o.trust !== undefined ? { trust: o.trust } : {}), ...(o.json ? { json: true } : {}) });
      if (code !== EXIT_OK) throw new Exit(code);
    });
  registerEvidenceCommands(program);

  return program;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram();
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv);
    return EXIT_OK;
  } catch (e) {
    if (e instanceof Exit) return e.code;
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return EXIT_OK;
      return EXIT_USAGE;
    }
    if (e instanceof CharterError) {
      printError(e.toJSON(), json);
      return e.code === 'USAGE' ? EXIT_USAGE : EXIT_FAIL;
    }
    printError({ code: 'INTERNAL', message: (e as Error)?.stack ?? String(e), hint: ERROR_CODES.INTERNAL.hint }, json);
    return EXIT_FAIL;
  }
}
