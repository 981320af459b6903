// The Memory view's time axis (src/webview/memory/timeAxis.ts) and the merging of sampled periods
// (src/snapshots/allocationPeriods.ts). Expected values are worked out by hand from the inputs.
import * as assert from 'assert';
import type { AllocationReport } from '../../src/protocol/agent';
import { allocationTypeKey, mergeReports } from '../../src/snapshots/allocationPeriods';
import { timeTicks, visibleSpan, WINDOW_MS, xOf } from '../../src/webview/memory/timeAxis';

describe('Memory view time axis', () => {
  it('draws everything while there is less than the window, then the last window', () => {
    assert.strictEqual(visibleSpan([]), undefined);
    assert.deepStrictEqual(visibleSpan([10_000, 12_000, 15_000]), { from: 10_000, to: 15_000 });
    assert.deepStrictEqual(visibleSpan([10_000]), { from: 9_000, to: 10_000 }, 'one second wide at least');
    const long = [0, WINDOW_MS, WINDOW_MS + 60_000];
    assert.deepStrictEqual(visibleSpan(long), { from: 60_000, to: WINDOW_MS + 60_000 });
  });

  it('places moments on the plot and leaves out those outside', () => {
    const span = { from: 1000, to: 3000 };
    assert.strictEqual(xOf(1000, span, 200), 0);
    assert.strictEqual(xOf(2000, span, 200), 100);
    assert.strictEqual(xOf(3000, span, 200), 200);
    assert.strictEqual(xOf(999, span, 200), undefined);
  });

  it('labels round moments', () => {
    // 60 s wide, 4 labels wanted: every 15 s.
    assert.deepStrictEqual(timeTicks({ from: 100_000, to: 160_000 }), [105_000, 120_000, 135_000, 150_000]);
    assert.deepStrictEqual(timeTicks({ from: 0, to: 4000 }), [0, 1000, 2000, 3000, 4000]);
  });
});

describe('sampled allocation periods', () => {
  const site = (line: number, samples: number) => ({ method: 'App.Program.Make', file: '/src/Program.cs', line, samples, share: 0, stack: [] });
  const report = (sites: ReturnType<typeof site>[], bytes: number): AllocationReport => ({
    seconds: 10,
    sampling: 'AllocationSampled',
    samplingText: 'AllocationSampled: …',
    samples: sites.reduce((n, s) => n + s.samples, 0),
    types: [{ name: 'App.Order', samples: sites.reduce((n, s) => n + s.samples, 0), estimatedBytes: bytes, sites }],
  });

  it('merges the periods of one process: samples add up, shares are of the merged samples', () => {
    const merged = mergeReports([report([site(10, 30), site(20, 10)], 4000), report([site(10, 60)], 6000)])!;
    assert.strictEqual(merged.samples, 100);
    assert.strictEqual(merged.seconds, 20);
    assert.strictEqual(merged.types[0].estimatedBytes, 10_000);
    assert.deepStrictEqual(
      merged.types[0].sites.map((s) => [s.line, s.samples, s.share]),
      [
        [10, 90, 0.9],
        [20, 10, 0.1],
      ],
    );
    assert.strictEqual(mergeReports([]), undefined);
  });

  it('compares the runtime event names of types with the heap names', () => {
    // The agent sends the events' names in the heap's syntax; a nested type comes without its enclosing type.
    assert.strictEqual(allocationTypeKey('Slot<Allocations.OrderLine>'), allocationTypeKey('Allocations.Pool<Allocations.OrderLine>+Slot'));
    assert.strictEqual(allocationTypeKey('Entry<System.String, System.Object>[]'), allocationTypeKey('System.Collections.Generic.Dictionary<System.String, System.Object>+Entry[]'));
    assert.strictEqual(allocationTypeKey('System.Collections.Generic.List<System.String>'), 'System.Collections.Generic.List<System.String>');
    assert.notStrictEqual(allocationTypeKey('Slot<Allocations.OrderLine>'), allocationTypeKey('Allocations.Pool<Allocations.AuditRecord>+Slot'));
    assert.notStrictEqual(allocationTypeKey('Entry<System.String, System.Object>'), allocationTypeKey('System.Collections.Generic.Dictionary<System.String, System.Object>+Entry[]'));
    assert.strictEqual(allocationTypeKey('System.Byte[]'), 'System.Byte[]');
    assert.notStrictEqual(allocationTypeKey('App.Order'), allocationTypeKey('App.Orders'));
  });
});
