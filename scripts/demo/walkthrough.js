// The HeapLens walkthrough in a real VS Code (code-server in headless Chromium), the way a user does it: open the
// sample workspace, show the HeapLens views, start the `heaplens` launch configuration (F5), press the Capture Heap
// button in the debug toolbar twice, pick the leaking type in Heap Types, read its retention path, Go to Source, see the
// code lens on the event subscription, the retained sizes with the grouped paths and the Dominators view, the
// Insights view and the snapshot's summary page.
// Used by `npm run demo` (screenshots) and test/browser (assertions on what it returns). Every wait has a limit.
const fs = require('fs');
const path = require('path');
const { runCommand, screenshot } = require('../host/ui');
const { SAMPLE } = require('./sampleWorkspace');

/** The sample program's leaking type with a static root (test/fixtures/workspace/LeakyShop/Program.cs). */
const LEAKING_TYPE = 'ProductView';
const STATIC_ROOT = 'Static field Catalog.s_viewed';
/** The sample's event subscription, where the code lens shows. */
const SUBSCRIPTION = 'Prices.Changed += cart.OnPricesChanged;';

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
  await clickInlineAction(rootRow, 'Go to Source');
  const tab = page.locator('.tabs-container .tab.active');
  await tab.filter({ hasText: 'Program.cs' }).waitFor({ timeout: 30_000 });
  const line = await page.locator('.editor-instance .current-line').first().isVisible().catch(() => false);
  await shot('go-to-source');
  const cursor = await page.locator('.statusbar-item[id*="status.editor.selection"]').first().innerText({ timeout: 10_000 }).catch(() => '');
  const editorTab = (await tab.innerText()).replace(/\s+/g, '');

  log('the Dominators view beside Heap Types (retained sizes) and Retention Paths (grouped paths)');
  const dominatorsText = await showDominators(page, () => shot('dominators'));

  log('the code lens on the cart subscription (+=) in Program.cs');
  const lensText = await showSubscriptionLens(page);
  await shot('code-lens');

  log('the Insights view of the second snapshot');
  const insightsText = await showInsights(page);
  await shot('insights');

  log('the summary page of the second snapshot');
  const summary = await showSummary(page, rows.first());
  // Without the side bar the page has room for two columns.
  await runCommand(page, 'View: Toggle Primary Side Bar Visibility');
  await page.waitForTimeout(1000);
  await shot('summary');
  await runCommand(page, 'View: Toggle Primary Side Bar Visibility');

  log('stopping the debug session');
  await toolbar.locator('.action-label[aria-label^="Stop"]').first().click({ timeout: 10_000 }).catch(() => undefined);
  return { snapshotRows, typeText, rootText, editorTab, cursor, currentLineShown: line, dominatorsText, lensText, insightsText, summary, shots };
}

/** The sample's `+=` line (found in its source, 1-based). */
function subscriptionLine() {
  const lines = fs.readFileSync(path.join(SAMPLE, 'Program.cs'), 'utf8').split('\n');
  return lines.findIndex((l) => l.includes(SUBSCRIPTION)) + 1;
}

/**
 * Goes to the `+=` line in the open Program.cs, waits for the heap's code lens above it, and clicks it: Retention
 * Paths shows a path through the event. Returns the lens's text. The bottom panel is closed and the side bar made a
 * little narrower first, so the whole lens fits in the screenshot (best effort).
 */
async function showSubscriptionLens(page) {
  await page.locator('.part.panel .action-label[aria-label^="Hide Panel"], .part.panel .action-label[aria-label^="Close Panel"]').first().click({ timeout: 5000 }).catch(() => undefined);
  await widenSideBar(page, -220);
  await page.locator('.editor-instance .monaco-editor').first().click({ position: { x: 300, y: 100 } });
  await page.keyboard.press('Control+G');
  await page.keyboard.type(String(subscriptionLine()));
  await page.keyboard.press('Enter');
  const lens = page.locator('.monaco-editor .codelens-decoration a', { hasText: /kept alive by/ }).first();
  await lens.waitFor({ timeout: 120_000 });
  const text = await page.locator('.monaco-editor .codelens-decoration', { hasText: /kept alive by/ }).first().innerText();
  await lens.click();
  await pane(page, 'Retention Paths').locator('.monaco-list-row', { hasText: 'PriceList.Changed' }).first().waitFor({ timeout: 120_000 }).catch(() => undefined);
  return text;
}

/**
 * Opens the Dominators view (collapsing Snapshots and Insights to make room; Heap Types and Retention Paths stay
 * open) and returns its rows' texts once the biggest retainers have loaded; `shot` is taken then, before the views
 * are put back.
 */
async function showDominators(page, shot) {
  const dominators = pane(page, 'Dominators');
  const header = dominators.locator('.pane-header');
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  const collapsed = [];
  for (const other of ['Snapshots', 'Insights']) {
    const otherHeader = pane(page, other).locator('.pane-header');
    if ((await otherHeader.getAttribute('aria-expanded')) === 'true') {
      await otherHeader.click();
      collapsed.push(otherHeader);
    }
  }
  const rows = dominators.locator('.monaco-list-row', { hasText: 'retained' });
  await rows.first().waitFor({ timeout: 120_000 });
  await page.waitForTimeout(1000);
  const texts = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  await shot();
  // As they were, for the steps after this one.
  await header.click();
  for (const otherHeader of collapsed) await otherHeader.click();
  return texts;
}

/** Opens the Insights view (collapsing Heap Types and Retention Paths to make room) and returns its rows, or its message. */
async function showInsights(page) {
  const insights = pane(page, 'Insights');
  const header = insights.locator('.pane-header');
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  for (const other of ['Heap Types', 'Retention Paths']) {
    const otherHeader = pane(page, other).locator('.pane-header');
    if ((await otherHeader.getAttribute('aria-expanded')) === 'true') await otherHeader.click();
  }
  const shown = insights.locator('.monaco-list-row').or(insights.locator('.message:not(.hide)'));
  await shown.first().waitFor({ timeout: 120_000 });
  // The first insight (a warning, when there is one) opened to show its figures and links.
  const first = insights.locator('.monaco-list-row[aria-level="1"]').first();
  if ((await first.count()) && (await first.getAttribute('aria-expanded')) === 'false') await first.click();
  await page.waitForTimeout(1000);
  return (await shown.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()).filter(Boolean);
}

/**
 * Clicks a tree row's inline action. Inline actions show only while the row is hovered, and a view that is still
 * filling in re-renders its rows (losing the hover), so hover and click again until it lands or time runs out.
 */
async function clickInlineAction(row, label, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await row.hover({ timeout: 5_000 });
      await row.locator(`.action-label[aria-label="${label}"]`).click({ timeout: 2_000 });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
  }
}

/** Clicks a snapshot's inline "Show Snapshot Summary" and waits until the page has drawn its charts. */
async function showSummary(page, row) {
  await clickInlineAction(row, 'Show Snapshot Summary');
  const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  await frame.locator('#generations svg').waitFor({ timeout: 120_000 });
  await frame.locator('#top-types .type-row').first().waitFor({ timeout: 30_000 });
  const texts = (selector) => frame.locator(selector).allInnerTexts();
  return {
    title: await frame.locator('h1').innerText(),
    generations: await texts('#generations .legend li'),
    topTypes: await frame.locator('#top-types .type-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type'))),
    growthSeries: await frame.locator('#growth .series').evaluateAll((lines) => lines.map((l) => l.getAttribute('data-type'))),
    insights: await texts('#insights .insight .title strong'),
  };
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

module.exports = { walkthrough, LEAKING_TYPE, STATIC_ROOT, SUBSCRIPTION };
