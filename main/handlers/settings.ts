/** The `settings.*` operations: theme and Ledger (settable), PKCS#11 modules (shown, never set). */
import type { Settings } from '../../core/contract/index.js';
import type { Handlers } from '../hosts/dispatch.js';
import { configFileOf, ENV_PKCS11_MODULE, SETTING_LEDGER_ENABLED } from '../services/key-config.js';
import type { HandlerContext } from './context.js';

/** The settings as shown. PKCS#11 modules come from the command line, the environment or the configuration file. */
function settingsView({ workspace, keyBackends }: HandlerContext): Settings {
  const keyConfig = keyBackends.config();
  return {
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
  };
}

export function settingsHandlers(ctx: HandlerContext): Handlers<'settings'> {
  return {
    'settings.get': async () => settingsView(ctx),
    'settings.set': async (i) => {
      if (i.theme) ctx.workspace.setSetting('ui.theme', i.theme);
      if (i.ledgerEnabled !== undefined) {
        ctx.workspace.setSetting(SETTING_LEDGER_ENABLED, i.ledgerEnabled);
        // Applied at once: the device backends are rebuilt (and the module configuration read again).
        await ctx.keyBackends.reconfigure();
      }
      return settingsView(ctx);
    },
  } satisfies Handlers<'settings'>;
}
