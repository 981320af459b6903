// The HeapLens walkthrough in a real VS Code (code-server in headless Chromium), the way a user does it: open the
// sample workspace, show the HeapLens views, start the `heaplens` launch configuration (F5), press the Capture Heap
// button in the debug toolbar twice, pick the leaking type in Heap Types, read its retention path, and Go to Source.
// Used by `npm run demo` (screenshots) and test/browser (assertions on what it returns). Every wait has a limit.
const path = require('path');
const { runCommand, screenshot } = require('../host/ui');

/** The sample program's leaking type with a static root (test/fixtures/workspace/LeakyShop/Program.cs). */
const LEAKING_TYPE = 'ProductView';
const STATIC_ROOT = 'Static field Catalog.s_viewed';

function pane(page, title) {
  return page.locator('.pane').filter({ has: page.locator('.pane-header', { hasText: title }) });
}

/**
 * Runs the walkthrough on an open workbench page (see ui.js openFolder). Screenshots go to `shotsDir` when given.
 * Returns what the user would have seen: the snapshot rows, the leaking type's row, the root's text, the editor.
 */
async function walkthrough(page, { shotsDir, log = console.log, buildTimeoutMs = 240_000 } = {}) {
  const shots = [];
  const shot = async (name) => {
    if (!shotsDir) return;
    shots.push(await screenshot(page, path.join(shotsDir, `${String(shots.length + 1).padStart(2, '0')}-${name}.png`)));
  };

  log('showing the HeapLens views (this activates the extension)');
  await runCommand(page, 'HeapLens: Show Log');
  await page.locator('.activitybar a.action-label[aria-label^="HeapLens"]').first().click({ timeout: 30_000 });
  const snapshots = pane(page, 'Snapshots');
  await snapshots.waitFor({ timeout: 30_000 });
  await widenSideBar(page, 300);
  await shot('heaplens-views');

  log('starting the "HeapLens: LeakyShop" launch configuration (F5): it builds and runs the program');
  await page.locator('.editor-group-container').first().click({ position: { x: 200, y: 200 } });
  await page.keyboard.press('F5');
  const toolbar = page.locator('.debug-toolbar');
  await toolbar.waitFor({ state: 'visible', timeout: buildTimeoutMs });
  await page.locator('.repl .monaco-list-row', { hasText: 'LeakyShop' }).filter({ hasText: 'is open' }).first().waitFor({ timeout: buildTimeoutMs });
  await shot('debugging');

  const button = toolbar.locator('.action-label[aria-label*="Capture Heap"]');
  const rows = snapshots.locator('.monaco-list-row');
  for (let n = 1; n <= 2; n++) {
    if (n === 2) await page.waitForTimeout(3000); // let the program leak some more
    log(`pressing Capture Heap in the debug toolbar (${n} of 2)`);
    await button.click({ timeout: 30_000 });
    await rows.nth(n - 1).waitFor({ timeout: 180_000 });
    await shot(`captured-${n}`);
  }
  const snapshotRows = await rows.allInnerTexts();

  log(`finding ${LEAKING_TYPE} in Heap Types`);
  const heapTypes = pane(page, 'Heap Types');
  // The row as it shows once the second snapshot is compared with the first: with its growth ("+450 · +14.1 KB").
  const typeRow = heapTypes.locator('.monaco-list-row', { hasText: LEAKING_TYPE }).filter({ hasText: /\+[\d,]+ · \+/ }).first();
  await typeRow.waitFor({ timeout: 60_000 });
  const typeText = await typeRow.innerText();
  await typeRow.click();
  const retention = pane(page, 'Retention Paths');
  const rootRow = retention.locator('.monaco-list-row', { hasText: STATIC_ROOT }).first();
  await rootRow.waitFor({ timeout: 120_000 });
  const rootText = await rootRow.innerText();
  await shot('retention-path');

  log('Go to Source on the static root');
  await rootRow.hover();
  await rootRow.locator('.action-label[aria-label="Go to Source"]').click({ timeout: 10_000 });
  const tab = page.locator('.tabs-container .tab.active');
  await tab.filter({ hasText: 'Program.cs' }).waitFor({ timeout: 30_000 });
  const line = await page.locator('.editor-instance .current-line').first().isVisible().catch(() => false);
  await shot('go-to-source');
  const cursor = await page.locator('.statusbar-item[id*="status.editor.selection"]').first().innerText({ timeout: 10_000 }).catch(() => '');

  log('stopping the debug session');
  await toolbar.locator('.action-label[aria-label^="Stop"]').first().click({ timeout: 10_000 }).catch(() => undefined);
  return { snapshotRows, typeText, rootText, editorTab: (await tab.innerText()).replace(/\s+/g, ''), cursor, currentLineShown: line, shots };
}

/** Drags the side bar's edge to the right, so type names and growth figures fit (best effort: screenshots only). */
async function widenSideBar(page, by) {
  const box = await page.locator('.part.sidebar').boundingBox().catch(() => null);
  if (!box) return;
  const x = box.x + box.width + 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + by, y, { steps: 10 });
  await page.mouse.up();
}

module.exports = { walkthrough, LEAKING_TYPE, STATIC_ROOT };
