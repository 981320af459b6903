// The code lenses' evidence: the event-handlers insight read as evidence, the `+=` lines the agent names matched to a
// document by path, and the words of the lenses. Figures are the Events fixture's shape, worked out here from its
// constants (and its marked lines), not copied from output.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { formatBytes, formatCount } from '../../src/common/numbers';
import { EventEvidence, evidenceFromInsights, evidenceInDocument, evidenceTitle, sameSourceFile, staticHint, typeList } from '../../src/features/codeLens/eventEvidence';
import { readSubscriptionSites, SubscriptionSite } from '../../src/features/codeLens/subscriptionSites';
import type { Insight } from '../../src/protocol/agent';
import { CSharpIndex } from '../../src/sourceIndex/csharpIndex';
import { fixtureSource, markedLine, readConstant } from '../support/fixtures';

describe('event evidence for code lenses', function () {
  const source = fixtureSource('Events');
  const initialCount = readConstant(source, 'InitialCount');
  const bufferBytes = readConstant(source, 'BufferBytes');
  const subscribeLine = markedLine(source, 'subscribe');
  let site: SubscriptionSite;

  // An event-handlers insight with the figures src/protocol/agent.ts documents, for the Events fixture after start-up:
  // one publisher (Program.Bus) holding InitialCount handlers, each calling its own Subscriber.
  const insight: Insight = {
    kind: 'event-handlers',
    severity: 'warning',
    title: 'Publisher.Changed keeps its subscribers alive',
    detail: '…',
    figures: {
      declaringType: 'Events.Publisher',
      event: 'Changed',
      publishers: 1,
      delegates: initialCount,
      maxDelegates: initialCount,
      targetTypes: 'Events.Subscriber',
      targets: initialCount,
      keptObjects: 2 * initialCount,
      keptBytes: initialCount * (bufferBytes + 24 + 32),
    },
    locations: [
      { file: source, line: subscribeLine, role: 'subscription', method: 'Events.Program.Subscribe', handlers: initialCount },
      { file: source, line: subscribeLine - 5, role: 'handler', method: 'Events.Subscriber.OnChanged' },
    ],
    types: ['Events.Publisher', 'Events.Subscriber'],
    addresses: ['0x7f0010', '0x7f0020'],
  };

  before(async function () {
    const index = await CSharpIndex.create({
      runtimeWasm: require.resolve('web-tree-sitter/web-tree-sitter.wasm'),
      csharpWasm: path.join(path.dirname(require.resolve('tree-sitter-c-sharp/package.json')), 'tree-sitter-c_sharp.wasm'),
    });
    [site] = index.parse(fs.readFileSync(source, 'utf8'), (root) => readSubscriptionSites(root)) ?? [];
    assert.ok(site, 'the fixture has a subscription');
  });

  it('reads the event-handlers insight’s figures (the subscriber’s address, not the publisher’s) and ignores other kinds', () => {
    const other: Insight = { ...insight, kind: 'duplicate-strings', figures: { declaringType: 'X', event: 'Y', delegates: 1 } };
    const staticEvent: Insight = { ...insight, figures: { ...insight.figures, publishers: 0 }, addresses: ['0x7f0030'] };
    assert.strictEqual(evidenceFromInsights([staticEvent])[0].address, '0x7f0030', 'a static event has no publisher object');
    const found = evidenceFromInsights([other, insight]);
    assert.deepStrictEqual(found, [
      {
        declaringType: 'Events.Publisher',
        event: 'Changed',
        delegates: initialCount,
        targets: initialCount,
        delegatesGrowth: undefined,
        targetTypes: ['Events.Subscriber'],
        keptObjects: 2 * initialCount,
        keptBytes: initialCount * (bufferBytes + 56),
        address: '0x7f0020',
        sites: [insight.locations[0]],
      },
    ]);
  });

  it('splits a list of target types, not inside generic arguments', () => {
    assert.deepStrictEqual(typeList('A.B (3), System.Collections.Generic.Dictionary<System.String, A.C> (1)'), ['A.B', 'System.Collections.Generic.Dictionary<System.String, A.C>']);
    assert.deepStrictEqual(typeList(['A.B']), ['A.B']);
    assert.deepStrictEqual(typeList(''), []);
  });

  it('finds the lines the agent named in a document: the same path, or the same folder and file when built elsewhere', () => {
    const evidence = evidenceFromInsights([insight]);
    const here = evidenceInDocument(evidence, (file) => sameSourceFile(file, source, true));
    assert.deepStrictEqual(here.map((f) => f.site.line), [subscribeLine], 'the subscription, not the handler line');
    assert.deepStrictEqual(evidenceInDocument(evidence, (file) => sameSourceFile(file, '/elsewhere/Program.cs', true)), []);
    assert.ok(sameSourceFile('/build/agent/src/Events/Program.cs', '/home/me/repo/src/Events/Program.cs', false), 'built elsewhere');
    assert.ok(!sameSourceFile('/build/agent/src/Events/Program.cs', '/home/me/repo/src/Events/Program.cs', true), 'a PDB path on this machine must be the same file');
    assert.ok(!sameSourceFile('/build/Other/Program.cs', '/home/me/repo/src/Events/Program.cs', false), 'another folder');
    assert.ok(sameSourceFile('C:\\build\\Events\\Program.cs', '/repo/Events/Program.cs', false), 'a Windows PDB path');
  });

  it('says how many subscribers the event keeps alive, and their growth', () => {
    const [found] = evidenceInDocument(evidenceFromInsights([insight]), () => true);
    const kept = formatBytes(initialCount * (bufferBytes + 56));
    assert.strictEqual(evidenceTitle(found, site.handler.targetType), `⚠ ${formatCount(initialCount)} Subscriber kept alive by Publisher.Changed (${kept})`);
    assert.strictEqual(evidenceTitle(found, site.handler.targetType, { count: 500, since: 'Events #1' }), `⚠ ${formatCount(initialCount)} Subscriber kept alive by Publisher.Changed (${kept}) · +500 since Events #1`);
    assert.strictEqual(evidenceTitle(found, site.handler.targetType, { count: 0, since: 'Events #1' }), `⚠ ${formatCount(initialCount)} Subscriber kept alive by Publisher.Changed (${kept}) · no change since Events #1`);
    // Without a count of targets, the handlers are counted; several target types are said so.
    const mixed: EventEvidence = { ...found.evidence, targets: undefined, delegates: initialCount + 1, keptBytes: undefined, targetTypes: ['Events.Subscriber', 'Events.Other'] };
    assert.strictEqual(evidenceTitle({ evidence: mixed, site: { ...found.site, handlers: undefined } }, 'Subscriber'), `⚠ ${formatCount(initialCount + 1)} Subscriber and 1 more type kept alive by Publisher.Changed`);
    // A line that added part of the handlers says how many of them.
    assert.strictEqual(
      evidenceTitle({ evidence: mixed, site: found.site }, 'Subscriber'),
      `⚠ ${formatCount(initialCount)} of ${formatCount(initialCount + 1)} handlers added here, kept alive by Publisher.Changed`,
    );
  });

  it('hints "never unsubscribed" only when the source says so', () => {
    assert.strictEqual(staticHint(site)?.title, '⚠ never unsubscribed');
    assert.match(staticHint({ ...site, removal: 'lambdaRemoval' })?.title ?? '', /-= with a new lambda removes nothing/);
    for (const removal of ['removed', 'disposePath', 'unknown'] as const) assert.strictEqual(staticHint({ ...site, removal }), undefined, removal);
    assert.strictEqual(staticHint({ ...site, handler: { ...site.handler, isStatic: true } }), undefined, 'a static handler keeps nothing alive');
  });
});
