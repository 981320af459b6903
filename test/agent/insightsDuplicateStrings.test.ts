// duplicate-strings on the DuplicateStrings fixture: one text built again for every record. Expected figures
// come from DuplicateStrings/Program.cs; a string's size is the .NET layout of a 64-bit process: 8 bytes of
// header, 8 of method table, 4 of length, 2 per character and 2 for the terminating NUL.
import * as assert from 'assert';
import { fixtureSource, readConstant } from '../support/fixtures';
import { assertWellFormed, insightRun, ofKind } from './insightsSupport';

const source = fixtureSource('DuplicateStrings');
const Copies = readConstant(source, 'Copies');
const TextLength = readConstant(source, 'TextLength');

describe('insights: duplicate-strings (DuplicateStrings fixture)', function () {
  const run = insightRun('DuplicateStrings');

  it('reports the text held Copies times and the bytes one copy would save', async function () {
    assertWellFormed(run.alone);
    const found = ofKind(run.alone, 'duplicate-strings');
    assert.strictEqual(found.length, 1, JSON.stringify(found.map((i) => i.figures)));
    const [insight] = found;
    const bytesEach = 8 + 8 + 4 + 2 * TextLength + 2;
    assert.strictEqual(insight.figures.copies, Copies);
    assert.strictEqual(insight.figures.length, TextLength);
    assert.strictEqual(insight.figures.bytesEach, bytesEach);
    assert.strictEqual(insight.figures.wastedBytes, (Copies - 1) * bytesEach);
    assert.strictEqual(insight.severity, (Copies - 1) * bytesEach >= 1024 * 1024 ? 'warning' : 'info');
    assert.match(String(insight.figures.text), /^s{80}…$/);
    assert.deepStrictEqual(insight.types, ['System.String']);
  });

  it('its sample addresses are copies of that text', async function () {
    const [insight] = ofKind(run.alone, 'duplicate-strings');
    assert.ok((insight.addresses ?? []).length >= 2);
    for (const address of insight.addresses ?? []) {
      const copy = await run.agent.object({ snapshotId: run.after.snapshotId, address });
      assert.strictEqual(copy.text, 's'.repeat(TextLength));
    }
  });

  it('stays quiet about the text repeated only FewCopies times', function () {
    assert.ok(ofKind(run.againstBaseline, 'duplicate-strings').every((i) => i.figures.length === TextLength));
  });
});
