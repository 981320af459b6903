// `heaplens inspect` through the built CLI and the real agent, on dumps of the EventHandlers fixture (and the
// Clean one): text, --json, --sarif, and its usage errors. Expected figures come from EventHandlers/Program.cs.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { Insights } from '../../src/protocol/agent';
import { captureFixture, cleanupDumps, makeDumpDir } from '../support/dumps';
import { fixtureSource, markedLine, readConstant, repoRoot, RunningFixture } from '../support/fixtures';
import { assertSarifShape } from './inspectSupport';
import { assertOneLineFailure, runCli, runJson } from './runCli';

const source = fixtureSource('EventHandlers');
const InitialSessions = readConstant(source, 'InitialSessions');
const GrowBy = readConstant(source, 'GrowBy');
const handlerLine = markedLine(source, 'handler');
const subscribeLine = markedLine(source, 'subscribe');

describe('heaplens inspect', function () {
  this.timeout(300_000);
  let beforeDump: string;
  let afterDump: string;
  let cleanDump: string;

  before(async () => {
    const events = await RunningFixture.start('EventHandlers');
    try {
      beforeDump = await captureFixture(events);
      await events.grow();
      afterDump = await captureFixture(events);
    } finally {
      await events.stop();
    }
    const clean = await RunningFixture.start('Clean');
    try {
      cleanDump = await captureFixture(clean);
    } finally {
      await clean.stop();
    }
  });
  after(() => cleanupDumps());

  it('--json with a baseline: {"insights": […]} with the event, its handlers and their growth', async () => {
    const result = await runJson<Insights>(['inspect', afterDump, beforeDump]);
    assert.deepStrictEqual(Object.keys(result), ['insights']);
    const tick = result.insights.find((i) => i.kind === 'event-handlers' && i.figures.event === 'Tick');
    assert.ok(tick, JSON.stringify(result.insights.map((i) => i.title)));
    assert.strictEqual(tick.severity, 'warning');
    assert.strictEqual(tick.figures.delegates, InitialSessions + GrowBy);
    assert.strictEqual(tick.figures.delegatesGrowth, GrowBy);
    // The += line first (found in the IL: every handler was added there), then the handler.
    assert.deepStrictEqual(tick.locations.map((l) => [l.line, l.role, l.handlers]), [[subscribeLine, 'subscription', InitialSessions + GrowBy], [handlerLine, 'handler', undefined]]);
    assert.deepStrictEqual(Object.keys(tick).sort(), ['addresses', 'detail', 'figures', 'kind', 'locations', 'severity', 'title', 'types']);
  });

  it('prints the severity, the title, the wrapped detail, the figures and the source lines', async () => {
    const run = await runCli(['inspect', afterDump, beforeDump]);
    assert.strictEqual(run.code, 0, run.stderr);
    const lines = run.stdout.split('\n');
    const title = lines.findIndex((l) => /^WARNING {2}Event Clock\.Tick holds /.test(l));
    assert.ok(title >= 0, run.stdout);
    assert.ok(lines.slice(title + 1, title + 4).every((l) => /^ {4}\S/.test(l) && l.length <= 100), 'indented detail, wrapped at 100 columns');
    assert.match(run.stdout, new RegExp(`delegates: ${(InitialSessions + GrowBy).toLocaleString('en-US')}`));
    assert.match(run.stdout, new RegExp(`delegatesGrowth: ${GrowBy}`));
    // Paths under the working folder (the repository) are shown relative to it.
    const count = (InitialSessions + GrowBy).toLocaleString('en-US');
    assert.match(run.stdout, new RegExp(`^ {4}at test/fixtures/apps/EventHandlers/Program\\.cs:${subscribeLine}  \\(\\+= in EventHandlers\\.Program\\.Open, ${count} handlers\\)$`, 'm'));
    assert.match(run.stdout, new RegExp(`^ {4}at test/fixtures/apps/EventHandlers/Program\\.cs:${handlerLine}  \\(handler EventHandlers\\.Session\\.OnTick\\)$`, 'm'));
    assert.match(run.stdout, /^[1-9]\d* warnings?, \d+ for information \(baseline: .*\.dmp\)\.$/m);
  });

  it('--sarif writes a private SARIF 2.1.0 log whose event result points at the += line, then the handler', async () => {
    const dir = makeDumpDir();
    const file = path.join(dir, 'insights.sarif');
    const run = await runCli(['inspect', afterDump, beforeDump, '--sarif', file], { cwd: repoRoot });
    assert.strictEqual(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^Wrote the SARIF log ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.$`, 'm'));
    assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600);
    const log = JSON.parse(fs.readFileSync(file, 'utf8'));
    const results = assertSarifShape(log);
    const ruleIds = log.runs[0].tool.driver.rules.map((r: { id: string }) => r.id);
    for (const kind of ['event-handlers', 'growing-collection', 'duplicate-strings', 'loh-fragmentation', 'finalizers', 'threads', 'dynamic-assemblies', 'server-gc']) {
      assert.ok(ruleIds.includes(kind), `rule ${kind}`);
    }
    const event = results.find((r) => r.ruleId === 'event-handlers') as {
      level: string;
      locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: { startLine: number } }; message?: { text: string } }[];
    };
    assert.ok(event);
    assert.strictEqual(event.level, 'warning');
    const where = event.locations[0].physicalLocation;
    assert.deepStrictEqual(where.artifactLocation, { uri: 'test/fixtures/apps/EventHandlers/Program.cs', uriBaseId: 'SRCROOT' });
    assert.deepStrictEqual(event.locations.map((l) => l.physicalLocation.region.startLine), [subscribeLine, handlerLine]);
    assert.match(event.locations[0].message?.text ?? '', /^\+= in EventHandlers\.Program\.Open, /);
    assert.strictEqual(log.runs[0].originalUriBaseIds.SRCROOT.uri, pathToFileURL(repoRoot + path.sep).href);
    // The same insights as --json, in the same order.
    const json = await runJson<Insights>(['inspect', afterDump, beforeDump]);
    assert.deepStrictEqual(results.map((r) => r.ruleId), json.insights.map((i) => i.kind));
  });

  it('on a clean program: no warnings', async () => {
    const run = await runCli(['inspect', cleanDump]);
    assert.strictEqual(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /^WARNING/m);
    assert.match(run.stdout, /^0 warnings, \d+ for information\.$/m);
  });

  it('fails in one line: a missing dump, a SARIF file that cannot be written; usage errors exit 2', async () => {
    const missing = await runCli(['inspect', path.join(makeDumpDir(), 'none.dmp')]);
    assertOneLineFailure(missing, 1, /^heaplens: No dump at .*none\.dmp/);
    const unwritable = await runCli(['inspect', cleanDump, '--sarif', path.join(makeDumpDir(), 'no-such-folder', 'x.sarif')]);
    assertOneLineFailure(unwritable, 1, /^heaplens: Cannot write the SARIF file .*x\.sarif \(ENOENT\): choose another path with --sarif FILE\.$/);
    const extra = await runCli(['inspect', cleanDump, cleanDump, cleanDump]);
    assert.strictEqual(extra.code, 2);
    assert.match(extra.stderr, /^heaplens: unexpected argument/);
    const none = await runCli(['inspect']);
    assert.strictEqual(none.code, 2);
    assert.match(none.stderr, /^heaplens: missing <dump>/);
  });
});
