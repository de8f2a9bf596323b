/**
 * The README's five steps, walked the way a new user would, in the served
 * console (Debian's Chromium) and in the Electron window where it exists.
 * Controls are found only by role, label and text.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import canonicalize from 'canonicalize';
import type { Locator, Page } from '@playwright/test';
import { expect, test, type ConsoleFixture } from './fixtures';

const PASSPHRASE = 'correct horse battery staple';

// ─── helpers: each is one thing a user does ─────────────────────────────────

async function openConsole(page: Page, console: ConsoleFixture): Promise<void> {
  if (console.url) await page.goto(console.url);
  const status = page.getByRole('contentinfo', { name: 'Status bar' });
  await expect(status.getByText(/Node connected/)).toBeVisible();
  // Key devices at a glance: the software keystore is the one device of a new console.
  await expect(status.getByText('Devices 1/1 ready')).toBeVisible();
  // The session token has left the address bar (it is kept in sessionStorage).
  if (console.url) expect(page.url()).not.toContain('token=');
}

function editor(page: Page): Locator {
  return page.getByRole('main', { name: 'Editor' });
}

function auditLog(page: Page): Locator {
  return page.getByRole('region', { name: 'Panel' }).getByRole('table', { name: 'Audit log' });
}

async function showView(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Activity bar' }).getByRole('button', { name, exact: true }).click();
  await expect(page.getByRole('tab', { name, exact: true, selected: true })).toBeVisible();
}

async function showAuditLog(page: Page): Promise<Locator> {
  await page.getByRole('region', { name: 'Panel' }).getByRole('tab', { name: 'Audit log' }).click();
  return auditLog(page);
}

/** Rows of the audit log for an action, optionally with some text (a code, a subject). */
function auditRows(page: Page, action: string, ...texts: string[]): Locator {
  let rows = auditLog(page)
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name: action, exact: true }) });
  for (const t of texts) rows = rows.filter({ hasText: t });
  return rows;
}

async function createKey(page: Page, label: string): Promise<void> {
  await editor(page).getByRole('button', { name: 'Create key', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Create key' });
  await dialog.getByLabel('Label').fill(label);
  await dialog.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await dialog.getByLabel('Confirm passphrase').fill(PASSPHRASE);
  await dialog.getByRole('button', { name: 'Create key', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(editor(page).getByRole('table', { name: 'Keys' }).getByRole('rowheader', { name: label, exact: true })).toBeVisible();
}

async function createVault(page: Page, name: string, approvers: string[], threshold: number): Promise<void> {
  await editor(page).getByRole('button', { name: 'Create vault', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Create vault' });
  await dialog.getByLabel('Name').fill(name);
  for (const a of approvers) await dialog.getByLabel(a, { exact: true }).check();
  await dialog.getByLabel('Threshold').fill(String(threshold));
  await dialog.getByRole('button', { name: 'Create vault', exact: true }).click();
  await expect(dialog).toBeHidden();
  const row = editor(page).getByRole('table', { name: 'Vaults' }).getByRole('row').filter({ hasText: name });
  await expect(row).toContainText(`${threshold} of ${approvers.length}`);
  await expect(row).toContainText(approvers.join(', '));
}

/** `shown`: the balance as the console shows it (in the asset's unit where it knows the decimals). */
async function fundVault(page: Page, asset: string, amount: string, shown: string): Promise<void> {
  await editor(page).getByRole('button', { name: 'Fund vault', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Fund vault' });
  await dialog.getByLabel('Asset').fill(asset);
  await dialog.getByLabel('Amount').fill(amount);
  await dialog.getByRole('button', { name: 'Fund vault', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(editor(page).getByRole('table', { name: 'Vaults' })).toContainText(shown);
}

interface Withdrawal {
  asset: string;
  amount: string;
  /** The amount as the console shows it. */
  shown: string;
  destination: string;
  memo: string;
  initiator: string;
}

async function fillWithdrawal(page: Page, w: Withdrawal, submit = true): Promise<Locator> {
  await editor(page).getByRole('button', { name: 'New withdrawal', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'New withdrawal' });
  await dialog.getByLabel('Asset').fill(w.asset);
  await dialog.getByLabel('Amount').fill(w.amount);
  await dialog.getByLabel('Destination').fill(w.destination);
  await dialog.getByLabel('Memo').fill(w.memo);
  await dialog.getByLabel('Initiator key').selectOption({ label: w.initiator });
  await dialog.getByLabel('Initiator passphrase').fill(PASSPHRASE);
  if (submit) await dialog.getByRole('button', { name: 'Request withdrawal' }).click();
  return dialog;
}

async function requestWithdrawal(page: Page, w: Withdrawal): Promise<Locator> {
  const dialog = await fillWithdrawal(page, w);
  await expect(dialog).toBeHidden();
  const row = editor(page).getByRole('table', { name: 'Withdrawal requests' }).getByRole('row').filter({ hasText: w.destination });
  await expect(row).toContainText(w.shown);
  await expect(row).toContainText('0 of 2');
  await expect(row).toContainText('Pending');
  return row;
}

/** Open the Approve dialog of a request row, choose a key, type a passphrase, sign. */
async function approve(page: Page, row: Locator, key: string, passphrase: string, opts: { showAll?: boolean } = {}): Promise<Locator> {
  await row.getByRole('button', { name: 'Approve', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Approve withdrawal' });
  await expect(dialog).toBeVisible();
  if (opts.showAll) await dialog.getByLabel('Show keys that cannot approve').check();
  await dialog.getByRole('group', { name: 'Approve with key' }).getByLabel(key, { exact: true }).check();
  // Before the passphrase: exactly what this key will sign, for this request.
  const requestId = (await dialog.getByRole('definition').filter({ hasText: /^wr-/ }).textContent())?.trim() ?? '';
  const envelope = dialog.getByRole('region', { name: 'What you will sign' }).getByLabel('Envelope to sign');
  await expect(envelope).toContainText('"type": "withdrawal.approve"');
  await expect(envelope).toContainText(`"request_id": "${requestId}"`);
  await expect(dialog.getByLabel('Signing details')).toContainText(/[0-9a-f]{64}/);
  await dialog.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await dialog.getByRole('button', { name: 'Sign approval' }).click();
  return dialog;
}

async function expectRefused(dialog: Locator, code: string, approvals: string): Promise<void> {
  const alert = dialog.getByRole('alert');
  await expect(alert).toContainText(code);
  // The passphrase is not kept after the call returns.
  await expect(dialog.getByLabel('Passphrase', { exact: true })).toHaveValue('');
  // Nothing changed: the request still has the same approvals.
  await expect(dialog.getByRole('definition').filter({ hasText: / of \d/ })).toHaveText(new RegExp(`^${approvals}`));
}

function ed25519Verify(publicKeyHex: string, messageHex: string, signatureHex: string): boolean {
  const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(publicKeyHex, 'hex')]);
  const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  return verify(null, Buffer.from(messageHex, 'hex'), key, Buffer.from(signatureHex, 'hex'));
}

// ─── the five steps ─────────────────────────────────────────────────────────

test('a new user creates keys and a 2-of-3 vault, withdraws with two approvals, explores the block and exports evidence', async ({ page, console }) => {
  await openConsole(page, console);
  const withdrawal: Withdrawal = {
    asset: 'USDC',
    amount: '2500',
    shown: '0.0025 USDC',
    destination: 'acct-0xDEADBEEF',
    memo: 'Payroll March',
    initiator: 'carol',
  };

  // 1. Three software keys under the same passphrase.
  await showView(page, 'Keys');
  for (const label of ['alice', 'bob', 'carol']) await createKey(page, label);
  await showAuditLog(page);
  await expect(auditRows(page, 'keys.create')).toHaveCount(3);
  // The passphrase appears nowhere on the page.
  await expect(page.getByText(PASSPHRASE)).toHaveCount(0);

  // 2. A vault with a 2-of-3 policy over them, funded from the devnet faucet.
  await showView(page, 'Approvals');
  await createVault(page, 'Treasury', ['alice', 'bob', 'carol'], 2);
  await fundVault(page, 'USDC', '1000000', '1 USDC');
  await expect(auditRows(page, 'custody.createVault', 'ok')).toHaveCount(1);
  await expect(auditRows(page, 'custody.fundVault', 'ok')).toHaveCount(1);
  await showView(page, 'Keys');
  await expect(editor(page).getByRole('table', { name: 'Keys' }).getByText('Active')).toHaveCount(3);

  // 3. A withdrawal, approved by two keys; a wrong passphrase first changes nothing.
  await showView(page, 'Approvals');
  const row = await requestWithdrawal(page, withdrawal);
  await expect(auditRows(page, 'custody.createWithdrawal', 'ok')).toHaveCount(1);

  let dialog = await approve(page, row, 'alice', 'not the passphrase');
  await expectRefused(dialog, 'WRONG_PASSPHRASE', '0 of 2');
  await expect(dialog.getByRole('alert')).toContainText('Nothing was signed');
  await dialog.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await dialog.getByRole('button', { name: 'Sign approval' }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toContainText('1 of 2');
  await expect(auditRows(page, 'custody.approve', 'WRONG_PASSPHRASE')).toHaveCount(1);
  await expect(auditRows(page, 'custody.approve', 'ok')).toHaveCount(1);

  // alice has approved: she is no longer offered; nor is carol, who initiated it (separation of duties).
  await row.getByRole('button', { name: 'Approve', exact: true }).click();
  dialog = page.getByRole('dialog', { name: 'Approve withdrawal' });
  await expect(dialog.getByRole('group', { name: 'Approve with key' }).getByLabel('alice', { exact: true })).toHaveCount(0);
  await expect(dialog.getByRole('group', { name: 'Approve with key' }).getByLabel('carol', { exact: true })).toHaveCount(0);
  // The pre-check in the asset's unit (the engine says base units), and keys by name.
  const controls = dialog.getByRole('table', { name: /^Controls of wr-/ });
  await expect(controls.getByRole('row').filter({ hasText: 'Balance' })).toContainText('vault holds 1 USDC (1000000 base units)');
  await expect(controls.getByRole('row').filter({ hasText: 'Separation of duties' })).toContainText(/initiator carol \([0-9a-f]{8}…\)/);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();

  dialog = await approve(page, row, 'bob', PASSPHRASE);
  await expect(dialog).toBeHidden();
  await expect(row).toContainText('2 of 2');
  await expect(row).toContainText(/Executed in block \d+/);
  const executedAt = Number(/Executed in block (\d+)/.exec((await row.textContent()) ?? '')?.[1]);
  expect(executedAt).toBeGreaterThan(0);
  await expect(auditRows(page, 'custody.approve', 'ok')).toHaveCount(2);
  await expect(editor(page).getByRole('table', { name: 'Vaults' })).toContainText('0.9975 USDC');

  // 4. The block and the transaction in the explorer.
  await row.getByRole('button', { name: `Open block ${executedAt}` }).click();
  await expect(page.getByRole('tab', { name: `Block ${executedAt}`, selected: true })).toBeVisible();
  await expect(editor(page).getByRole('heading', { name: `Block ${executedAt}`, level: 1 })).toBeVisible();
  const txs = editor(page).getByRole('table', { name: `Transactions in block ${executedAt}` });
  const approvalTx = txs.getByRole('row').filter({ hasText: 'withdrawal.approve' });
  await expect(approvalTx).toHaveCount(1);
  await expect(approvalTx).toContainText('ok');
  // The signer by its name (bob approved last, executing it), the full key id on hover.
  const signer = approvalTx.getByText('bob', { exact: true });
  await expect(signer).toBeVisible();
  await expect(signer).toHaveAttribute('title', /^[0-9a-f]{40}$/);
  await approvalTx.getByRole('button', { name: /Open transaction/ }).click();
  await expect(page.getByRole('tab', { name: /^Transaction /, selected: true })).toBeVisible();
  await expect(editor(page).getByRole('heading', { name: 'Transaction', level: 1 })).toBeVisible();
  await expect(editor(page).getByText('ok (code 0)')).toBeVisible();
  const envelope = editor(page).getByLabel('Decoded envelope');
  await expect(envelope).toContainText('"type": "withdrawal.approve"');
  await expect(envelope).toContainText('"signature"');
  await expect(editor(page).getByRole('heading', { name: /^Events/ })).toBeVisible();
  // The explorer search finds the block by height too.
  await showView(page, 'Nodes');
  // The validator set: the devnet's one validator signed the newest commit; no warning.
  const vset = editor(page).getByRole('table', { name: 'Validator set' });
  await expect(vset.getByRole('row')).toHaveCount(2);
  await expect(vset.getByRole('cell', { name: 'signed' })).toBeVisible();
  await expect(editor(page).getByText(/power 10 of 10 signed the newest commit \(above two thirds/)).toBeVisible();
  await vset.scrollIntoViewIfNeeded();
  await page.screenshot({ path: test.info().outputPath('nodes-validators.png') });
  await editor(page).getByLabel('Block height or transaction hash').fill(String(executedAt));
  await editor(page).getByRole('button', { name: 'Go' }).click();
  await expect(page.getByRole('tab', { name: `Block ${executedAt}`, selected: true })).toBeVisible();

  // 5. Evidence: canonical JSON with both approvals, their signatures and public keys, and the block.
  await showView(page, 'Evidence');
  const item = editor(page).getByRole('list', { name: 'Executed withdrawals' }).getByRole('listitem').filter({ hasText: withdrawal.destination });
  // In the asset's unit, never base units labelled as USDC; the base units on hover.
  await expect(item).toContainText(`0.0025 USDC → ${withdrawal.destination}`);
  await expect(item).not.toContainText('2500 USDC');
  await expect(item.getByRole('button', { name: `Export evidence for 0.0025 USDC (2500 base units) to ${withdrawal.destination}` })).toBeVisible();
  let text: string;
  if (console.host === 'serve') {
    const downloading = page.waitForEvent('download');
    await item.getByRole('button', { name: /^Export evidence/ }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^evidence-wr-[0-9a-f]{24}\.json$/);
    text = await readFile(await download.path(), 'utf8');
  } else {
    // Electron saves through its own save dialog; read the workspace's copy instead.
    await item.getByRole('button', { name: /^Export evidence/ }).click();
    text = '';
  }
  const exported = item.getByRole('status', { name: /Exported evidence/ });
  await expect(exported).toBeVisible();
  const shownSha = (await exported.getByRole('definition').nth(1).textContent())?.trim() ?? '';
  const artifactPath = (await exported.getByRole('definition').nth(2).textContent())?.trim() ?? '';
  expect(artifactPath.startsWith(console.workspace)).toBe(true);
  const stored = await readFile(artifactPath, 'utf8');
  if (text === '') text = stored;
  expect(stored).toBe(text);
  expect(createHash('sha256').update(text, 'utf8').digest('hex')).toBe(shownSha);
  expect(canonicalize(JSON.parse(text))).toBe(text);

  const doc = JSON.parse(text) as {
    format: string;
    request: { request_id: string; amount: string; asset: string; destination: string; status: string };
    approvals: { signature: string; signing_digest: string; signer: { public_key: string; label: string; key_id: string } }[];
    execution: { block: { height: number | string; time: string } };
  };
  expect(doc.request).toMatchObject({ amount: '2500', asset: 'USDC', destination: withdrawal.destination, status: 'executed' });
  expect(doc.approvals).toHaveLength(2);
  expect(doc.approvals.map((a) => a.signer.label).sort()).toEqual(['alice', 'bob']);
  for (const a of doc.approvals) {
    expect(a.signer.public_key).toMatch(/^[0-9a-f]{64}$/);
    expect(a.signature).toMatch(/^[0-9a-f]{128}$/);
    expect(ed25519Verify(a.signer.public_key, a.signing_digest, a.signature)).toBe(true);
  }
  expect(Number(doc.execution.block.height)).toBe(executedAt);
  expect(Number.isNaN(Date.parse(doc.execution.block.time))).toBe(false);
  await expect(auditRows(page, 'evidence.exportWithdrawal', 'ok')).toHaveCount(1);

  // The audit log is intact, and the Overview's first steps are all done.
  await page.getByRole('region', { name: 'Panel' }).getByRole('button', { name: 'Verify chain' }).click();
  await expect(page.getByText(/Audit chain verified: \d+ entries/)).toBeVisible();
  await showView(page, 'Overview');
  await expect(editor(page).getByRole('heading', { name: /First steps/ })).toContainText('7 of 7 done');
});

// ─── refusals: each shows its code where the user is looking; nothing changes ─

test('keys that cannot approve say why and sign nothing; overdrafts are refused before signing', async ({ page, console }) => {
  await openConsole(page, console);
  await showView(page, 'Keys');
  for (const label of ['alice', 'bob', 'carol', 'mallory']) await createKey(page, label);
  // mallory is a registered key, but not an approver of the vault.
  await editor(page).getByRole('button', { name: 'Actions for mallory' }).click();
  await page.getByRole('menu', { name: 'Actions for mallory' }).getByRole('menuitem', { name: 'Register on chain…' }).click();
  const register = page.getByRole('dialog', { name: 'Register key on chain' });
  await register.getByRole('button', { name: 'Register key on chain' }).click();
  await expect(register.getByRole('status')).toContainText('Registered in block');
  await register.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(editor(page).getByRole('table', { name: 'Keys' }).getByRole('row').filter({ hasText: 'mallory' })).toContainText('Active');

  await showView(page, 'Approvals');
  await createVault(page, 'Operations', ['alice', 'bob', 'carol'], 2);
  await fundVault(page, 'EUR', '5000', '5,000 EUR (base units)');

  // A withdrawal above the balance is refused in the form itself, before anything is signed.
  const over = await fillWithdrawal(
    page,
    { asset: 'EUR', amount: '5001', shown: '', destination: 'iban-DE89370400440532013000', memo: '', initiator: 'alice' },
    false,
  );
  await expect(over.getByRole('alert')).toContainText('More than the vault holds');
  await expect(over.getByRole('button', { name: 'Request withdrawal' })).toBeDisabled();
  await over.getByRole('button', { name: 'Cancel' }).click();
  await expect(over).toBeHidden();
  await expect(editor(page).getByText('No withdrawal requests yet.')).toBeVisible();

  const row = await requestWithdrawal(page, {
    asset: 'EUR',
    amount: '1200',
    shown: '1,200 EUR',
    destination: 'iban-DE89370400440532013000',
    memo: 'Supplier',
    initiator: 'bob',
  });
  let dialog = await approve(page, row, 'alice', PASSPHRASE);
  await expect(dialog).toBeHidden();
  await expect(row).toContainText('1 of 2');

  // Keys that cannot approve are offered only when the user asks to see every key; choosing one says why,
  // asks for no passphrase and cannot be signed (the chain would refuse it: not an approver, self-approval, twice).
  await row.getByRole('button', { name: 'Approve', exact: true }).click();
  dialog = page.getByRole('dialog', { name: 'Approve withdrawal' });
  await dialog.getByLabel('Show keys that cannot approve').check();
  for (const [key, why] of [
    ['mallory', 'not an approver of this vault'],
    ['bob', 'initiated this request'],
    ['alice', 'has already approved'],
  ] as const) {
    await dialog.getByRole('group', { name: 'Approve with key' }).getByLabel(key, { exact: true }).check();
    await expect(dialog.getByRole('note', { name: 'Why this key cannot approve' })).toContainText(`“${key}” cannot approve this request (${why}`);
    await expect(dialog.getByRole('button', { name: 'Sign approval' })).toBeDisabled();
    await expect(dialog.getByLabel('Passphrase', { exact: true })).toHaveCount(0);
    await expect(dialog.getByRole('region', { name: 'What you will sign' })).toHaveCount(0);
  }
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  await expect(row).toContainText('1 of 2');
  await expect(row).toContainText('Pending');
  await expect(editor(page).getByRole('table', { name: 'Vaults' })).toContainText('5,000 EUR');
  await showAuditLog(page);
  // alice's one approval is recorded; the keys that cannot approve signed nothing, so nothing was refused.
  await expect(auditRows(page, 'custody.approve')).toHaveCount(1);
  for (const code of ['NOT_AN_APPROVER', 'DUPLICATE_APPROVAL', 'SELF_APPROVAL']) await expect(auditRows(page, 'custody.approve', code)).toHaveCount(0);
  // The overdraft never reached the chain: nothing was signed, so nothing was refused there.
  await expect(auditRows(page, 'custody.createWithdrawal', 'INSUFFICIENT_BALANCE')).toHaveCount(0);
});

// ─── the workbench itself ───────────────────────────────────────────────────

test('the command palette lists every action with its keybinding; the theme persists; later views say when they arrive', async ({ page, console }) => {
  await openConsole(page, console);

  await page.keyboard.press('Control+Shift+P');
  const palette = page.getByRole('dialog', { name: 'Command palette' });
  await expect(palette).toBeVisible();
  for (const [title, keys] of [
    ['Preferences: Toggle Light/Dark Theme', 'Ctrl+K T'],
    ['Keys: Create Key…', 'Ctrl+K K'],
    ['Custody: New Withdrawal…', 'Ctrl+K W'],
    ['Audit: Verify Audit Log Chain', 'Ctrl+K A'],
    ['View: Show Nodes', 'Ctrl+Shift+9'],
    ['View: Show Security Events', 'Ctrl+K S'],
  ] as const) {
    const option = palette.getByRole('option', { name: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) });
    await expect(option).toContainText(keys);
  }
  await palette.getByRole('combobox').fill('toggle theme');
  await expect(palette.getByRole('option')).toHaveCount(1);
  await page.keyboard.press('Escape');
  await expect(palette).toBeHidden();

  // The Security events panel: filterable; a fresh chain has none (check-time refusals never reach a block).
  await page.getByRole('tablist', { name: 'Panel' }).getByRole('tab', { name: 'Security events' }).click();
  const filter = page.getByRole('form', { name: 'Filter security events' });
  await expect(filter.getByLabel('Kind')).toBeVisible();
  await filter.getByLabel('Kind').selectOption('key_quarantined');
  await filter.getByRole('button', { name: 'Filter' }).click();
  await expect(page.getByText('No security events match this filter.')).toBeVisible();

  // Theme: the status bar says which; the toggle persists through settings.set.
  const status = page.getByRole('contentinfo', { name: 'Status bar' });
  const before = (await status.getByRole('button', { name: /^Theme: / }).textContent()) ?? '';
  await page.keyboard.press('Control+K');
  await page.keyboard.press('T');
  await expect(status.getByRole('button', { name: /^Theme: / })).not.toHaveText(before);
  const after = (await status.getByRole('button', { name: /^Theme: / }).textContent()) ?? '';
  await page.reload();
  await expect(status.getByText(/Node connected/)).toBeVisible();
  await expect(status.getByRole('button', { name: /^Theme: / })).toHaveText(after);
  // The reload kept the layout: the panel still shows Security events.
  await expect(page.getByRole('tablist', { name: 'Panel' }).getByRole('tab', { name: 'Security events', selected: true })).toBeVisible();
  await showAuditLog(page);
  await expect(auditRows(page, 'settings.set', 'ok')).toHaveCount(1);

  // Governance: the devnet admin (genesis member) drafts a protocol proposal, votes, executes it.
  await showView(page, 'Governance');
  const gov = editor(page);
  const draft = gov.getByRole('form', { name: 'New proposal' });
  await expect(draft.getByLabel('Action', { exact: true })).toHaveValue('params.set');
  await draft.getByLabel('Action (JSON)').fill('{"type": "params.set", "max_expiry_blocks": 640}');
  // Each signature shows what is signed, and by whom, and asks first.
  const signGov = async (open: () => Promise<void>, title: string, type: string) => {
    await open();
    const d = page.getByRole('dialog', { name: title });
    await expect(d.getByLabel('Envelope to sign')).toContainText(`"type": "${type}"`);
    await expect(d.getByLabel('Signing details')).toContainText('Devnet admin');
    await d.getByRole('button', { name: title }).click();
    await expect(d).toBeHidden();
  };
  await signGov(() => draft.getByRole('button', { name: 'Review and sign proposal' }).click(), 'Sign proposal', 'gov.propose');
  const proposal = gov.getByRole('table', { name: 'Proposals' }).getByRole('row').filter({ hasText: 'params.set' });
  await expect(proposal).toContainText('open');
  await signGov(() => proposal.getByRole('button', { name: /^Vote yes on params\.set/ }).click(), 'Sign vote', 'gov.vote');
  await expect(proposal).toContainText('passed');
  await signGov(() => proposal.getByRole('button', { name: /^Execute params\.set/ }).click(), 'Sign execution', 'gov.execute');
  await expect(proposal).toContainText('executed');
  await expect(auditRows(page, 'governance.execute', 'ok')).toHaveCount(1);
  // A malformed action is refused where the user is looking, with its code.
  await draft.getByLabel('Action (JSON)').fill('{"type": "params.set", "max_expiry_blocks": -1}');
  await draft.getByRole('button', { name: 'Review and sign proposal' }).click();
  await expect(gov.getByRole('alert')).toContainText(/[A-Z_]{6,}/);

  // Views not in the console yet say so, and what works today, and show nothing invented.
  for (const name of ['Ceremonies', 'Runbooks', 'Replay']) {
    await showView(page, name);
    await expect(
      editor(page)
        .getByRole('tabpanel')
        .getByText(/^Arrives with /),
    ).toBeVisible();
  }

  // Editor tabs: arrow keys move between them, Delete closes one.
  await page.getByRole('tab', { name: 'Replay', selected: true }).focus();
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByRole('tab', { name: 'Runbooks', selected: true })).toBeFocused();
  await page.keyboard.press('Delete');
  await expect(page.getByRole('tab', { name: 'Runbooks' })).toHaveCount(0);
});
