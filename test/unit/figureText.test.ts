// An insight's figures as the Insights view and the summary page show them.
import * as assert from 'assert';
import { figureText } from '../../src/common/numbers';

describe('insight figures in words', () => {
  it('separates thousands, and adds KB/MB to byte figures', () => {
    assert.strictEqual(figureText('delegates', 2500), '2,500');
    assert.strictEqual(figureText('keptBytes', 113_032), '113,032 (110.4 KB)');
    assert.strictEqual(figureText('stackMappedBytes', 8 * 1024 * 1024), '8,388,608 (8.0 MB)');
    assert.strictEqual(figureText('wastedBytes', 512), '512', 'under 1 KB the count says it all');
    assert.strictEqual(figureText('declaringType', 'Events.Publisher'), 'Events.Publisher');
    // The accumulation point's figures: its retained size before and its growth are bytes too, its share a percentage.
    assert.strictEqual(figureText('retainedGrowth', 2 * 1024 * 1024), '2,097,152 (2.0 MB)');
    assert.strictEqual(figureText('retainedBefore', 2048), '2,048 (2.0 KB)');
    assert.strictEqual(figureText('retainedObjects', 2048), '2,048');
    assert.strictEqual(figureText('retainedPercent', 41.25), '41.3%');
    assert.strictEqual(figureText('retainedPercent', 12), '12%');
  });
});
