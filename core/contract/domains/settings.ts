/**
 * The contract's `settings.*` operations. Console settings.
 */
import { z } from 'zod';
import { op, type DomainOperations } from '../operation.js';
import { Empty } from '../shapes.js';

const Problem = z.object({ code: z.string(), message: z.string() });

/**
 * A PKCS#11 module the console was configured with, read-only: modules come
 * from the command line (--pkcs11-module), the environment
 * ($CHARTER_PKCS11_MODULE) or the workspace's configuration file, never from
 * the contract (loading a library runs its code in the host).
 */
export const Pkcs11ModuleView = z.object({
  path: z.string(),
  source: z.enum(['command-line', 'environment', 'config-file']),
  /** Exactly where: "--pkcs11-module", "$CHARTER_PKCS11_MODULE" or the configuration file's path. */
  origin: z.string(),
  tokenLabel: z.string().nullable(),
  /** Why it is not in use (e.g. PKCS11_MODULE_REFUSED), or null. */
  problem: Problem.nullable(),
});
export type Pkcs11ModuleView = z.infer<typeof Pkcs11ModuleView>;

export const Settings = z.object({
  theme: z.enum(['dark', 'light']),
  /** Whether Ledger devices are a key backend; applied at once. */
  ledgerEnabled: z.boolean(),
  /** The PKCS#11 modules in use and where each was configured (read-only). */
  pkcs11Modules: z.array(Pkcs11ModuleView),
  /** How to change them: the configuration file, the environment variable and the command-line flag. */
  pkcs11Config: z.object({ file: z.string(), environment: z.string(), flag: z.string(), problem: Problem.nullable() }),
});
export type Settings = z.infer<typeof Settings>;

/** What settings.set may change. No field names a library, a path or a command. */
export const SettingsChange = z
  .object({
    theme: z.enum(['dark', 'light']),
    ledgerEnabled: z.boolean(),
  })
  .partial()
  .strict();

/** "theme=light, ledgerEnabled=true": the names and new values of changed settings (settings hold no secrets). */
function settingsChange(i: Record<string, unknown>): string {
  const parts = Object.entries(i)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return parts.length ? parts.join(', ') : 'nothing changed';
}

export const operations = {
  'settings.get': op('Console settings', Empty, Settings),
  'settings.set': op('Change console settings (theme, Ledger); PKCS#11 modules are not settable here', SettingsChange, Settings, {
    subject: (i) => `settings: ${settingsChange(i)}`,
  }),
} as const satisfies DomainOperations<'settings'>;
