/**
 * Keys & Devices (software keys, PKCS#11 tokens, Ledgers), walked as an operator would, in the served console
 * with a real SoftHSM2 token configured through the environment
 * (CHARTER_PKCS11_MODULE, CHARTER_PKCS11_TOKEN, SOFTHSM2_CONF — the console
 * inherits them): generate a software key and a key on the token, register
 * both with their attestation records, rotate, retire; a wrong PIN shows
 * PIN_INCORRECT where the user is looking and the field is cleared; every action
 * is in the audit log; no PIN or passphrase typed is left in the workspace or
 * the page. Software key files: export one, restore it from the download, import
 * a Web3 v3 file. PKCS#11 modules are read-only in the view: a config.json module
 * anyone may write is refused with its code. Controls are found by role and label only.
 */
import { chmod, copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { makeSoftHsmToken, type SoftHsmToken } from '../support/softhsm';
import { expect, test, type ConsoleFixture } from './fixtures';

const TOKEN = 'e2e-ops';
const SO_PIN = 'e2e-so-pin-4410';
const USER_PIN = 'e2e-user-pin-7782';
const WRONG_PIN = 'e2e-wrong-pin-1193';
const PASS_1 = 'e2e passphrase one 5521';
const PASS_2 = 'e2e passphrase two 8830';
const SECRETS = [SO_PIN, USER_PIN, WRONG_PIN, PASS_1, PASS_2];

let tok: SoftHsmToken | null = null;
const saved: Record<string, string | undefined> = {};

test.beforeAll(async () => {
  tok = await makeSoftHsmToken({ label: TOKEN, soPin: SO_PIN, userPin: USER_PIN });
  for (const k of ['CHARTER_PKCS11_MODULE', 'CHARTER_PKCS11_TOKEN']) saved[k] = process.env[k];
  process.env['CHARTER_PKCS11_MODULE'] = tok.modulePath;
  process.env['CHARTER_PKCS11_TOKEN'] = TOKEN;
});
test.afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  tok?.cleanup();
});

async function openConsole(page: Page, console: ConsoleFixture): Promise<void> {
  if (console.url) await page.goto(console.url);
  await expect(page.getByRole('contentinfo', { name: 'Status bar' }).getByText(/Node connected/)).toBeVisible();
  await page.getByRole('navigation', { name: 'Activity bar' }).getByRole('button', { name: 'Keys', exact: true }).click();
}

function editor(page: Page): Locator {
  return page.getByRole('main', { name: 'Editor' });
}

function keyRow(page: Page, label: string): Locator {
  return editor(page)
    .getByRole('table', { name: 'Keys' })
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: label, exact: true }) });
}

/** The per-key actions live in a menu on the key's row: open it and choose one. */
async function keyAction(page: Page, label: string, item: string): Promise<void> {
  await keyRow(page, label)
    .getByRole('button', { name: `Actions for ${label}` })
    .click();
  await page
    .getByRole('menu', { name: `Actions for ${label}` })
    .getByRole('menuitem', { name: item })
    .click();
}

async function generate(page: Page, o: { backend: string; label: string; secret: string; confirm?: boolean; wrongFirst?: string }): Promise<Locator> {
  await editor(page).getByRole('button', { name: 'Generate key', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Generate key' });
  await dialog.getByRole('radio', { name: o.backend }).check();
  await dialog.getByLabel('Label').fill(o.label);
  const secretLabel = o.backend === 'Software keystore' ? 'Passphrase' : 'Token PIN';
  if (o.wrongFirst) {
    await dialog.getByLabel(secretLabel, { exact: true }).fill(o.wrongFirst);
    await dialog.getByRole('button', { name: 'Generate key', exact: true }).click();
    await expect(dialog.getByRole('alert')).toContainText('PIN_INCORRECT');
    // The field was read once and cleared: the wrong PIN is not kept in the page.
    await expect(dialog.getByLabel(secretLabel, { exact: true })).toHaveValue('');
  }
  await dialog.getByLabel(secretLabel, { exact: true }).fill(o.secret);
  if (o.confirm) await dialog.getByLabel('Confirm passphrase').fill(o.secret);
  await dialog.getByRole('button', { name: 'Generate key', exact: true }).click();
  await expect(dialog.getByRole('status')).toContainText(`Generated “${o.label}”`);
  return dialog;
}

async function registerFromDialog(page: Page, dialog: Locator, pin?: string): Promise<void> {
  await dialog.getByRole('button', { name: 'Register on chain…' }).click();
  const reg = page.getByRole('dialog', { name: 'Register key on chain' });
  if (pin) await reg.getByLabel('Token PIN').fill(pin);
  await reg.getByRole('button', { name: 'Register key on chain' }).click();
  await expect(reg.getByRole('status')).toContainText(/Registered in block \d+ with attestation sha256:/);
  await reg.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(reg).toBeHidden();
}

test('keys on the software keystore and a SoftHSM token: generate, register with attestation, rotate, retire', async ({ page, console }) => {
  await openConsole(page, console);
  await expect(editor(page).getByRole('heading', { name: 'Keys & Devices', level: 1 })).toBeVisible();

  // Devices and their state.
  const devices = editor(page).getByRole('table', { name: 'Devices' });
  await expect(devices.getByRole('row').filter({ hasText: 'Software keystore' })).toContainText('Ready');
  await expect(devices.getByRole('row').filter({ hasText: 'PKCS#11' })).toContainText('Ready');

  // A software key: generate, then register with its attestation record.
  let dialog = await generate(page, { backend: 'Software keystore', label: 'ops-sw', secret: PASS_1, confirm: true });
  await expect(dialog.getByRole('region', { name: 'Attestation record' })).toContainText('sha256:');
  await registerFromDialog(page, dialog);
  await expect(keyRow(page, 'ops-sw')).toContainText('Active');

  // A P-256 key on the token: a wrong PIN first.
  dialog = await generate(page, { backend: 'PKCS#11 token (HSM)', label: 'ops-hsm', secret: USER_PIN, wrongFirst: WRONG_PIN });
  await dialog.getByText('Record read from the device').click();
  await expect(dialog.getByLabel('Attestation record JSON')).toContainText('"CKA_LOCAL": true');
  await expect(dialog.getByLabel('Attestation record JSON')).toContainText('"CKA_NEVER_EXTRACTABLE": true');
  await registerFromDialog(page, dialog, USER_PIN);
  const hsm = keyRow(page, 'ops-hsm');
  await expect(hsm).toContainText('PKCS#11');
  await expect(hsm).toContainText('P-256');
  await expect(hsm).toContainText('Active');
  await expect(hsm).toContainText('approver');
  await expect(hsm).toContainText(/Height \d+/);

  // A successor, and the rotation signed by the old key.
  dialog = await generate(page, { backend: 'Software keystore', label: 'ops-sw-2', secret: PASS_2, confirm: true });
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await keyAction(page, 'ops-sw', 'Rotate…');
  const rotate = page.getByRole('dialog', { name: 'Rotate key' });
  await rotate.getByLabel('Successor key').selectOption({ label: 'ops-sw-2 (software, unregistered)' });
  await rotate.getByLabel('Passphrase', { exact: true }).fill(PASS_1);
  await rotate.getByRole('button', { name: 'Rotate key' }).click();
  await expect(rotate.getByRole('status')).toContainText('Governance must approve');
  await rotate.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(keyRow(page, 'ops-sw')).toContainText('awaiting governance');
  await expect(keyRow(page, 'ops-sw-2')).toContainText('Active');

  // Retire the token key, signed by itself with its PIN.
  await keyAction(page, 'ops-hsm', 'Retire…');
  const retire = page.getByRole('dialog', { name: 'Retire key' });
  await retire.getByLabel('Reason').fill('token decommissioned');
  await retire.getByLabel('Token PIN').fill(USER_PIN);
  await retire.getByRole('button', { name: 'Retire key' }).click();
  await expect(retire.getByRole('status')).toContainText('Retired in block');
  await retire.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(hsm).toContainText('Retired');

  // Emergency revoke needs an operator key: none here, so the dialog says so and cannot submit.
  await keyAction(page, 'ops-sw-2', 'Revoke…');
  const revoke = page.getByRole('dialog', { name: 'Emergency revoke' });
  await expect(revoke.getByLabel('Operator key')).toContainText('No local key holds the operator role');
  await expect(revoke.getByRole('button', { name: 'Emergency revoke' })).toBeDisabled();
  await revoke.getByRole('button', { name: 'Cancel' }).click();

  // Every action in the audit log, the refused one with its code.
  await page.getByRole('region', { name: 'Panel' }).getByRole('tab', { name: 'Audit log' }).click();
  const audit = page.getByRole('region', { name: 'Panel' }).getByRole('table', { name: 'Audit log' });
  for (const action of ['keys.generate', 'keys.register', 'keys.rotate', 'keys.retire']) {
    await expect(
      audit
        .getByRole('row')
        .filter({ has: page.getByRole('cell', { name: action, exact: true }) })
        .first(),
    ).toBeVisible();
  }
  await expect(audit.getByRole('row').filter({ hasText: 'PIN_INCORRECT' }).first()).toBeVisible();

  // No secret typed is in the page or in any file of the workspace (SQLite, WAL, keystore, artifacts).
  const html = await page.content();
  for (const s of SECRETS) expect(html.includes(s), 'a secret is in the page').toBe(false);
  const files: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) files.push(p);
    }
  };
  await walk(console.workspace);
  expect(files.some((f) => f.endsWith('-wal') || f.endsWith('.sqlite') || f.endsWith('.db'))).toBe(true);
  const hits: string[] = [];
  for (const f of files) {
    const b = await readFile(f);
    for (const s of SECRETS)
      if (b.includes(Buffer.from(s, 'utf8')) || b.includes(Buffer.from(s, 'utf16le'))) hits.push(`${path.basename(f)}: ${s.slice(0, 6)}…`);
  }
  expect(hits).toEqual([]);
});

/**
 * A console whose workspace has a config.json (written before `charter serve` starts, as an
 * operator edits it) naming a module the console must refuse: a copy of SoftHSM that anyone
 * may write.
 */
const withRefusedModule = test.extend({
  workspace: async ({ workspace }, use) => {
    // Outside the workspace: the console narrows the files of its own folder to 0600 when it opens it.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'charter-e2e-module-'));
    const lib = path.join(dir, 'libshared-writable-pkcs11.so');
    await copyFile(tok!.modulePath, lib);
    await chmod(lib, 0o666);
    await writeFile(path.join(workspace, 'config.json'), JSON.stringify({ pkcs11: { modules: [{ path: lib }] } }, null, 2), { mode: 0o600 });
    try {
      await use(workspace);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
});

withRefusedModule(
  'the Key backends section lists the modules read-only, with where each came from; a module anyone may write is refused with its code',
  async ({ page, console }, testInfo) => {
    await openConsole(page, console);
    const devicesTable = editor(page).getByRole('table', { name: 'Devices' });
    const refused = devicesTable.getByRole('row').filter({ hasText: 'libshared-writable-pkcs11.so' });
    await expect(refused).toContainText('Error');
    await expect(refused).toContainText('PKCS11_MODULE_REFUSED');
    await expect(devicesTable.getByRole('row').filter({ hasText: TOKEN })).toContainText('Ready');

    await editor(page).getByText('Key backends', { exact: true }).click();
    const modules = editor(page).getByRole('table', { name: 'PKCS#11 modules' });
    const fromEnv = modules.getByRole('row').filter({ has: page.getByRole('rowheader', { name: tok!.modulePath }) });
    await expect(fromEnv).toContainText('Environment');
    await expect(fromEnv).toContainText('$CHARTER_PKCS11_MODULE');
    await expect(fromEnv).toContainText('In use');
    const fromFile = modules.getByRole('row').filter({ has: page.getByRole('rowheader', { name: /libshared-writable-pkcs11\.so$/ }) });
    await expect(fromFile).toContainText('Configuration file');
    await expect(fromFile).toContainText('PKCS11_MODULE_REFUSED');
    await expect(fromFile).toContainText(`Edit ${path.join(console.workspace, 'config.json')}`);
    // Nothing in the page can name a module: no text field in the section, only the Ledger switch.
    const form = editor(page).getByRole('form', { name: 'Key backends' });
    await expect(form.getByRole('textbox')).toHaveCount(0);
    await expect(form.getByRole('checkbox', { name: 'Use Ledger devices' })).toBeVisible();
    await page.setViewportSize({ width: 1400, height: 900 });
    await modules.scrollIntoViewIfNeeded();
    await page.screenshot({ path: testInfo.outputPath('key-backends.png'), fullPage: false });
  },
);

test('roles and emergency revoke by two operators', async ({ page, console }) => {
  const passes = { target: 'e2e target pass 6120', op1: 'e2e operator one 3307', op2: 'e2e operator two 9914' };
  await openConsole(page, console);
  for (const [label, pass] of Object.entries(passes)) {
    const dialog = await generate(page, { backend: 'Software keystore', label, secret: pass, confirm: true });
    await registerFromDialog(page, dialog);
  }
  for (const [label, owner] of [
    ['op1', 'ops-a'],
    ['op2', 'ops-b'],
  ] as const) {
    await keyAction(page, label, 'Roles…');
    const dialog = page.getByRole('dialog', { name: 'Set key roles' });
    const roles = dialog.getByRole('group', { name: 'Roles' });
    await roles.getByLabel('approver').uncheck();
    await roles.getByLabel('initiator').uncheck();
    await roles.getByLabel('operator').check();
    await dialog.getByLabel('Owner').fill(owner);
    await dialog.getByRole('button', { name: 'Set key roles' }).click();
    await expect(dialog.getByRole('status')).toContainText('Roles set in block');
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await expect(keyRow(page, label)).toContainText('operator');
  }

  const revoke = async (operator: string, pass: string): Promise<Locator> => {
    await keyAction(page, 'target', 'Revoke…');
    const dialog = page.getByRole('dialog', { name: 'Emergency revoke' });
    await dialog.getByLabel('Reason').fill('laptop stolen');
    await dialog.getByLabel('Operator key').selectOption({ label: `${operator} (${operator === 'op1' ? 'ops-a' : 'ops-b'})` });
    await dialog.getByLabel('Operator passphrase').fill(pass);
    await dialog.getByRole('button', { name: 'Emergency revoke' }).click();
    return dialog;
  };
  let dialog = await revoke('op1', passes.op1);
  await expect(dialog.getByRole('status')).toContainText('1 of 2 operator signatures');
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(keyRow(page, 'target')).toContainText('Active');
  dialog = await revoke('op2', passes.op2);
  await expect(dialog.getByRole('status')).toContainText('the key is revoked');
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(keyRow(page, 'target')).toContainText('Revoked');
});

test('software key files: export a key, restore it from the file with its passphrase; a Web3 v3 file imports', async ({ page, console }) => {
  const PASS = 'e2e keyfile passphrase 6604';
  await openConsole(page, console);

  // A software key, created in the console.
  await editor(page).getByRole('button', { name: 'Create key', exact: true }).click();
  const create = page.getByRole('dialog', { name: 'Create key' });
  await create.getByLabel('Label').fill('io-key');
  await create.getByLabel('Passphrase', { exact: true }).fill(PASS);
  await create.getByLabel('Confirm passphrase').fill(PASS);
  await create.getByRole('button', { name: 'Create key', exact: true }).click();
  await expect(create).toBeHidden();
  const row = keyRow(page, 'io-key');
  await expect(row).toContainText('Ed25519');

  // Export: the download is the keystore file, still encrypted.
  const downloadP = page.waitForEvent('download');
  await keyAction(page, 'io-key', 'Export key file');
  const download = await downloadP;
  const name = download.suggestedFilename();
  expect(name).toMatch(/^[0-9a-f]{40}\.json$/);
  const keyId = name.slice(0, 40);
  const text = await readFile((await download.path())!, 'utf8');
  expect(JSON.parse(text)).toMatchObject({ format: 'charter-keystore/v1', key_id: keyId, label: 'io-key' });
  expect(text).not.toContain(PASS);

  const importFile = async (file: { name: string; text: string }, passphrase: string, label?: string): Promise<Locator> => {
    await editor(page).getByRole('button', { name: 'Import key file' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import key file' });
    await dialog.getByLabel('Key file', { exact: true }).setInputFiles({ name: file.name, mimeType: 'application/json', buffer: Buffer.from(file.text) });
    await dialog.getByLabel('Passphrase').fill(passphrase);
    if (label) await dialog.getByLabel('Label').fill(label);
    await dialog.getByRole('button', { name: 'Import key', exact: true }).click();
    return dialog;
  };

  // Still in the keystore: a duplicate is refused in the dialog.
  let dialog = await importFile({ name, text }, PASS);
  await expect(dialog.getByRole('alert')).toContainText('KEYSTORE_DUPLICATE');
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  // The keystore loses the key (a disk failure); the exported file restores it.
  const { rm } = await import('node:fs/promises');
  await rm(path.join(console.workspace, 'keystore', `${keyId}.json`));
  dialog = await importFile({ name, text }, 'not the passphrase 0000');
  await expect(dialog.getByRole('alert')).toContainText('WRONG_PASSPHRASE');
  await expect(dialog.getByLabel('Passphrase')).toHaveValue('');
  await dialog.getByLabel('Passphrase').fill(PASS);
  await dialog.getByRole('button', { name: 'Import key', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(keyRow(page, 'io-key')).toContainText(`${keyId.slice(0, 8)}…${keyId.slice(-4)}`);
  // The key is back, stored re-encrypted under the console's own KDF (a fresh salt), not the bytes of the file.
  const restored = JSON.parse(await readFile(path.join(console.workspace, 'keystore', `${keyId}.json`), 'utf8'));
  const original = JSON.parse(text);
  expect(restored).toMatchObject({ format: 'charter-keystore/v1', key_id: keyId, public_key: original.public_key, label: 'io-key' });
  expect(restored.crypto).toMatchObject({ kdf: 'scrypt', kdfparams: { n: 131072, r: 8, p: 1 } });
  expect(restored.crypto.kdfparams.salt).not.toBe(original.crypto.kdfparams.salt);

  // The Web3 Secret Storage v3 test vector (pbkdf2, password "testpassword") imports as a secp256k1 key.
  const vector = {
    crypto: {
      cipher: 'aes-128-ctr',
      cipherparams: { iv: '6087dab2f9fdbbfaddc31a909735c1e6' },
      ciphertext: '5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46',
      kdf: 'pbkdf2',
      kdfparams: { c: 262144, dklen: 32, prf: 'hmac-sha256', salt: 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd' },
      mac: '517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2',
    },
    id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
    version: 3,
  };
  dialog = await importFile({ name: 'UTC--vector', text: JSON.stringify(vector) }, 'testpassword', 'w3-vector');
  await expect(dialog).toBeHidden();
  await expect(keyRow(page, 'w3-vector')).toContainText('secp256k1');
  const w3P = page.waitForEvent('download');
  await keyAction(page, 'w3-vector', 'Export key file');
  expect((await w3P).suggestedFilename()).toMatch(/^UTC--.+--[0-9a-f]{40}$/);

  // No passphrase typed is left in the workspace files.
  const walk = async (d: string): Promise<string[]> =>
    (await readdir(d, { withFileTypes: true }))
      .flatMap((e) => (e.isDirectory() ? [] : [path.join(d, e.name)]))
      .concat(...(await Promise.all((await readdir(d, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => walk(path.join(d, e.name))))));
  for (const f of await walk(console.workspace)) expect((await readFile(f)).includes(Buffer.from(PASS)), f).toBe(false);
});
