/**
 * `charter` — the command line host of the same services the console uses.
 * Exit codes: 0 success, 1 failure (an error with a stable code is printed),
 * 64 usage error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { CharterError, type SerializedError } from '../../core/errors.js';
import type { ContractApi } from '../../core/contract/client.js';
import type { Charter } from '../app.js';
import { VERSION } from '../version.js';
import { isLoopback } from '../../base/node/net.js';
import { parseDuration } from '../util/cli-args.js';
import { readSecret } from './prompt.js';
import { checkOut, cleanText, jsonLine, jsonText, say, sayErr, writeOut } from './output.js';
import { registerEvidenceCommands } from './evidence-cli.js';
import { checkKeyId, printPem, registerTrustCommands } from './pem-cli.js';

// Heavy modules (SQLite, the chain client, the engine) load only in the verbs
// that need them, so `charter --help` and `charter version` answer at once.
const lazy = {
  app: () => import('../app.js'),
  client: () => import('../../core/contract/client.js'),
  serve: () => import('../hosts/serve.js'),
  node: () => import('../devnet/cli.js'),
  abci: () => import('../abci/cli.js'),
  net: () => import('../net/cli.js'),
  replay: () => import('../replay/cli.js'),
  keystore: () => import('../../hsm/software.js'),
  workspace: () => import('../workspace/workspace.js'),
  audit: () => import('../services/audit.js'),
  keyConfig: () => import('../services/key-config.js'),
  keysService: () => import('../services/keys.js'),
  bundle: () => import('../evidence/cli.js'),
  witness: () => import('../witness/cli.js'),
};
async function openWorkspace(dir: string | undefined) {
  const { Workspace, resolveWorkspaceDir } = await lazy.workspace();
  return Workspace.open(resolveWorkspaceDir(dir));
}

/** The CLI prints an unexpected error's stack on the operator's own terminal (no Output panel, no renderer). */
const CLI_INTERNAL_HINT = 'An unexpected error in the command line itself; the stack above says where. Nothing was changed.';

export const EXIT_OK = 0;
export const EXIT_FAIL = 1;
export const EXIT_USAGE = 64;

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function printError(e: SerializedError, json: boolean): void {
  if (json) jsonLine({ ok: false, error: e });
  // One line per message (a message from outside cannot fake more lines); the CLI's own stack keeps its lines.
  else sayErr(`error ${e.code}: ${e.code === 'INTERNAL' ? e.message : cleanText(e.message)}\n  ${cleanText(e.hint)}`);
}

/** The two script-friendly ways to pass a secret (besides the prompt): a file descriptor, or an environment variable. */
const passphraseFdOption = (what = 'the software key passphrase') =>
  new Option('--passphrase-fd <N>', `read ${what} from the first line of file descriptor N (e.g. 3 with 3<file or a pipe)`);
const pinFdOption = (what = 'the PKCS#11 user PIN') => new Option('--pin-fd <N>', `read ${what} from the first line of file descriptor N`);
const PIN = { prompt: 'Token user PIN: ', flag: '--pin-env', fdFlag: '--pin-fd', what: 'PIN' } as const;

const workspaceOption = () => new Option('-w, --workspace <dir>', 'workspace directory (default: $CHARTER_WORKSPACE or the OS user-data dir)');

/** A console on the workspace for one verb; `api` calls its contract operations with their real types. */
async function withCharter<T>(
  workspace: string | undefined,
  fn: (api: ContractApi, c: Charter) => Promise<T>,
  nodeUrl?: string,
  pkcs11Module?: string,
): Promise<T> {
  const { createCharter } = await lazy.app();
  const { contractApi } = await lazy.client();
  const charter = await createCharter({
    host: 'cli',
    workspace: workspace ?? null,
    nodeUrl: nodeUrl ?? null,
    watch: false,
    ...(pkcs11Module ? { pkcs11Modules: [pkcs11Module] } : {}),
  });
  try {
    return await fn(contractApi(charter.dispatch), charter);
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
      log.append({
        actor: actorOf('cli'),
        action,
        subject,
        result: error ? 'error' : 'ok',
        details: error ? { code, message: (error as Error).message } : details,
      });
    };
    // Ledger: when asked for (--backend ledger), or when this workspace already holds Ledger keys.
    const ledger = o.ledger || fs.existsSync(path.join(ws.dir, 'ledger-keys.json'));
    const { registry } = await buildKeyBackends(
      ws,
      {
        ...(o.module ? { pkcs11Modules: [{ modulePath: o.module, ...(o.tokenLabel ? { tokenLabel: o.tokenLabel } : {}) }] } : {}),
        ...(ledger ? { ledger: true } : {}),
      },
      (level, msg) => {
        if (level === 'warn') sayErr(`warning: ${msg}`);
      },
    );
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
      if (o.json) jsonLine(info);
      else say(`Charter Console ${info.charter} (custody engine: envelope v1; Node ${info.node}; ${info.platform})`);
    });

  program
    .command('serve')
    .description('serve the console in a browser: the UI over HTTP and the contract over a WebSocket, on 127.0.0.1 with a session token')
    .addOption(workspaceOption())
    .option('-p, --port <n>', 'port to listen on (0 = any free port)', '0')
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--force-host', 'allow a non-loopback --host (the console becomes reachable from the network)')
    .option('--node <url>', 'use this custody node RPC instead of the embedded devnet')
    .option('--node-api <url>', "with --node: the node's application read API, when not at the RPC URL (charter abci --api on a CometBFT network)")
    .option('--block-time <d>', 'embedded devnet block interval', '1s')
    .option(
      '--pkcs11-module <path...>',
      'PKCS#11 module(s) to use as key backends (besides $CHARTER_PKCS11_MODULE and <workspace>/config.json); absolute paths of files only root or you can change',
    )
    .option('--ledger', 'use Ledger devices as a key backend (default: the setting or $CHARTER_LEDGER=1)')
    .action(
      async (o: {
        workspace?: string;
        port: string;
        host: string;
        forceHost?: boolean;
        node?: string;
        nodeApi?: string;
        blockTime: string;
        pkcs11Module?: string[];
        ledger?: boolean;
      }) => {
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
          nodeApiUrl: o.nodeApi ?? null,
          blockTimeMs: parseDuration(o.blockTime),
          ...(o.pkcs11Module?.length ? { pkcs11Modules: o.pkcs11Module } : {}),
          ...(o.ledger ? { ledger: true } : {}),
          outputSink: (l) => {
            if (l.level !== 'info') sayErr(`[${l.level}] ${l.source}: ${l.message}`);
          },
        });
        let handle;
        try {
          handle = await startServe(charter, { host: o.host, port, force: !!o.forceHost, warn: (m) => sayErr(m) });
        } catch (e) {
          await charter.close();
          throw e;
        }
        say(`Charter Console: ${handle.url}`);
        say(`  workspace: ${charter.workspace.dir}`);
        say(`  custody node: ${charter.rpcUrl}${charter.embedded ? ' (embedded devnet)' : ''}`);
        say('  Press Ctrl+C to stop.');
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
      },
    );

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
    .option('--snapshot-every <n>', 'write a state snapshot every N blocks (restart re-executes at most N blocks)', '1000')
    .action(
      async (o: {
        home: string;
        rpc: string;
        blockTime: string;
        emptyBlocks?: boolean;
        forceHost?: boolean;
        checkpointEvery: string;
        snapshotEvery: string;
      }) => {
        const { runNodeCommand } = await lazy.node();
        await runNodeCommand({
          home: o.home,
          rpc: o.rpc,
          blockTime: o.blockTime,
          emptyBlocks: !!o.emptyBlocks,
          force: !!o.forceHost,
          checkpointEvery: o.checkpointEvery,
          snapshotEvery: o.snapshotEvery,
        });
      },
    );
  node
    .command('export')
    .description("write a stopped node's blocks as JSON lines (charter.blocks/v1, docs/formats/replay.md) for `charter replay --blocks`")
    .option('--home <dir>', 'node home directory (required; the node must not be running)')
    .requiredOption('--out <file>', 'output file ("-" for stdout); an existing file is not overwritten without --force')
    .option('--force', 'overwrite an existing --out file (never through a symbolic link)')
    .option('--from <height>', 'first height (default 1)')
    .option('--to <height>', 'last height (default: the latest)')
    .option('--json', 'machine-readable summary')
    .action(async (_o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ home?: string; out: string; force?: boolean; from?: string; to?: string; json?: boolean }>();
      if (o.home === undefined) throw new CharterError('USAGE', "required option '--home <dir>' not specified");
      const { runExportCommand } = await lazy.replay();
      await runExportCommand({
        home: o.home,
        out: o.out,
        ...(o.from !== undefined ? { from: o.from } : {}),
        ...(o.to !== undefined ? { to: o.to } : {}),
        ...(o.json ? { json: true } : {}),
        ...(o.force ? { force: true } : {}),
      });
    });

  program
    .command('abci')
    .description('serve the custody application to CometBFT over ABCI 0.38 (socket protocol), with its read API on --api')
    .requiredOption('--home <dir>', 'application home: genesis.json (written at InitChain), node.db, node_key.json (created if missing)')
    .option('--listen <addr>', 'ABCI address: tcp://host:port or unix:///path', 'tcp://127.0.0.1:26658')
    .option('--api <host:port>', 'serve the read API (/explorer/*, evidence, proofs, /metrics/engine) here')
    .option('--force-host', 'allow a non-loopback --listen or --api address')
    .option('--checkpoint-every <n>', 'issue a signed checkpoint of the receipt log every N blocks', '10')
    .option('--snapshot-every <n>', 'write a state snapshot every N blocks (restart and state sync start from the newest)', '1000')
    .action(async (o: { home: string; listen: string; api?: string; forceHost?: boolean; checkpointEvery: string; snapshotEvery: string }) => {
      const { runAbciCommand } = await lazy.abci();
      await runAbciCommand({
        home: o.home,
        listen: o.listen,
        ...(o.api !== undefined ? { api: o.api } : {}),
        force: !!o.forceHost,
        checkpointEvery: o.checkpointEvery,
        snapshotEvery: o.snapshotEvery,
      });
    });

  const net = program.command('net').description('a local CometBFT network of custody validators: one cometbft and one charter abci per validator');
  net
    .command('up')
    .description('make the network (once) and start every validator not running; returns once blocks are committed')
    .option('--home <dir>', 'network directory', 'charter-net')
    .option('--validators <n>', 'number of validators (when making the network)', '4')
    .option('--chain-id <id>', 'chain id (when making the network)')
    .option('--base-port <port>', 'P2P port; RPC, ABCI and the read API on the next three (when making the network)')
    .option('--block-time <d>', "CometBFT's timeout_commit (when making the network)", '500ms')
    .option('--cometbft <path>', 'the cometbft binary (default $CHARTER_COMETBFT, the build cache, or PATH)')
    .option('--json', 'machine-readable status')
    .action(async (o: { home: string; validators: string; chainId?: string; basePort?: string; blockTime: string; cometbft?: string; json?: boolean }) => {
      const { runNetUp } = await lazy.net();
      await runNetUp({ ...o, json: !!o.json });
    });
  net
    .command('status')
    .description("each validator's height, voting power, peers and last signed height, and whether online power is above two thirds")
    .option('--home <dir>', 'network directory', 'charter-net')
    .option('--json', 'machine-readable output')
    .action(async (o: { home: string; json?: boolean }) => {
      const { runNetStatus } = await lazy.net();
      await runNetStatus({ home: o.home, json: !!o.json });
    });
  net
    .command('down')
    .description('stop every validator of the network (its data is kept)')
    .option('--home <dir>', 'network directory', 'charter-net')
    .action(async (o: { home: string }) => {
      const { runNetDown } = await lazy.net();
      await runNetDown({ home: o.home });
    });

  program
    .command('light')
    .description("CometBFT light-client verification: a header checked by its validators' commits from a header you trust")
    .command('verify')
    .description('verify the header at a height (default the latest) from a trust anchor, over a CometBFT RPC; skipping, bisecting where needed')
    .requiredOption('--node <url>', 'a CometBFT RPC URL (what it serves is verified, not trusted)')
    .requiredOption('--trust-height <height>', "the anchor's height")
    .requiredOption('--trust-hash <hex>', "the anchor's header hash, obtained by other means")
    .option('--trusting-period <d>', 'how long a trusted header may be built on, e.g. 168h or 14d', '168h')
    .option('--height <height>', 'the height to verify (default: the latest)')
    .option('--json', 'machine-readable output')
    .action(async (o: { node: string; trustHeight: string; trustHash: string; trustingPeriod: string; height?: string; json?: boolean }) => {
      const { runLightVerify } = await lazy.net();
      await runLightVerify({ ...o, json: !!o.json });
    });

  program
    .command('replay')
    .description(
      're-execute a chain from genesis and print the state-root history; --check compares with the recorded roots and result codes (exit 0 match, 1 diverged, 2 cannot tell)',
    )
    .option('--home <dir>', 'a devnet home (its node must not be running)')
    .option('--blocks <file>', 'a charter.blocks/v1 export (charter node export)')
    .option('--node <url>', "a CometBFT RPC URL: replay its blocks, comparing each root with the next header's app_hash the validators signed")
    .option('--from <height>', 'with --node: first height to report (execution always starts at genesis)')
    .option('--to <height>', 'with --node: last height (default: the latest)')
    .option('--check', 'compare with the recorded roots and result codes; report the first divergence')
    .option('--workers <n>', 'signature-verification worker threads (default: every core; 0 = none)')
    .option('--json', 'machine-readable output')
    .action(async (o: { home?: string; blocks?: string; node?: string; from?: string; to?: string; check?: boolean; workers?: string; json?: boolean }) => {
      let workers: number | undefined;
      if (o.workers !== undefined) {
        if (!/^\d{1,2}$/.test(o.workers)) throw new CharterError('USAGE', `--workers must be a number, got ${JSON.stringify(o.workers)}`);
        workers = Number(o.workers);
      }
      const { runReplayCommand } = await lazy.replay();
      const code = await runReplayCommand({
        ...(o.home !== undefined ? { home: o.home } : {}),
        ...(o.blocks !== undefined ? { blocks: o.blocks } : {}),
        ...(o.node !== undefined ? { node: o.node } : {}),
        ...(o.from !== undefined ? { from: o.from } : {}),
        ...(o.to !== undefined ? { to: o.to } : {}),
        check: !!o.check,
        json: !!o.json,
        ...(workers !== undefined ? { workers } : {}),
      });
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
      const list = await withCharter(o.workspace, (api) => api.keys.list(), o.node, o.module);
      if (o.json) {
        jsonLine(list);
        return;
      }
      if (list.keys.length === 0) {
        say('No keys yet. Create one with: charter keys create --label NAME');
        return;
      }
      for (const k of list.keys) {
        const extra = [
          k.roles.length ? `roles ${k.roles.join(',')}` : '',
          k.revalidateBy !== null ? `re-attest by ${k.revalidateBy}${k.revalidationDue ? ' (DUE)' : ''}` : '',
        ]
          .filter(Boolean)
          .join('  ');
        say(`${k.keyId}  ${k.scheme.padEnd(9)}  ${k.backend.padEnd(8)}  ${k.onChain.padEnd(12)}  ${cleanText(k.label)}${extra ? '  ' + extra : ''}`);
      }
      for (const p of list.problems) sayErr(`warning: the ${p.backend} backend could not list its keys: ${p.code}: ${cleanText(p.message)}`);
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
    .addOption(pinFdOption())
    .option('--passphrase-env <VAR>', 'read the software key passphrase from this environment variable instead of prompting')
    .addOption(passphraseFdOption())
    .option('--device <id>', 'device id (see `charter keys devices`)')
    .option('--path <bip44>', "Ledger derivation path, e.g. m/44'/60'/0'/0/0")
    .option('--json', 'machine-readable output')
    .action(
      async (o: {
        workspace?: string;
        backend: 'software' | 'pkcs11' | 'ledger';
        algo: 'ed25519' | 'p256' | 'secp256k1';
        label: string;
        module?: string;
        tokenLabel?: string;
        pinEnv?: string;
        pinFd?: string;
        passphraseEnv?: string;
        passphraseFd?: string;
        device?: string;
        path?: string;
        json?: boolean;
      }) => {
        const label = o.label.trim();
        if (label.length < 1 || label.length > 64) throw new CharterError('USAGE', '--label must be 1–64 characters');
        if (o.backend !== 'pkcs11' && (o.module || o.tokenLabel || o.pinEnv || o.pinFd !== undefined))
          throw new CharterError('USAGE', '--module, --token-label, --pin-env and --pin-fd go with --backend pkcs11');
        const secret =
          o.backend === 'software'
            ? await readSecret({ envVar: o.passphraseEnv, fd: o.passphraseFd, prompt: `Passphrase for "${cleanText(label)}": `, confirm: true })
            : o.backend === 'pkcs11'
              ? await readSecret({ envVar: o.pinEnv, fd: o.pinFd, ...PIN })
              : undefined;
        await withKeyBackends({ ...o, ledger: o.backend === 'ledger' }, async (ws, registry, audit) => {
          const { storeAttestation } = await lazy.keysService();
          const input = { backend: o.backend, scheme: o.algo, label, ...(o.device ? { deviceId: o.device } : {}), ...(o.path ? { path: o.path } : {}) };
          let out;
          try {
            const { backend, info } = await registry.generate(o.backend, {
              label,
              scheme: o.algo,
              ...(o.device ? { deviceId: o.device } : {}),
              ...(o.path ? { path: o.path } : {}),
              ...(secret !== undefined ? { secret } : {}),
            });
            const attestation = storeAttestation(ws, await backend.attest(info.keyId, secret !== undefined ? { secret } : {}));
            out = { key: info, attestation };
          } catch (e) {
            audit('keys.generate', `${o.backend} key "${label}"`, e, { input });
            throw e;
          }
          audit('keys.generate', `key ${out.key.keyId}`, null, { keyId: out.key.keyId, attestationSha256: out.attestation.sha256, input });
          if (o.json) jsonLine(out);
          else {
            say(`Generated ${out.key.scheme} key ${out.key.keyId} ("${cleanText(out.key.label)}") on ${cleanText(out.key.deviceId)}`);
            say(`  public key:  ${out.key.publicKey}`);
            say(`  attestation: sha256:${out.attestation.sha256} (${out.attestation.artifact})`);
            say(jsonText(out.attestation.record, 2));
          }
        });
      },
    );
  keys
    .command('attest')
    .description("read a key's attestation record from its device, keep it in the workspace and print it (works offline)")
    .argument('<keyId>', 'key id (40 hex characters)')
    .addOption(workspaceOption())
    .option('--module <path>', 'PKCS#11 module holding the key')
    .option('--token-label <label>', 'PKCS#11 token label')
    .option('--pin-env <VAR>', 'read the PKCS#11 user PIN from this environment variable')
    .addOption(pinFdOption())
    .option('--passphrase-env <VAR>', 'read the software key passphrase from this environment variable')
    .addOption(passphraseFdOption())
    .option('--json', 'machine-readable output')
    .action(
      async (
        keyId: string,
        o: {
          workspace?: string;
          module?: string;
          tokenLabel?: string;
          pinEnv?: string;
          pinFd?: string;
          passphraseEnv?: string;
          passphraseFd?: string;
          json?: boolean;
        },
      ) => {
        if (!/^[0-9a-f]{40}$/.test(keyId)) throw new CharterError('USAGE', 'KEY_ID is 40 lower-case hex characters (see `charter keys list`)');
        await withKeyBackends(o, async (ws, registry, audit) => {
          const { storeAttestation } = await lazy.keysService();
          let out;
          try {
            const { backend, info } = await registry.find(keyId);
            const secret =
              backend.kind === 'software'
                ? await readSecret({ envVar: o.passphraseEnv, fd: o.passphraseFd, prompt: `Passphrase for "${cleanText(info.label)}": ` })
                : backend.kind === 'pkcs11'
                  ? await readSecret({ envVar: o.pinEnv, fd: o.pinFd, ...PIN })
                  : undefined;
            out = storeAttestation(ws, await backend.attest(keyId, secret !== undefined ? { secret } : {}));
          } catch (e) {
            audit('keys.attest', `key ${keyId}`, e, { input: { keyId } });
            throw e;
          }
          audit('keys.attest', `key ${keyId}`, null, { keyId, sha256: out.sha256, input: { keyId } });
          if (o.json) jsonLine(out);
          else {
            say(`Attestation of ${keyId}: sha256:${out.sha256}\n  kept at ${out.artifact}`);
            say(jsonText(out.record, 2));
          }
        });
      },
    );
  keys
    .command('import')
    .description(
      "import a software key file (Web3 Secret Storage v3 for secp256k1, charter-keystore/v1 for ed25519/p256) into the keystore, re-encrypted under the console's own KDF settings; the passphrase must open it (works offline)",
    )
    .argument('<file>', 'the key file (JSON)')
    .addOption(workspaceOption())
    .option('--label <label>', "a name for the key (default: the file's, or the Ethereum address; needed when the file's label is not a valid one)")
    .option('--passphrase-env <VAR>', "read the file's passphrase from this environment variable instead of prompting")
    .addOption(passphraseFdOption("the file's passphrase"))
    .option('--json', 'machine-readable output')
    .action(async (file: string, o: { workspace?: string; label?: string; passphraseEnv?: string; passphraseFd?: string; json?: boolean }) => {
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
      const secret = await readSecret({ envVar: o.passphraseEnv, fd: o.passphraseFd, prompt: `Passphrase of ${cleanText(path.basename(file))}: ` });
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
        if (o.json) jsonLine({ keyId: info.keyId, scheme: info.scheme, publicKey: info.publicKey, label: info.label, backend: info.backend });
        else {
          say(`Imported ${info.scheme} key ${info.keyId} ("${cleanText(info.label)}")`);
          say(`  public key:  ${info.publicKey}`);
        }
      });
    });
  keys
    .command('export')
    .description("write a software key's keystore file, still encrypted under its passphrase (mode 0600; works offline)")
    .argument('<keyId>', 'key id (40 hex characters)')
    .requiredOption('--out <file>', 'where to write the file')
    .option('--force', 'overwrite an existing file (never through a symbolic link)')
    .addOption(workspaceOption())
    .option('--json', 'machine-readable output')
    .action(async (keyId: string, o: { out: string; force?: boolean; workspace?: string; json?: boolean }) => {
      if (!/^[0-9a-f]{40}$/.test(keyId)) throw new CharterError('USAGE', 'KEY_ID is 40 lower-case hex characters (see `charter keys list`)');
      await withKeyBackends(o, async (_ws, registry, audit) => {
        const { SoftwareKeystore } = await lazy.keystore();
        let out;
        try {
          const ks = registry.all().find((b): b is InstanceType<typeof SoftwareKeystore> => b instanceof SoftwareKeystore);
          if (!ks) throw new CharterError('KEY_NOT_FOUND', 'no software keystore is configured');
          out = await ks.exportFile(keyId);
          writeOut(o.out, out.text, o.force);
        } catch (e) {
          audit('keys.export', `key ${keyId}`, e, { input: { keyId } });
          throw e;
        }
        audit('keys.export', `key ${keyId}`, null, { keyId, input: { keyId } });
        const file = path.resolve(o.out);
        if (o.json) jsonLine({ keyId, file, fileName: out.fileName });
        else say(`Exported key ${keyId} to ${file} (still encrypted under its passphrase; conventional name ${out.fileName})`);
      });
    });
  keys
    .command('pem')
    .description("print a key's public key as PEM SubjectPublicKeyInfo, for other verifiers of what it signs (any backend; nothing is unlocked; works offline)")
    .argument('<keyId>', 'key id (40 hex characters)')
    .addOption(workspaceOption())
    .option('--module <path>', 'also look in this PKCS#11 module')
    .option('--json', 'machine-readable output: {keyId, scheme, publicKey, pem}')
    .action(async (keyId: string, o: { workspace?: string; module?: string; json?: boolean }) => {
      checkKeyId(keyId, '`charter keys list`');
      await withKeyBackends(o, async (_ws, registry) => {
        const { info } = await registry.find(keyId);
        printPem(info, o.json);
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
        if (o.json) jsonLine({ devices });
        else
          for (const d of devices)
            say(`${d.deviceId}  ${d.backend.padEnd(8)}  ${d.state.padEnd(13)}  ${cleanText(d.label)}${d.detail ? '  ' + cleanText(d.detail) : ''}`);
      });
    });
  keys
    .command('create')
    .description('generate an Ed25519 key, encrypted under a passphrase (works offline)')
    .addOption(workspaceOption())
    .requiredOption('--label <label>', 'a name for the key')
    .option('--passphrase-env <VAR>', 'read the passphrase from this environment variable instead of prompting')
    .addOption(passphraseFdOption('the passphrase'))
    .option('--json', 'machine-readable output')
    .action(async (o: { workspace?: string; label: string; passphraseEnv?: string; passphraseFd?: string; json?: boolean }) => {
      const label = o.label.trim();
      if (label.length < 1 || label.length > 64) throw new CharterError('USAGE', '--label must be 1–64 characters');
      const passphrase = await readSecret({ envVar: o.passphraseEnv, fd: o.passphraseFd, prompt: `Passphrase for "${cleanText(label)}": `, confirm: true });
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
          audit.append({
            actor: actorOf('cli'),
            action: 'keys.create',
            subject: `"${label}"`,
            result: 'error',
            details: { code, message: (e as Error).message },
          });
          throw e;
        }
        audit.append({
          actor: actorOf('cli'),
          action: 'keys.create',
          subject: `key ${info.keyId}`,
          result: 'ok',
          details: { keyId: info.keyId, input: { label } },
        });
        if (o.json) jsonLine(info);
        else
          say(
            `Created ${info.scheme} key ${info.keyId} ("${cleanText(info.label)}")\n  public key: ${info.publicKey}\n  keystore:   ${path.join(ws.keystoreDir, info.keyId + '.json')}`,
          );
      } finally {
        ws.close();
      }
    });

  interface AuditFilterOptions {
    action?: string;
    result?: string;
    actor?: string;
    key?: string;
    search?: string;
  }
  /** The audit filter of the command line, checked by the contract's own rules (audit.list's input schema). */
  /**
   * The audit log for stdout: JSON lines through jsonText, CSV with control and
   * bidirectional characters written as \uXXXX, so nothing in an entry (an
   * actor, a subject, details) can act on the terminal. Files keep exact values.
   */
  const auditForTerminal = async (
    log: import('../services/audit.js').AuditLog,
    format: 'csv' | 'jsonl',
    filter: import('../services/audit.js').AuditFilter,
  ): Promise<string> => {
    const { auditCsv } = await lazy.audit();
    const entries = log.exportEntries(filter);
    if (format === 'csv') return auditCsv(entries, { terminal: true });
    return entries.map((e) => jsonText(e)).join('\n') + (entries.length ? '\n' : '');
  };
  const auditFilterOf = async (o: AuditFilterOptions): Promise<import('../services/audit.js').AuditFilter> => {
    const { methods } = await import('../../core/contract/index.js');
    const raw = { action: o.action, result: o.result, actor: o.actor, keyId: o.key, text: o.search };
    const parsed = methods['audit.list'].input.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
    if (!parsed.success) throw new CharterError('USAGE', parsed.error.issues.map((i) => `${i.path.join('.') || 'filter'}: ${i.message}`).join('; '));
    const { limit: _limit, before: _before, ...filter } = parsed.data;
    return filter;
  };

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
        if (o.json) jsonLine(r);
        else if (r.ok) say(`audit log OK: ${r.count} entries chain correctly`);
        else say(`audit log BROKEN at entry ${r.firstBad?.seq}: ${cleanText(r.firstBad?.reason)}`);
        if (!r.ok) throw new Exit(EXIT_FAIL);
      } finally {
        ws.close();
      }
    });
  audit
    .command('list')
    .description('print audit log entries, newest first')
    .addOption(workspaceOption())
    .option('-n, --limit <n>', 'how many (newest first; --csv and --jsonl write every match, oldest first)', '50')
    .option('--action <action>', 'only this action, e.g. custody.approve')
    .option('--result <result>', 'only ok or error')
    .option('--actor <text>', 'only entries whose actor or signing key contains this')
    .option('--key <keyId>', 'only entries signed by this key')
    .option('--search <text>', 'only entries containing this text')
    .option('--json', 'machine-readable output')
    .option('--csv', 'every matching entry as CSV (RFC 4180)')
    .option('--jsonl', 'every matching entry as JSON lines')
    .action(async (o: { workspace?: string; limit: string; json?: boolean; csv?: boolean; jsonl?: boolean } & AuditFilterOptions) => {
      if ([o.json, o.csv, o.jsonl].filter(Boolean).length > 1) throw new CharterError('USAGE', 'give at most one of --json, --csv and --jsonl');
      const filter = await auditFilterOf(o);
      const ws = await openWorkspace(o.workspace);
      try {
        const { AuditLog } = await lazy.audit();
        const log = new AuditLog(ws);
        if (o.csv || o.jsonl) {
          process.stdout.write(await auditForTerminal(log, o.csv ? 'csv' : 'jsonl', filter));
          return;
        }
        const entries = log.list(Number(o.limit) || 50, filter);
        if (o.json) jsonLine({ entries });
        else
          for (const e of entries)
            say(`#${e.seq}  ${e.time}  ${cleanText(e.actor)}${e.keyId ? ` key ${e.keyId}` : ''}  ${e.action}  ${cleanText(e.subject)}  ${e.result}`);
      } finally {
        ws.close();
      }
    });
  audit
    .command('export')
    .description('write every matching audit log entry, oldest first, as CSV or JSON lines')
    .addOption(workspaceOption())
    .requiredOption('--format <format>', 'csv or jsonl')
    .requiredOption('--out <file>', 'where to write it ("-" for stdout); an existing file is not overwritten without --force')
    .option('--force', 'overwrite an existing --out file (never through a symbolic link)')
    .option('--action <action>', 'only this action, e.g. custody.approve')
    .option('--result <result>', 'only ok or error')
    .option('--actor <text>', 'only entries whose actor or signing key contains this')
    .option('--key <keyId>', 'only entries signed by this key')
    .option('--search <text>', 'only entries containing this text')
    .action(async (o: { workspace?: string; format: string; out: string; force?: boolean } & AuditFilterOptions) => {
      if (o.format !== 'csv' && o.format !== 'jsonl') throw new CharterError('USAGE', '--format is csv or jsonl');
      // Refused before the workspace is opened.
      if (o.out !== '-') checkOut(o.out, o.force);
      const filter = await auditFilterOf(o);
      const ws = await openWorkspace(o.workspace);
      try {
        const { AuditLog } = await lazy.audit();
        const log = new AuditLog(ws);
        if (o.out === '-') process.stdout.write(await auditForTerminal(log, o.format, filter));
        else {
          // A file keeps every value exact.
          const r = log.export(o.format, filter);
          writeOut(o.out, r.text, o.force);
          sayErr(`wrote ${o.out}: ${r.count} entries`);
        }
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
    .option('--force', 'overwrite an existing --out file (never through a symbolic link)')
    .option('--node <url>', 'custody node RPC (default: the workspace devnet)')
    .option('--json', 'machine-readable summary (not with --out -)')
    .action(async (o: { workspace?: string; request: string; out: string; force?: boolean; node?: string; json?: boolean }) => {
      if (o.out === '-' && o.json) throw new CharterError('USAGE', '--json goes with --out FILE: with --out - the evidence itself is the output');
      // Refused before anything is read from the node.
      if (o.out !== '-') checkOut(o.out, o.force);
      const r = await withCharter(o.workspace, (api) => api.evidence.exportWithdrawal({ requestId: o.request }), o.node);
      if (o.out === '-') process.stdout.write(r.content + '\n');
      else {
        writeOut(o.out, r.content, o.force);
        if (o.json) jsonLine({ out: o.out, sha256: r.sha256, fileName: r.fileName });
        else sayErr(`wrote ${o.out} (sha256 ${r.sha256})`);
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
    .option('--passphrase-env <VAR>', "with --key: read the key's passphrase from this environment variable instead of prompting")
    .addOption(passphraseFdOption("with --key: the key's passphrase"))
    .option('--pin-env <VAR>', 'with --key: read a token PIN from this environment variable')
    .addOption(pinFdOption('with --key: a token PIN'))
    .option('--force', 'overwrite an existing --out file (never through a symbolic link)')
    .option('--json', 'machine-readable summary')
    .action(
      async (o: {
        workspace?: string;
        case?: string;
        segment?: string;
        out: string;
        node?: string;
        key?: string;
        passphraseEnv?: string;
        passphraseFd?: string;
        pinEnv?: string;
        pinFd?: string;
        force?: boolean;
        json?: boolean;
      }) => {
        if ((o.case === undefined) === (o.segment === undefined))
          throw new CharterError('USAGE', 'give exactly one of --case <request id> and --segment FROM:TO');
        if (o.key !== undefined && !/^[0-9a-f]{40}$/.test(o.key))
          throw new CharterError('USAGE', '--key takes a KEY_ID: 40 lower-case hex characters (see `charter keys list`)');
        const secretFlags = [o.passphraseEnv, o.passphraseFd, o.pinEnv, o.pinFd].filter((v) => v !== undefined).length;
        if (o.key === undefined && secretFlags > 0) throw new CharterError('USAGE', '--passphrase-env, --passphrase-fd, --pin-env and --pin-fd go with --key');
        if (secretFlags > 1) throw new CharterError('USAGE', 'give one of --passphrase-env, --passphrase-fd, --pin-env and --pin-fd');
        // Refused before anything is built or signed.
        checkOut(o.out, o.force);
        let signer: { signerKeyId?: string; secret?: string } = {};
        if (o.key !== undefined) {
          const secret =
            o.pinEnv !== undefined || o.pinFd !== undefined
              ? await readSecret({ envVar: o.pinEnv, fd: o.pinFd, ...PIN })
              : await readSecret({ envVar: o.passphraseEnv, fd: o.passphraseFd, prompt: `Passphrase for key ${o.key}: ` });
          signer = { signerKeyId: o.key, secret };
        }
        let segment: { from: number; to: number } | null = null;
        if (o.case === undefined) {
          const m = /^(\d{1,12}):(\d{1,12})$/.exec(o.segment as string);
          if (!m || Number(m[1]) < 1 || Number(m[2]) < Number(m[1]))
            throw new CharterError('USAGE', `--segment must be FROM:TO with 1 ≤ FROM ≤ TO, got ${JSON.stringify(o.segment)}`);
          segment = { from: Number(m[1]), to: Number(m[2]) };
        }
        const r = await withCharter(
          o.workspace,
          (api) => (segment ? api.evidence.buildSegment({ ...segment, ...signer }) : api.evidence.buildCase({ requestId: o.case as string, ...signer })),
          o.node,
        );
        writeOut(o.out, Buffer.from(r.contentBase64, 'base64'), o.force);
        const { contentBase64: _content, ...summary } = r;
        if (o.json) jsonLine({ ...summary, out: o.out });
        else sayErr(`wrote ${o.out}: ${r.members} members, ${r.size} bytes, sha256 ${r.sha256}, manifest sha256 ${r.manifestSha256}`);
        if (!o.json) for (const m of r.missing ?? []) sayErr(`not in the bundle yet: ${cleanText(m)}`);
      },
    );
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
  registerTrustCommands(program);

  const witness = program
    .command('witness')
    .description("witness a log's signed checkpoints: check each extends the last one cosigned, cosign it, refuse a fork (docs/formats/evidence-log.md)");
  witness
    .command('init')
    .description('create a witness directory (0700) with its Ed25519 key (0600, never printed) and print its key id and trust-file entry')
    .requiredOption('--dir <dir>', 'the witness directory (created)')
    .option('--json', 'machine-readable output')
    .action(async (o: { dir: string; json?: boolean }) => {
      const { runWitnessInit } = await lazy.witness();
      runWitnessInit(o);
    });
  witness
    .command('run')
    .description(
      "fetch the latest signed checkpoint, check the log's quorum and consistency with the last one cosigned, cosign and post it; exit 1 on FORK_DETECTED",
    )
    .requiredOption('--dir <dir>', 'the witness directory (charter witness init)')
    .requiredOption('--node <url>', "the log's node RPC URL, e.g. http://127.0.0.1:26657")
    .option('--trust <file>', "the log's trust file to pin (default: the one pinned, or at the first run the node's own: trust on first use)")
    .option('--once', 'one round, then exit (0 cosigned or nothing new, 1 refused)')
    .option('--interval-ms <n>', 'time between rounds without --once', '10000')
    .option('--json', 'machine-readable output, one line per round')
    .action(async (o: { dir: string; node: string; trust?: string; once?: boolean; intervalMs?: string; json?: boolean }) => {
      const { runWitnessRun } = await lazy.witness();
      await runWitnessRun(o);
    });
  witness
    .command('status')
    .description("the witness's key id, pinned log, last cosigned checkpoint and fork records")
    .requiredOption('--dir <dir>', 'the witness directory')
    .option('--json', 'machine-readable output')
    .action(async (o: { dir: string; json?: boolean }) => {
      const { runWitnessStatus } = await lazy.witness();
      runWitnessStatus(o);
    });

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
    printError({ code: 'INTERNAL', message: (e as Error)?.stack ?? String(e), hint: CLI_INTERNAL_HINT }, json);
    return EXIT_FAIL;
  }
}
