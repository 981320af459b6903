// Browser test: the real VS Code UI (code-server in Debian's Chromium, driven by playwright-core) with the packaged
// extension installed. It runs the sample workspace's `heaplens` launch configuration, clicks the Capture Heap button
// in the debug toolbar twice, and checks what a user sees: two snapshots, the leaking type in Heap Types with its
// growth, its static root in Retention Paths, and Go to Source landing on the field's declaration. Screenshots go to
// test-results/screenshots/browser/. Expected values come from the sample program's source.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { markedLine, readConstant, repoRoot } from '../support/fixtures';

/* eslint-disable @typescript-eslint/no-require-imports -- the UI helpers are plain CommonJS scripts */
const { ensureHost } = require(path.join(repoRoot, 'scripts', 'host', 'setup.js'));
const { packageExtension, startUi, openFolder } = require(path.join(repoRoot, 'scripts', 'host', 'ui.js'));
const { makeSampleWorkspace, SAMPLE } = require(path.join(repoRoot, 'scripts', 'demo', 'sampleWorkspace.js'));
const { walkthrough, LEAKING_TYPE, STATIC_ROOT } = require(path.join(repoRoot, 'scripts', 'demo', 'walkthrough.js'));
/* eslint-enable @typescript-eslint/no-require-imports */

const shotsDir = path.join(repoRoot, 'test-results', 'screenshots', 'browser');

describe('browser: the Capture Heap button in the debug toolbar', function () {
  this.timeout(600_000);
  const program = path.join(SAMPLE, 'Program.cs');
  let ui: { page: unknown; close(): Promise<void> } | undefined;
  let workspace: { folder: string; remove(): void } | undefined;
  let seen: {
    snapshotRows: string[];
    typeText: string;
    rootText: string;
    editorTab: string;
    cursor: string;
    dominatorsText: string[];
    lensText: string;
    insightsText: string[];
    summary: { title: string; generations: string[]; topTypes: string[]; growthSeries: string[]; insights: string[] };
    shots: string[];
  };

  before(async function () {
    const host = ensureHost();
    const vsix = packageExtension();
    workspace = makeSampleWorkspace();
    ui = await startUi({ host, vsix: [vsix] });
    await openFolder(ui, workspace!.folder);
    fs.rmSync(shotsDir, { recursive: true, force: true });
    seen = await walkthrough(ui!.page, { shotsDir, log: (m: string) => console.log(`    [browser] ${m}`) });
  });

  after(async function () {
    await ui?.close();
    workspace?.remove();
  });

  it('lists the two snapshots the button took, newest first', () => {
    assert.strictEqual(seen.snapshotRows.length, 2, seen.snapshotRows.join(' | '));
    assert.match(seen.snapshotRows[0], /LeakyShop #2/);
    assert.match(seen.snapshotRows[1], /LeakyShop #1/);
  });

  it('shows the leaking type in Heap Types with growth in whole ticks', () => {
    const perTick = readConstant(program, 'ViewsPerTick');
    const text = seen.typeText.replace(/\s+/g, ' ');
    assert.ok(text.startsWith(LEAKING_TYPE), text);
    const growth = /\+([\d,]+) · \+/.exec(text);
    assert.ok(growth, `no growth in "${text}"`);
    const count = Number(growth[1].replace(/,/g, ''));
    assert.ok(count > 0 && count % perTick === 0, `grew by ${count}, not a multiple of ${perTick} views per tick`);
  });

  it('explains it with the static root and goes to the field’s declaration', () => {
    assert.ok(seen.rootText.replace(/\s+/g, ' ').startsWith(STATIC_ROOT), seen.rootText);
    assert.match(seen.editorTab, /Program\.cs/);
    assert.match(seen.cursor, new RegExp(`^Ln ${markedLine(program, 'static')},`), `the cursor is at "${seen.cursor}"`);
  });

  it('lists the biggest retainers in the Dominators view, with what each retains', () => {
    // The static Program.Prices holds the PriceList whose event alone keeps every cart (and its 512-byte array) alive.
    assert.ok(seen.dominatorsText.length > 0, 'the Dominators view has rows');
    assert.ok(
      seen.dominatorsText.every((t) => /[\d.]+ [KMG]?B retained · [\d.<]+% · [\d,]+ objects?/.test(t)),
      seen.dominatorsText.join(' | '),
    );
    assert.ok(seen.dominatorsText.some((t) => t.startsWith('PriceList')), seen.dominatorsText.join(' | '));
  });

  it('shows the code lens on the += line, the Insights view and the summary page', () => {
    // Carts are subscribed CartsPerTick at a time and never removed: the lens counts whole ticks.
    const perTick = readConstant(program, 'CartsPerTick');
    const lens = /^⚠ ([\d,]+) Cart kept alive by PriceList\.Changed \([\d.]+ [KM]?B\) · \+([\d,]+) since LeakyShop #1/.exec(seen.lensText.replace(/\s+/g, ' '));
    assert.ok(lens, `the lens says "${seen.lensText}"`);
    for (const n of [lens[1], lens[2]]) assert.strictEqual(Number(n.replace(/,/g, '')) % perTick, 0, `${n} is whole ticks of ${perTick}`);
    assert.match(seen.lensText, /never unsubscribed/);
    assert.ok(seen.insightsText.some((t) => t.startsWith('Event PriceList.Changed holds')), seen.insightsText.join(' | '));
    assert.strictEqual(seen.summary.title, 'LeakyShop #2');
    assert.deepStrictEqual(seen.summary.generations, ['gen0', 'gen1', 'gen2', 'LOH', 'POH']);
    assert.ok(seen.summary.topTypes.includes('LeakyShop.ProductView'), seen.summary.topTypes.join(', '));
    assert.ok(seen.summary.insights.some((t) => t.startsWith('Event PriceList.Changed holds')), seen.summary.insights.join(' | '));
  });

  it('saved a screenshot of each step', () => {
    assert.ok(seen.shots.length >= 5);
    for (const file of seen.shots) assert.ok(fs.statSync(file).size > 10_000, `${file} is a real picture`);
  });
});
