// Retention paths in words: roots described as people say them, links as fields, long repeats folded.
import * as assert from 'assert';
import { PathLink } from '../../src/protocol/agent';
import { describeRoot, pathSteps, pathSummary } from '../../src/snapshots/retentionWords';
import { namespaceOf, shortMemberName, shortTypeName, sourceFieldName, splitMember, typeNesting } from '../../src/snapshots/typeNames';

describe('roots in words', () => {
  it('says where a stack root is, with the frame’s file and line', () => {
    assert.strictEqual(
      describeRoot({ kind: 'stack', thread: 1, method: 'Chain.Program.Main', file: '/src/Chain/Program.cs', line: 14 }),
      'Local variable in Program.Main · Program.cs:14',
    );
    assert.strictEqual(describeRoot({ kind: 'stack', method: 'Chain.Program.Main' }), 'Local variable in Program.Main');
  });

  it('names static fields, handles, the finalizer queue', () => {
    assert.strictEqual(describeRoot({ kind: 'static', field: 'Events.Program.Bus' }), 'Static field Program.Bus');
    assert.strictEqual(
      describeRoot({ kind: 'static', field: 'ThreadCache.QuoteCache.t_recent', thread: 7 }),
      'Thread-static field QuoteCache.t_recent · thread 7',
    );
    assert.strictEqual(describeRoot({ kind: 'handle', handleKind: 'strong' }), 'Strong handle');
    assert.strictEqual(describeRoot({ kind: 'handle', handleKind: 'pinned' }), 'Pinned handle');
    assert.strictEqual(describeRoot({ kind: 'finalizer' }), 'Finalizer queue');
    assert.strictEqual(describeRoot({ kind: 'other' }), 'Other root');
  });
});

describe('path steps', () => {
  // The Events fixture's path to a subscriber: Bus → Publisher.Changed → EventHandler._invocationList → Object[][5] → …
  const events: PathLink[] = [
    { address: '0x10', type: 'Events.Publisher', field: null },
    { address: '0x20', type: 'System.EventHandler', field: 'Changed' },
    { address: '0x30', type: 'System.Object[]', field: '_invocationList' },
    { address: '0x40', type: 'System.EventHandler', field: '[5]' },
    { address: '0x50', type: 'Events.Subscriber', field: '_target' },
  ];

  it('writes each link as the field of the previous object and the type it holds', () => {
    assert.deepStrictEqual(
      pathSteps(events).map((s) => s.label),
      ['Publisher', 'Publisher.Changed → EventHandler', 'EventHandler._invocationList → Object[]', 'Object[][5] → EventHandler', 'EventHandler._target → Subscriber'],
    );
    const changed = pathSteps(events)[1];
    assert.ok(changed.kind === 'link' && changed.from.type === 'Events.Publisher' && changed.field === 'Changed');
  });

  it('folds a long run of one field: the Chain fixture’s 5,000-link path', () => {
    const count = 5000;
    const links: PathLink[] = Array.from({ length: count }, (_, i) => ({ address: `0x${(count - i).toString(16)}`, type: 'Chain.Leak', field: i === 0 ? null : 'm_prevLeak' }));
    const steps = pathSteps(links);
    assert.deepStrictEqual(
      steps.map((s) => s.label),
      ['Leak', `Leak.m_prevLeak × ${(count - 2).toLocaleString('en-US')}`, 'Leak.m_prevLeak → Leak'],
    );
    // The step after the fold is the path's last link, at its real position.
    assert.strictEqual(steps[2].index, count - 1);
    assert.strictEqual(steps[1].index, 1);
    assert.deepStrictEqual(pathSummary({ root: { kind: 'stack', method: 'Chain.Program.Main' }, links }), {
      label: 'Local variable in Program.Main',
      description: '5,000 links → Leak',
    });
  });

  it('shows a run the agent folded like one folded here: same labels and link count', () => {
    const count = 5000;
    const link = (i: number): PathLink => ({ address: `0x${(count - i).toString(16)}`, type: 'Chain.Leak', field: i === 0 ? null : 'm_prevLeak' });
    const folded: PathLink[] = [link(0), { ...link(1), repeat: count - 2 }, link(count - 1)];
    const steps = pathSteps(folded);
    assert.deepStrictEqual(
      steps.map((s) => s.label),
      ['Leak', `Leak.m_prevLeak × ${(count - 2).toLocaleString('en-US')}`, 'Leak.m_prevLeak → Leak'],
    );
    // Positions are positions in the links the agent sent: the target is the last of them.
    assert.deepStrictEqual(steps.map((s) => s.index), [0, 1, 2]);
    assert.ok(steps[1].kind === 'fold' && steps[1].from.address === link(0).address);
    assert.strictEqual(pathSummary({ root: { kind: 'stack', method: 'Chain.Program.Main' }, links: folded }).description, '5,000 links → Leak');
  });

  it('shows an auto-property’s backing field by the property’s name', () => {
    const steps = pathSteps([
      { address: '0x1', type: 'Shop.Cart', field: null },
      { address: '0x2', type: 'Shop.Order', field: '<Current>k__BackingField' },
    ]);
    assert.strictEqual(steps[1].label, 'Cart.Current → Order');
  });
});

describe('type names', () => {
  it('shortens, splits and nests the names ClrMD prints', () => {
    assert.strictEqual(shortTypeName('System.Collections.Generic.Dictionary<System.String, StaticCache.CacheEntry>'), 'Dictionary<String, CacheEntry>');
    assert.strictEqual(shortTypeName('System.Byte[]'), 'Byte[]');
    assert.strictEqual(namespaceOf('System.Collections.Generic.List<Chain.Leak>'), 'System.Collections.Generic');
    assert.strictEqual(namespaceOf('Global'), '');
    assert.deepStrictEqual(splitMember('Events.Program.Bus'), { owner: 'Events.Program', member: 'Bus' });
    assert.deepStrictEqual(splitMember('Ns.Outer+Inner.field'), { owner: 'Ns.Outer+Inner', member: 'field' });
    assert.strictEqual(shortMemberName('Chain.Program.Main'), 'Program.Main');
    assert.deepStrictEqual(typeNesting('Ns.Sub.Outer+Inner'), { namespace: 'Ns.Sub', names: ['Outer', 'Inner'] });
    assert.deepStrictEqual(typeNesting('Ns.Box`1<System.Int32>'), { namespace: 'Ns', names: ['Box'] });
    assert.strictEqual(sourceFieldName('<Name>k__BackingField'), 'Name');
    assert.strictEqual(sourceFieldName('m_prevLeak'), 'm_prevLeak');
  });
});
