// The code lenses' evidence: the event-handlers insight read as evidence, a `+=` site (parsed from the Events fixture's
// real source) matched to it by the receiver's type or by the event's name, and the words of the lenses. Figures are
// the Events fixture's shape, worked out here from its constants, not copied from output.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { formatBytes, formatCount } from '../../src/common/numbers';
import { EventEvidence, evidenceFromInsights, evidenceTitle, matchEvidence, staticHint, typeList } from '../../src/features/codeLens/eventEvidence';
import { readSubscriptionSites, SubscriptionSite } from '../../src/features/codeLens/subscriptionSites';
import type { Insight } from '../../src/protocol/agent';
import { CSharpIndex } from '../../src/sourceIndex/csharpIndex';
import { fixtureSource, readConstant } from '../support/fixtures';

describe('event evidence for code lenses', function () {
  const source = fixtureSource('Events');
  const initialCount = readConstant(source, 'InitialCount');
  const bufferBytes = readConstant(source, 'BufferBytes');
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
    locations: [],
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
      },
    ]);
  });

  it('splits a list of target types, not inside generic arguments', () => {
    assert.deepStrictEqual(typeList('A.B (3), System.Collections.Generic.Dictionary<System.String, A.C> (1)'), ['A.B', 'System.Collections.Generic.Dictionary<System.String, A.C>']);
    assert.deepStrictEqual(typeList(['A.B']), ['A.B']);
    assert.deepStrictEqual(typeList(''), []);
  });

  it('matches the fixture’s += by the receiver’s type (Bus is a Publisher)', () => {
    const [evidence] = evidenceFromInsights([insight]);
    const lookalike: EventEvidence = { ...evidence, declaringType: 'Other.Button', delegates: 5 * initialCount };
    const match = matchEvidence(site, [lookalike, evidence], []);
    assert.strictEqual(match?.by, 'receiver');
    assert.strictEqual(match?.evidence, evidence, 'the Button with more delegates is another type’s Changed');
  });

  it('falls back to the event’s name with a declaring type the workspace knows', () => {
    const [evidence] = evidenceFromInsights([insight]);
    const unresolved: SubscriptionSite = { ...site, declaringType: undefined };
    assert.strictEqual(matchEvidence(unresolved, [evidence], []), undefined, 'nothing known: no lens');
    assert.deepStrictEqual(matchEvidence(unresolved, [evidence], ['Publisher']), { evidence, by: 'event' });
    assert.strictEqual(matchEvidence({ ...site, event: 'Closed' }, [evidence], ['Publisher']), undefined, 'another event');
  });

  it('says how many subscribers the event keeps alive, and their growth', () => {
    const [evidence] = evidenceFromInsights([insight]);
    const match = { evidence, by: 'receiver' as const };
    const kept = formatBytes(initialCount * (bufferBytes + 56));
    assert.strictEqual(evidenceTitle(match, site), `⚠ ${formatCount(initialCount)} Subscriber kept alive by Publisher.Changed (${kept})`);
    assert.strictEqual(evidenceTitle(match, site, { count: 500, since: 'Events #1' }), `⚠ ${formatCount(initialCount)} Subscriber kept alive by Publisher.Changed (${kept}) · +500 since Events #1`);
    assert.strictEqual(evidenceTitle(match, site, { count: 0, since: 'Events #1' }), `⚠ ${formatCount(initialCount)} Subscriber kept alive by Publisher.Changed (${kept}) · no change since Events #1`);
    // Without a count of targets, the handlers are counted; several target types are said so.
    const mixed: EventEvidence = { ...evidence, targets: undefined, delegates: initialCount + 1, keptBytes: undefined, targetTypes: ['Events.Subscriber', 'Events.Other'] };
    assert.strictEqual(evidenceTitle({ evidence: mixed, by: 'receiver' }, site), `⚠ ${formatCount(initialCount + 1)} Subscriber and 1 more type kept alive by Publisher.Changed`);
  });

  it('hints "never unsubscribed" only when the source says so', () => {
    assert.strictEqual(staticHint(site)?.title, '⚠ never unsubscribed');
    assert.match(staticHint({ ...site, removal: 'lambdaRemoval' })?.title ?? '', /-= with a new lambda removes nothing/);
    for (const removal of ['removed', 'disposePath', 'unknown'] as const) assert.strictEqual(staticHint({ ...site, removal }), undefined, removal);
    assert.strictEqual(staticHint({ ...site, handler: { ...site.handler, isStatic: true } }), undefined, 'a static handler keeps nothing alive');
  });
});
