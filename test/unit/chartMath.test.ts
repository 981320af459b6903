// The summary page's chart arithmetic (src/webview/summary/chartMath.ts): round axis ticks, stacked segments, line
// points. Expected values are worked out by hand from the inputs.
import * as assert from 'assert';
import { linePoints, niceTicks, stackSegments } from '../../src/webview/summary/chartMath';

describe('summary chart arithmetic', () => {
  it('puts axis ticks at round steps that reach the maximum', () => {
    assert.deepStrictEqual(niceTicks(95, 4), [0, 50, 100]);
    assert.deepStrictEqual(niceTicks(8, 4), [0, 2, 4, 6, 8]);
    assert.deepStrictEqual(niceTicks(0), [0, 1], 'an empty chart still has an axis');
    // Bytes step in powers of 1024: 3 MB in 4 steps is 1 MB a step.
    const mb = 1024 * 1024;
    assert.deepStrictEqual(niceTicks(3 * mb, 4, true), [0, mb, 2 * mb, 3 * mb]);
    for (const max of [1, 7, 123, 99_999, 5.5 * mb]) {
      const ticks = niceTicks(max, 4, max > 1000);
      assert.ok(ticks[ticks.length - 1] >= max, `${max}: the last tick ${ticks[ticks.length - 1]} reaches the maximum`);
      assert.ok(ticks.length <= 12, `${max}: ${ticks.length} ticks`);
    }
  });

  it('stacks segments left to right, dropping empty ones', () => {
    const segments = stackSegments(
      [
        { key: 'gen0', value: 10 },
        { key: 'gen1', value: 0 },
        { key: 'gen2', value: 30 },
      ],
      80,
      400,
    );
    assert.deepStrictEqual(segments, [
      { key: 'gen0', value: 10, x: 0, width: 50 },
      { key: 'gen2', value: 30, x: 50, width: 150 },
    ]);
  });

  it('spreads a line across the plot with 0 at the bottom', () => {
    assert.deepStrictEqual(linePoints([0, 50, 100], 100, 200, 80), [
      { x: 0, y: 80 },
      { x: 100, y: 40 },
      { x: 200, y: 0 },
    ]);
    assert.deepStrictEqual(linePoints([5], 10, 200, 80), [{ x: 100, y: 40 }], 'one snapshot sits in the middle');
  });
});
