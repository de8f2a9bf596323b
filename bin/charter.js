#!/usr/bin/env node
// The `charter` command. The CLI itself is TypeScript (main/cli/index.ts),
// bundled by `npm run build` (also run by `npm install`) into dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/main/cli/index.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    `charter: the CLI is not built (${fileURLToPath(entry)} is missing).\n` + 'Run `npm run build` in the Charter Console directory, then try again.\n',
  );
  process.exit(1);
}
const cli = await import(entry.href);
if (typeof cli.main !== 'function') {
  process.stderr.write(`charter: ${fileURLToPath(entry)} does not export main(); run \`npm run build\` again.\n`);
  process.exit(1);
}
const code = await cli.main(process.argv);
if (typeof code === 'number') process.exitCode = code;
