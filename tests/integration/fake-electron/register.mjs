// `node --import ./register.mjs dist/main/electron/main.js`: resolve the
// specifier 'electron' to ./electron.mjs, a recording fake of the few Electron
// APIs the shell uses. Test-only; see ../electron-shell.test.ts.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
