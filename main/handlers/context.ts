/**
 * What the handler slices (main/handlers/<domain>.ts) are given: the console's
 * services and facts, built by the composition root (main/app.ts). A slice reads
 * what it needs from here and nothing else; slices do not import each other.
 */
import type { AddressBook } from '../services/address-book.js';
import type { AuditLog } from '../services/audit.js';
import type { OutputLog } from '../services/bus.js';
import type { ChainConnection } from '../services/chain.js';
import type { CustodyService } from '../services/custody.js';
import type { EvidenceService } from '../services/evidence.js';
import type { ExplorerService } from '../services/explorer.js';
import type { GovernanceService } from '../services/governance.js';
import type { KeyBackendConfig } from '../services/key-config.js';
import type { KeysService } from '../services/keys.js';
import type { Workspace } from '../workspace/workspace.js';

/** Which host runs the console: the Electron window, the served console or the CLI. */
export type HostKind = 'electron' | 'serve' | 'cli';

export interface HandlerContext {
  /** What app.info reports. */
  readonly info: {
    readonly version: string;
    readonly host: HostKind;
    /** The workspace directory. */
    readonly workspace: string;
    /** Whether the node is the embedded devnet. */
    readonly devnet: boolean;
    /** The embedded devnet's admin key id; null without an embedded devnet. */
    readonly devnetAdminKeyId: string | null;
  };
  readonly workspace: Workspace;
  readonly chain: ChainConnection;
  readonly keys: KeysService;
  readonly custody: CustodyService;
  readonly explorer: ExplorerService;
  readonly evidence: EvidenceService;
  readonly governance: GovernanceService;
  readonly addressBook: AddressBook;
  readonly audit: AuditLog;
  readonly out: OutputLog;
  /** The key backends' configuration (PKCS#11 modules, Ledger), and how to apply a changed setting at once. */
  readonly keyBackends: {
    config(): KeyBackendConfig;
    reconfigure(): Promise<void>;
  };
}
