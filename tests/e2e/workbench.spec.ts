/**
 * The workbench as a new user meets it, in the served console (Debian's
 * Chromium): where focus goes when the palette or a dialog opens, how errors
 * read and where they appear, long labels, the per-key menu, notices, the
 * status bar at 1024 px, the layout across a reload, and the palette's
 * commands with the bindings that reach a page in a browser.
 * Controls are found by role, label and text; screenshots are attached.
 */
import type { Locator, Page, TestInfo } from '@playwright/test';
import { contractCall } from './contract-client';
import { expect, test, type ConsoleFixture } from './fixtures';

const PASSPHRASE = 'correct horse battery staple';
/** A 64-character label without spaces, the longest a key may have. */
const LONG = `custodian-${'x'.repeat(43)}-0123456789`;

async function openConsole(page: Page, console: ConsoleFixture): Promise<void> {
  if (console.url) await page.goto(console.url);
  await expect(page.getByRole('contentinfo', { name: 'Status bar' }).getByText(/Node connected/)).toBeVisible();
}

function editor(page: Page): Locator {
  return page.getByRole('main', { name: 'Editor' });
}

/** A screenshot kept with the test's output, to be looked at. */
async function shot(page: Page | Locator, testInfo: TestInfo, name: string): Promise<void> {
  const file = testInfo.outputPath(name);
  await page.screenshot({ path: file });
  await testInfo.attach(name, { path: file, contentType: 'image/png' });
}

async function showView(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Activity bar' }).getByRole('button', { name, exact: true }).click();
  await expect(page.getByRole('tab', { name, exact: true, selected: true })).toBeVisible();
}

/** Create a software key by typing only: the dialog opens with focus on its first field. */
async function createKey(page: Page, label: string): Promise<void> {
  await page.keyboard.press('Control+K');
  await page.keyboard.press('k');
  const dialog = page.getByRole('dialog', { name: 'Create key' });
  await expect(dialog.getByLabel('Label')).toBeFocused();
  await page.keyboard.type(label);
  await dialog.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await dialog.getByLabel('Confirm passphrase').fill(PASSPHRASE);
  await dialog.getByRole('button', { name: 'Create key', exact: true }).click();
  await expect(dialog).toBeHidden();
}

function boxesOverlap(a: { x: number; y: number; width: number; height: number }, b: { x: number; y: number; width: number; height: number }): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

test('the palette and dialogs take typing at once; every named action is a command, with bindings that reach the page', async ({ page, console }, testInfo) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await openConsole(page, console);

  // Open the palette with the keyboard and type: the list filters, no Tab needed.
  await page.keyboard.press('Control+Shift+P');
  const palette = page.getByRole('dialog', { name: 'Command palette' });
  await expect(palette.getByRole('combobox', { name: 'Command' })).toBeFocused();
  await page.keyboard.type('show keys');
  await expect(palette.getByRole('option', { name: /View: Show Keys/ })).toBeVisible();
  await expect(palette.getByRole('option', { name: /Toggle Side Bar/ })).toHaveCount(0);
  await shot(page, testInfo, 'palette-typed.png');
  await page.keyboard.press('Enter');
  await expect(palette).toBeHidden();
  await expect(page.getByRole('tab', { name: 'Keys', exact: true, selected: true })).toBeVisible();

  // Every action of the UI is a command.
  await page.keyboard.press('Control+Shift+P');
  for (const title of [
    'Custody: Approve a Withdrawal…',
    'Custody: Cancel Withdrawal Request…',
    'Governance: New Governance Proposal…',
    'Governance: Vote on a Proposal…',
    'Governance: Execute a Passed Proposal…',
    'Evidence: Build Evidence Bundle for a Withdrawal…',
    'Evidence: Build History Segment Bundle…',
    'Evidence: Verify Evidence Bundle…',
    'Evidence: Export Withdrawal Evidence…',
    'Keys: Import Key File…',
    'Keys: Export Key File…',
    'Keys: Register Key on Chain…',
    'Keys: Re-attest Key…',
    'Keys: Set Key Roles…',
    'Keys: Rotate Key…',
    'Keys: Retire Key…',
    'Keys: Emergency Revoke Key…',
  ]) {
    await expect(palette.getByRole('option', { name: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) })).toHaveCount(1);
  }
  // In a browser the palette shows the bindings that reach the page, not the browser's own keys.
  const binding = (title: string) => palette.getByRole('option', { name: new RegExp(`^View: ${title}`) }).locator('kbd');
  await expect(binding('Close Editor Tab')).toHaveText('Ctrl+Alt+W');
  await expect(binding('Open Next Editor Tab')).toHaveText('Ctrl+Alt+PageDown');
  await expect(binding('Open Previous Editor Tab')).toHaveText('Ctrl+Alt+PageUp');
  await expect(binding('Toggle Panel')).toHaveText('Ctrl+Alt+J');
  await expect(binding('Toggle Side Bar')).toHaveText('Ctrl+Alt+B');
  await page.keyboard.press('Escape');
  await expect(palette).toBeHidden();

  // Press the bindings and watch what they do.
  const sideBar = page.getByRole('complementary', { name: 'Side bar' });
  const panel = page.getByRole('region', { name: 'Panel' });
  await page.keyboard.press('Control+Alt+B');
  await expect(sideBar).toBeHidden();
  await page.keyboard.press('Control+Alt+B');
  await expect(sideBar).toBeVisible();
  await page.keyboard.press('Control+Alt+J');
  await expect(panel).toBeHidden();
  await page.keyboard.press('Control+Alt+J');
  await expect(panel).toBeVisible();
  await page.keyboard.press('Control+Shift+U');
  await expect(panel.getByRole('tab', { name: 'Output', selected: true })).toBeVisible();
  await page.keyboard.press('Control+Shift+Y');
  await expect(panel.getByRole('tab', { name: 'Audit log', selected: true })).toBeVisible();
  await page.keyboard.press('Control+K');
  await page.keyboard.press('s');
  await expect(panel.getByRole('tab', { name: /Security/, selected: true })).toBeVisible();

  // Tabs: Overview and Keys are open, Keys active.
  await page.keyboard.press('Control+Alt+PageUp');
  await expect(page.getByRole('tab', { name: 'Overview', exact: true, selected: true })).toBeVisible();
  await page.keyboard.press('Control+Alt+PageDown');
  await expect(page.getByRole('tab', { name: 'Keys', exact: true, selected: true })).toBeVisible();
  await page.keyboard.press('Control+Shift+9');
  await expect(page.getByRole('tab', { name: 'Nodes', exact: true, selected: true })).toBeVisible();
  await page.keyboard.press('Control+Alt+W');
  await expect(page.getByRole('tab', { name: 'Nodes', exact: true })).toHaveCount(0);

  // Theme.
  const status = page.getByRole('contentinfo', { name: 'Status bar' });
  const themeBefore = (await status.getByRole('button', { name: /^Theme:/ }).textContent()) ?? '';
  await page.keyboard.press('Control+K');
  await page.keyboard.press('t');
  await expect(status.getByRole('button', { name: /^Theme:/ })).not.toHaveText(themeBefore);

  // Ctrl+K I opens the import dialog with focus on its first field.
  await page.keyboard.press('Control+K');
  await page.keyboard.press('i');
  const importDialog = page.getByRole('dialog', { name: /Import key/ });
  await expect(importDialog).toBeVisible();
  await expect(importDialog.getByRole('button', { name: 'Close dialog' })).not.toBeFocused();
  await page.keyboard.press('Escape');
  await expect(importDialog).toBeHidden();

  // Ctrl+K E exports evidence; with no executed withdrawal it says so (and does not switch views).
  await page.keyboard.press('Control+K');
  await page.keyboard.press('e');
  await expect(page.getByRole('region', { name: 'Notifications' })).toContainText('No withdrawal has executed yet');
  await expect(page.getByRole('tab', { name: 'Evidence', exact: true })).toHaveCount(0);

  // Ctrl+G to a height that does not exist: said inline, by the search box, and no tab opens.
  await page.keyboard.press('Control+G');
  const search = editor(page).getByRole('search', { name: 'Explorer search' });
  await expect(search.getByLabel('Block height or transaction hash')).toBeFocused();
  await page.keyboard.type('999999');
  await page.keyboard.press('Enter');
  await expect(search.getByRole('alert')).toContainText(/there is no block 999999 yet: the chain is at height \d+/i);
  await expect(page.getByRole('tab', { name: 'Block 999999' })).toHaveCount(0);
  await shot(page, testInfo, 'explorer-missing-height.png');
  // An existing height opens its tab.
  await search.getByLabel('Block height or transaction hash').fill('1');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('tab', { name: 'Block 1', selected: true })).toBeVisible();

  // A command that needs a target asks for it: Register Key on Chain… lists the keys.
  await createKey(page, 'palette-key');
  await page.keyboard.press('Control+Shift+P');
  await page.keyboard.type('register key on chain');
  await page.keyboard.press('Enter');
  const pick = page.getByRole('dialog', { name: 'Register which key on chain?' });
  await expect(pick.getByRole('combobox')).toBeFocused();
  await page.keyboard.type('palette');
  await expect(pick.getByRole('option', { name: /palette-key/ })).toBeVisible();
  await page.keyboard.press('Enter');
  const reg = page.getByRole('dialog', { name: 'Register key on chain' });
  await expect(reg).toContainText('palette-key');
  await page.keyboard.press('Escape');
  await expect(reg).toBeHidden();
});

test('errors read as sentences next to their button; approve fits at 1280×800; long labels, menus, notices and the status bar fit', async ({
  page,
  console,
}, testInfo) => {
  await page.setViewportSize({ width: 1400, height: 800 });
  await openConsole(page, console);
  await showView(page, 'Keys');
  for (const label of [LONG, 'bob', 'carol']) await createKey(page, label);

  // The Keys table: the long label is cut with an ellipsis and in full on hover; the row's actions are one menu, in sight.
  const table = editor(page).getByRole('table', { name: 'Keys' });
  const longRow = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: LONG, exact: true }) });
  const labelCell = longRow.getByRole('rowheader').locator('[title]');
  await expect(labelCell).toHaveAttribute('title', LONG);
  expect(await labelCell.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  const actions = longRow.getByRole('button', { name: `Actions for ${LONG}` });
  await expect(actions).toBeInViewport({ ratio: 1 });
  const panelEl = editor(page).getByRole('tabpanel');
  expect(await panelEl.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);

  // The menu works from the keyboard: open, move, Escape returns to the button.
  await actions.focus();
  await page.keyboard.press('ArrowDown');
  const menu = page.getByRole('menu', { name: `Actions for ${LONG}` });
  await expect(menu.getByRole('menuitem').first()).toBeFocused();
  await expect(menu.getByRole('menuitem', { name: 'Register on chain…' })).toBeVisible();
  await expect(menu.getByRole('menuitem', { name: 'Export key file' })).toBeVisible();
  await shot(page, testInfo, 'keys-menu.png');
  await page.keyboard.press('ArrowDown');
  await expect(menu.getByRole('menuitem', { name: 'Export key file' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(actions).toBeFocused();
  // Export from the menu: its notice names the long label and neither overflows nor covers the table's buttons.
  await page.keyboard.press('Enter');
  await menu.getByRole('menuitem', { name: 'Export key file' }).click();
  const notices = page.getByRole('region', { name: 'Notifications' });
  const notice = notices.getByRole('status').filter({ hasText: LONG });
  await expect(notice).toBeVisible();
  const nb = (await notice.boundingBox())!;
  expect(nb.x + nb.width).toBeLessThanOrEqual(1400);
  expect(await notices.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
  for (const b of await table.getByRole('button').all()) {
    const bb = await b.boundingBox();
    if (bb) expect(boxesOverlap(nb, bb), 'a notice covers a table button').toBe(false);
  }
  await shot(page, testInfo, 'keys-long-label-notice.png');

  // A dialog with the long label has no horizontal scrollbar.
  await actions.click();
  await menu.getByRole('menuitem', { name: 'Register on chain…' }).click();
  const reg = page.getByRole('dialog', { name: 'Register key on chain' });
  await expect(reg).toContainText(LONG);
  expect(await reg.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
  await page.keyboard.press('Escape');

  // A contract refusal of a field reads as words, next to the button; the internals are behind "Details".
  await showView(page, 'Approvals');
  await editor(page).getByRole('button', { name: 'Create vault', exact: true }).click();
  const vaultDialog = page.getByRole('dialog', { name: 'Create vault' });
  await expect(vaultDialog.getByLabel('Name')).toBeFocused();
  await page.keyboard.type('Q');
  for (const a of [LONG, 'bob', 'carol']) await vaultDialog.getByLabel(a, { exact: true }).check();
  await vaultDialog.getByLabel('Threshold').fill('2');
  await vaultDialog.getByRole('button', { name: 'Create vault', exact: true }).click();
  const vaultAlert = vaultDialog.getByRole('alert');
  await expect(vaultAlert).toContainText('One field is not valid.');
  await expect(vaultAlert.getByRole('listitem')).toHaveText(/^Vault id: must be 2–32 characters/);
  await expect(vaultAlert.getByText(/custody\.createVault/)).toBeHidden();
  await expect(vaultAlert.getByText(/problems/)).toBeHidden();
  const ab = (await vaultAlert.boundingBox())!;
  const cb = (await vaultDialog.getByRole('button', { name: 'Create vault', exact: true }).boundingBox())!;
  expect(cb.y - (ab.y + ab.height)).toBeLessThan(48);
  await expect(vaultAlert).toBeInViewport();
  await shot(page, testInfo, 'error-field.png');
  await vaultAlert.getByText('Details').click();
  await expect(vaultAlert.getByText(/custody\.createVault: vaultId/)).toBeVisible();
  await vaultDialog.getByLabel('Vault id').fill('treasury');
  await vaultDialog.getByRole('button', { name: 'Create vault', exact: true }).click();
  await expect(vaultDialog).toBeHidden();

  await editor(page).getByRole('button', { name: 'Fund vault', exact: true }).click();
  const fund = page.getByRole('dialog', { name: 'Fund vault' });
  await fund.getByLabel('Asset').fill('USDC');
  await fund.getByLabel('Amount').fill('5000');
  await fund.getByRole('button', { name: 'Fund vault', exact: true }).click();
  await expect(fund).toBeHidden();
  await editor(page).getByRole('button', { name: 'New withdrawal', exact: true }).click();
  const wd = page.getByRole('dialog', { name: 'New withdrawal' });
  await wd.getByLabel('Asset').fill('USDC');
  await wd.getByLabel('Amount').fill('100');
  await wd.getByLabel('Destination').fill('acct-dest-1');
  await wd.getByLabel('Initiator key').selectOption({ label: 'bob' });
  await wd.getByLabel('Initiator passphrase').fill(PASSPHRASE);
  await wd.getByRole('button', { name: 'Request withdrawal' }).click();
  await expect(wd).toBeHidden();

  // Approve at 1280×800: key, passphrase and Sign are in sight without scrolling; the envelope scrolls beside them.
  await page.setViewportSize({ width: 1280, height: 800 });
  const row = editor(page).getByRole('table', { name: 'Withdrawal requests' }).getByRole('row').filter({ hasText: 'acct-dest-1' });
  await row.getByRole('button', { name: 'Approve', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Approve withdrawal' });
  await expect(dialog.getByRole('region', { name: 'What you will sign' }).getByLabel('Envelope to sign')).toContainText('"type": "withdrawal.approve"');
  await expect(dialog.getByLabel('Passphrase', { exact: true })).toBeFocused();
  await expect(dialog.getByRole('group', { name: 'Approve with key' })).toBeInViewport({ ratio: 1 });
  await expect(dialog.getByLabel('Passphrase', { exact: true })).toBeInViewport({ ratio: 1 });
  await expect(dialog.getByRole('button', { name: 'Sign approval' })).toBeInViewport({ ratio: 1 });
  expect(await dialog.evaluate((el) => el.scrollHeight <= el.clientHeight + 1)).toBe(true);
  await shot(page, testInfo, 'approve-1280x800.png');

  // The initiator's key, shown on request: the dialog says why it cannot approve, by the key choice, and Sign is off.
  await dialog.getByLabel('Show keys that cannot approve').check();
  await dialog.getByRole('group', { name: 'Approve with key' }).getByLabel('bob', { exact: true }).check();
  const why = dialog.getByRole('note', { name: 'Why this key cannot approve' });
  await expect(why).toContainText('“bob” cannot approve this request (initiated this request (separation of duties))');
  await expect(why).toBeInViewport({ ratio: 1 });
  await expect(dialog.getByRole('button', { name: 'Sign approval' })).toBeDisabled();
  await expect(dialog.getByRole('button', { name: 'Sign approval' })).toBeInViewport({ ratio: 1 });
  await shot(page, testInfo, 'approve-ineligible.png');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  // Approve from the keyboard: Ctrl+K P opens the one pending request's dialog, ready for the passphrase.
  for (const key of ['carol', LONG]) {
    await page.keyboard.press('Control+K');
    await page.keyboard.press('p');
    await expect(dialog).toBeVisible();
    await dialog.getByRole('group', { name: 'Approve with key' }).getByLabel(key, { exact: true }).check();
    await dialog.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await dialog.getByRole('button', { name: 'Sign approval' }).click();
    await expect(dialog).toBeHidden();
  }
  await expect(row).toContainText('Executed');
  // Ctrl+K E exports the evidence of the one executed withdrawal (no detour through the Evidence view).
  const downloadP = page.waitForEvent('download');
  await page.keyboard.press('Control+K');
  await page.keyboard.press('e');
  const download = await downloadP;
  expect(download.suggestedFilename()).toMatch(/^evidence-wr-[0-9a-f]{24}\.json$/);
  await expect(page.getByRole('region', { name: 'Notifications' })).toContainText('Evidence exported');
  await expect(page.getByRole('tab', { name: 'Evidence', exact: true })).toHaveCount(0);

  // The status bar at 1024 px: no two items overlap, none leaves the bar.
  await page.setViewportSize({ width: 1024, height: 700 });
  const bar = page.getByRole('contentinfo', { name: 'Status bar' });
  const barBox = (await bar.boundingBox())!;
  const items = await bar.locator('.status-item').all();
  const boxes = [];
  for (const it of items) {
    const b = await it.boundingBox();
    if (b && b.width > 0) boxes.push(b);
  }
  expect(boxes.length).toBeGreaterThanOrEqual(4);
  for (let i = 0; i < boxes.length; i++) {
    expect(boxes[i]!.x + boxes[i]!.width).toBeLessThanOrEqual(barBox.x + barBox.width + 0.5);
    for (let j = i + 1; j < boxes.length; j++) expect(boxesOverlap(boxes[i]!, boxes[j]!), `status items ${i} and ${j} overlap`).toBe(false);
  }
  await shot(page, testInfo, 'status-bar-1024.png');
});

test('a reload restores the open tabs, the active one in view, and the layout', async ({ page, console }, testInfo) => {
  await page.setViewportSize({ width: 900, height: 700 });
  await openConsole(page, console);
  for (const name of ['Keys', 'Approvals', 'Governance', 'Ceremonies', 'Runbooks', 'Evidence', 'Replay', 'Nodes']) await showView(page, name);
  await page.keyboard.press('Control+G');
  await expect(editor(page).getByLabel('Block height or transaction hash')).toBeFocused();
  await page.keyboard.type('1');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('tab', { name: 'Block 1', selected: true })).toBeVisible();
  await page.keyboard.press('Control+Shift+U');
  await page.keyboard.press('Control+Alt+B');
  await expect(page.getByRole('complementary', { name: 'Side bar' })).toBeHidden();
  // Make Evidence active: a tab in the middle of a strip wider than the window.
  await page.getByRole('tab', { name: 'Evidence', exact: true }).click();
  const tabsBefore = await page.getByRole('tablist', { name: 'Open editors' }).getByRole('tab').allTextContents();
  expect(tabsBefore.length).toBe(10);
  // Saving follows a change by a quarter of a second.
  await page.waitForTimeout(600);

  await page.reload();
  await expect(page.getByRole('contentinfo', { name: 'Status bar' }).getByText(/Node connected/)).toBeVisible();
  const strip = page.getByRole('tablist', { name: 'Open editors' });
  await expect(strip.getByRole('tab')).toHaveText(tabsBefore);
  const active = strip.getByRole('tab', { name: 'Evidence', exact: true, selected: true });
  await expect(active).toBeVisible();
  await expect(editor(page).getByRole('heading', { name: 'Evidence', level: 1 })).toBeVisible();
  await expect(page.getByRole('complementary', { name: 'Side bar' })).toBeHidden();
  await expect(page.getByRole('region', { name: 'Panel' }).getByRole('tab', { name: 'Output', selected: true })).toBeVisible();
  // The strip is wider than the editor, and the active tab is scrolled into it.
  expect(await strip.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  const sb = (await strip.boundingBox())!;
  await expect
    .poll(async () => {
      const ab = (await active.boundingBox())!;
      return ab.x >= sb.x - 0.5 && ab.x + ab.width <= sb.x + sb.width + 0.5;
    })
    .toBe(true);
  await shot(page, testInfo, 'reload-restored.png');

  // Close the panel and a tab, reload again: still as left.
  await page.keyboard.press('Control+Alt+J');
  await page.keyboard.press('Control+Alt+W');
  await expect(strip.getByRole('tab', { name: 'Evidence', exact: true })).toHaveCount(0);
  await page.waitForTimeout(600);
  await page.reload();
  await expect(page.getByRole('contentinfo', { name: 'Status bar' }).getByText(/Node connected/)).toBeVisible();
  await expect(page.getByRole('tablist', { name: 'Open editors' }).getByRole('tab')).toHaveCount(9);
  await expect(page.getByRole('tab', { name: 'Evidence', exact: true })).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Panel' })).toBeHidden();
});

test('layout fits: dialog actions stay in view after an error, long labels are cut in every table, row actions in view at 1024 px, eight editor tabs fit', async ({
  page,
  console,
}, testInfo) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await openConsole(page, console);
  await showView(page, 'Keys');
  for (const label of [LONG, 'bob', 'carol', 'dave']) await createKey(page, label);

  // Keys: the long label is cut (full text on hover), the other columns keep their room, dates stay on one line.
  const keysTable = editor(page).getByRole('table', { name: 'Keys' });
  const longRow = keysTable.getByRole('row').filter({ has: page.getByRole('rowheader', { name: LONG, exact: true }) });
  const labelSpan = longRow.getByRole('rowheader').locator('[title]');
  await expect(labelSpan).toHaveAttribute('title', LONG);
  expect(await labelSpan.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  const lineCount = (cell: Locator) =>
    cell.evaluate((el) => {
      const r = document.createRange();
      r.selectNodeContents(el);
      return new Set(Array.from(r.getClientRects()).map((b) => Math.round(b.top))).size;
    });
  for (const row of await keysTable.getByRole('row').all()) {
    const cells = row.getByRole('cell');
    if ((await cells.count()) < 6) continue;
    expect(await lineCount(cells.nth(4)), 'a key creation date wraps').toBe(1);
    expect(await cells.nth(4).evaluate((el) => el.scrollWidth <= el.clientWidth), 'a key creation date is cut').toBe(true);
  }
  await expect(longRow.getByRole('button', { name: `Actions for ${LONG}` })).toBeInViewport({ ratio: 1 });
  await shot(page, testInfo, 'fit-keys-long-label.png');

  // A vault of bob, carol and dave; the long-labelled key stays unregistered.
  await showView(page, 'Approvals');
  await editor(page).getByRole('button', { name: 'Create vault', exact: true }).click();
  const vaultDialog = page.getByRole('dialog', { name: 'Create vault' });
  await vaultDialog.getByLabel('Name').fill('Treasury');
  await vaultDialog.getByLabel('Vault id').fill('treasury');
  for (const a of ['bob', 'carol', 'dave']) await vaultDialog.getByLabel(a, { exact: true }).check();
  // The threshold's message takes the field's full width below it; the field does not move.
  const thr = vaultDialog.getByLabel('Threshold');
  const thrBefore = (await thr.boundingBox())!;
  await thr.fill('4');
  const thrError = vaultDialog.getByRole('alert').filter({ hasText: /threshold/i });
  await expect(thrError).toBeVisible();
  const thrAfter = (await thr.boundingBox())!;
  expect(Math.abs(thrAfter.x - thrBefore.x)).toBeLessThan(1);
  const teb = (await thrError.boundingBox())!;
  const vdb = (await vaultDialog.boundingBox())!;
  expect(teb.width).toBeGreaterThan(vdb.width * 0.7);
  expect(teb.y).toBeGreaterThanOrEqual(thrAfter.y + thrAfter.height - 1);
  await shot(page, testInfo, 'fit-vault-threshold.png');
  await thr.fill('2');
  await vaultDialog.getByRole('button', { name: 'Create vault', exact: true }).click();
  await expect(vaultDialog).toBeHidden();
  await editor(page).getByRole('button', { name: 'Fund vault', exact: true }).click();
  const fund = page.getByRole('dialog', { name: 'Fund vault' });
  await fund.getByLabel('Asset').fill('USDC');
  await fund.getByLabel('Amount').fill('5000');
  await fund.getByRole('button', { name: 'Fund vault', exact: true }).click();
  await expect(fund).toBeHidden();

  // New withdrawal at 1280×800 with a memo: after a refusal the error banner and both actions are in view,
  // the body scrolls and the dialog stays inside the window.
  await editor(page).getByRole('button', { name: 'New withdrawal', exact: true }).click();
  const wd = page.getByRole('dialog', { name: 'New withdrawal' });
  await wd.getByLabel('Asset').fill('USDC');
  await wd.getByLabel('Amount').fill('100');
  await wd.getByLabel('Destination').fill('acct-dest-1');
  await wd.getByLabel('Memo').fill('Payroll December');
  await wd.getByLabel('Initiator key').selectOption({ label: 'bob' });
  await wd.getByLabel('Initiator passphrase').fill('not the passphrase');
  await wd.getByRole('button', { name: 'Request withdrawal' }).click();
  const refused = wd.getByRole('alert').filter({ hasText: 'not requested' });
  await expect(refused).toBeVisible();
  await refused.scrollIntoViewIfNeeded();
  await expect(wd.getByRole('button', { name: 'Request withdrawal' })).toBeInViewport({ ratio: 1 });
  await expect(wd.getByRole('button', { name: 'Cancel', exact: true })).toBeInViewport({ ratio: 1 });
  const wdb = (await wd.boundingBox())!;
  expect(wdb.y).toBeGreaterThanOrEqual(0);
  expect(wdb.y + wdb.height).toBeLessThanOrEqual(800);
  const actionsBox = (await wd.getByRole('button', { name: 'Request withdrawal' }).boundingBox())!;
  expect(actionsBox.y + actionsBox.height).toBeLessThanOrEqual(wdb.y + wdb.height);
  await shot(page, testInfo, 'fit-withdraw-wrong-pass.png');
  // Scrolled back to the top, the actions are still in view (they stick to the bottom of the body).
  await wd.getByLabel('Asset').scrollIntoViewIfNeeded();
  await expect(wd.getByRole('button', { name: 'Request withdrawal' })).toBeInViewport({ ratio: 1 });
  // The dialog does not offer the unregistered long-labelled key as initiator; a contract client that signs
  // with it is refused at admission, which leaves a security event naming the key.
  await expect(wd.getByLabel('Initiator key').getByRole('option', { name: new RegExp(`^${LONG}`) })).toBeDisabled();
  const refusal = await contractCall(console.url!, 'custody.createWithdrawal', async (call) => {
    const { keys } = (await call('keys.list', {})) as { keys: { keyId: string; label: string }[] };
    return {
      vaultId: 'treasury',
      asset: 'USDC',
      amount: '100',
      destination: 'acct-dest-1',
      keyId: keys.find((k) => k.label === LONG)?.keyId,
      passphrase: PASSPHRASE,
    };
  });
  expect(refusal).toMatchObject({ ok: false, error: { code: 'UNKNOWN_SIGNER' } });
  await wd.getByLabel('Initiator passphrase').fill(PASSPHRASE);
  await wd.getByRole('button', { name: 'Request withdrawal' }).click();
  await expect(wd).toBeHidden();

  // Security events: the long label is cut in the Key column, the columns after it stay in the panel.
  await page.keyboard.press('Control+K');
  await page.keyboard.press('s');
  const panel = page.getByRole('region', { name: 'Panel' });
  const events = panel.getByRole('table', { name: 'Security events' });
  const keyCell = events.getByRole('cell').filter({ hasText: LONG }).first();
  await expect(keyCell).toBeVisible();
  await expect(keyCell).toHaveAttribute('title', new RegExp(`^${LONG}`));
  expect(await keyCell.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  const pb = (await panel.boundingBox())!;
  for (const col of ['Vault', 'Request', 'Transaction']) {
    const hb = (await events.getByRole('columnheader', { name: col, exact: true }).boundingBox())!;
    expect(hb.x + hb.width, `${col} leaves the panel`).toBeLessThanOrEqual(pb.x + pb.width + 0.5);
  }
  await shot(page, testInfo, 'fit-security-events.png');

  // Audit log with an entry open: cells are cut (full text on hover), labels stay with their fields,
  // the export buttons stay together, every column is shown and the entry fits the panel.
  await page.keyboard.press('Control+Shift+Y');
  const audit = panel.getByRole('table', { name: 'Audit log' });
  const created = audit.getByRole('row').filter({ hasText: 'custody.createWithdrawal' }).first();
  await created.getByRole('button', { name: /Open audit entry/ }).click();
  const detail = panel.getByRole('region', { name: /Audit entry/ });
  await expect(detail).toBeVisible();
  const actionCell = created.getByRole('cell').filter({ hasText: 'custody.createWithdrawal' });
  await expect(actionCell).toHaveAttribute('title', 'custody.createWithdrawal');
  const acb = (await actionCell.boundingBox())!;
  const code = (await actionCell.locator('code').boundingBox())!;
  expect(code.x + code.width).toBeLessThanOrEqual(acb.x + acb.width + 0.5);
  const filterForm = panel.getByRole('form', { name: 'Filter the audit log' });
  const lb = (await filterForm.getByText('Actor or key', { exact: true }).boundingBox())!;
  const ib = (await filterForm.getByLabel('Actor or key').boundingBox())!;
  expect(Math.abs(lb.y + lb.height / 2 - (ib.y + ib.height / 2))).toBeLessThan(4);
  const csv = (await filterForm.getByRole('button', { name: 'Export CSV' }).boundingBox())!;
  const jsonl = (await filterForm.getByRole('button', { name: 'Export JSON lines' }).boundingBox())!;
  expect(Math.abs(csv.y - jsonl.y)).toBeLessThan(2);
  for (const col of ['Time', 'Actor', 'Key', 'Action', 'Subject', 'Result']) {
    const hb = await audit.getByRole('columnheader', { name: col, exact: true }).boundingBox();
    expect(hb && hb.width > 20, `the ${col} column is shown`).toBe(true);
  }
  const db = (await detail.boundingBox())!;
  const pb2 = (await panel.boundingBox())!;
  expect(db.y + db.height).toBeLessThanOrEqual(pb2.y + pb2.height + 0.5);
  expect(db.x + db.width).toBeLessThanOrEqual(pb2.x + pb2.width + 0.5);
  await shot(page, testInfo, 'fit-audit-entry.png');
  await detail.getByRole('button', { name: 'Close entry' }).click();

  // At 1024×768 the row actions are in view without scrolling sideways.
  await page.setViewportSize({ width: 1024, height: 768 });
  const details = editor(page)
    .getByRole('table', { name: 'Withdrawal requests' })
    .getByRole('button', { name: /^Details of / });
  await expect(details.first()).toBeInViewport({ ratio: 1 });
  const tabpanel = editor(page).getByRole('tabpanel');
  expect(await tabpanel.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
  await expect(editor(page).getByRole('button', { name: 'Withdraw from Treasury' })).toBeInViewport({ ratio: 1 });
  await shot(page, testInfo, 'fit-1024-approvals.png');
  await showView(page, 'Keys');
  await expect(editor(page).getByRole('button', { name: `Actions for ${LONG}` })).toBeInViewport({ ratio: 1 });
  expect(
    await editor(page)
      .getByRole('tabpanel')
      .evaluate((el) => el.scrollWidth <= el.clientWidth + 1),
  ).toBe(true);
  await shot(page, testInfo, 'fit-1024-keys.png');

  // Nine editor tabs at 1280 px (a request, a block among them): they shrink so every one, its × included,
  // is in the strip; the long titles are cut with an ellipsis.
  await page.setViewportSize({ width: 1280, height: 800 });
  await showView(page, 'Approvals');
  await details.first().click();
  await expect(page.getByRole('tab', { name: /^Request wr-/, selected: true })).toBeVisible();
  for (const name of ['Overview', 'Nodes']) await showView(page, name);
  await page.keyboard.press('Control+G');
  await expect(editor(page).getByLabel('Block height or transaction hash')).toBeFocused();
  await page.keyboard.type('1');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('tab', { name: 'Block 1', selected: true })).toBeVisible();
  for (const name of ['Governance', 'Evidence']) await showView(page, name);
  const strip = page.getByRole('tablist', { name: 'Open editors' });
  const tabs = strip.getByRole('tab');
  expect(await tabs.count()).toBeGreaterThanOrEqual(8);
  const sb = (await strip.boundingBox())!;
  for (const t of await strip.locator('.editor-tab').all()) {
    const tb = (await t.boundingBox())!;
    expect(tb.x).toBeGreaterThanOrEqual(sb.x - 0.5);
    expect(tb.x + tb.width, 'a tab is cut at the right edge').toBeLessThanOrEqual(sb.x + sb.width + 0.5);
  }
  expect(await strip.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
  await shot(page, testInfo, 'fit-nine-tabs.png');
  // Three more: past their minimum width the strip scrolls, with a scrollbar showing it, the active tab in view.
  for (const name of ['Replay', 'Runbooks', 'Ceremonies']) await showView(page, name);
  expect(await strip.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  await expect(strip.getByRole('tab', { name: 'Ceremonies', selected: true })).toBeInViewport({ ratio: 1 });
  await expect(strip.getByRole('button', { name: 'Close Ceremonies' })).toBeInViewport({ ratio: 1 });
  // Arrows at the strip's ends show that it scrolls, and scroll it: back to Overview.
  const left = editor(page).getByRole('button', { name: 'Scroll tabs left' });
  const right = editor(page).getByRole('button', { name: 'Scroll tabs right' });
  await expect(left).toBeEnabled();
  await expect(right).toBeDisabled();
  await shot(page, testInfo, 'fit-twelve-tabs.png');
  const overview = strip.getByRole('tab', { name: 'Overview', exact: true });
  await expect(overview).not.toBeInViewport({ ratio: 1 });
  for (let i = 0; i < 6 && (await left.isEnabled()); i++) {
    await left.click();
    // The arrow turns disabled once the strip is at its start: let that render before asking again.
    await page.waitForTimeout(200);
  }
  await expect(overview).toBeInViewport({ ratio: 1 });
  await expect(right).toBeEnabled();
  await expect(left).toBeDisabled();
  await shot(page, testInfo, 'fit-twelve-tabs-scrolled.png');

  // Evidence: the file pickers are buttons that open the hidden file inputs (still found by their labels).
  await page.getByRole('tab', { name: 'Evidence', exact: true }).click();
  const openBundle = editor(page).getByRole('button', { name: 'Open a bundle…' });
  await expect(openBundle).toBeVisible();
  const chooser = page.waitForEvent('filechooser');
  await openBundle.click();
  expect((await chooser).isMultiple()).toBe(false);
  await expect(editor(page).getByRole('button', { name: 'Trust file (optional)…' })).toBeVisible();
  await expect(editor(page).getByLabel('Trust file')).toHaveAttribute('type', 'file');
  // The segment's signer select and its Build button keep a gap.
  const signerBox = (await editor(page).getByLabel('Sign the bundle for the history segment with').boundingBox())!;
  const buildBox = (await editor(page).getByRole('button', { name: 'Build history segment' }).boundingBox())!;
  if (Math.abs(buildBox.y - signerBox.y) < signerBox.height) expect(buildBox.x - (signerBox.x + signerBox.width)).toBeGreaterThanOrEqual(6);
  await shot(page, testInfo, 'fit-evidence.png');
});
