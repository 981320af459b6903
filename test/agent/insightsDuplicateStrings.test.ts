// duplicate-strings on the DuplicateStrings fixture: many texts, each built again for every record, none of which
// wastes much alone (under the 64 KB that once was the threshold per text), together megabytes. Expected figures come
// from DuplicateStrings/Program.cs; a string's size is the .NET layout of a 64-bit process: 8 bytes of header, 8 of
// method table, 4 of length, 2 per character and 2 for the terminating NUL.
import * as assert from 'assert';
import { fixtureSource, readConstant } from '../support/fixtures';
import { assertWellFormed, insightRun, ofKind } from './insightsSupport';

const source = fixtureSource('DuplicateStrings');
const Texts = readConstant(source, 'Texts');
const Copies = readConstant(source, 'Copies');
const TextLength = readConstant(source, 'TextLength');
const bytesEach = 8 + 8 + 4 + 2 * TextLength + 2;
const wastedPerText = (Copies - 1) * bytesEach;

describe('insights: duplicate-strings in total (DuplicateStrings fixture)', function () {
  const run = insightRun('DuplicateStrings');

  it('reports the waste of all the texts together, though each alone is small', function () {
    assertWellFormed(run.alone);
    const found = ofKind(run.alone, 'duplicate-strings');
    assert.strictEqual(found.length, 1, JSON.stringify(found.map((i) => i.figures)));
    const { figures } = found[0];
    assert.ok(wastedPerText < 64 * 1024, 'the construction keeps each text under the old per-text threshold');
    const constructed = Texts * wastedPerText;
    const wasted = Number(figures.wastedBytes);
    // The runtime repeats a few of its own texts too (hundreds of bytes): at most 1% on top of the construction.
    assert.ok(wasted >= constructed && wasted < constructed * 1.01, `wastedBytes ${wasted}, constructed ${constructed}`);
    assert.ok(Number(figures.duplicatedTexts) >= Texts);
    assert.ok(Number(figures.stringBytes) >= Texts * Copies * bytesEach);
    assert.strictEqual(figures.wastedPercent, Math.round((1000 * wasted) / Number(figures.stringBytes)) / 10);
    // Nearly all string bytes are the copies: far above 20%, so a warning.
    assert.strictEqual(found[0].severity, 'warning');
    assert.match(found[0].title, new RegExp(`^Duplicate strings waste [\\d.]+ MB \\([\\d.]+% of string bytes\\): [\\d,]+ texts held more than once$`));
  });

  it('names the largest texts, with their copies and waste', function () {
    const [insight] = ofKind(run.alone, 'duplicate-strings');
    const { figures } = insight;
    assert.match(String(figures.text), new RegExp(`^status \\d{3}\\.+$`));
    assert.strictEqual(String(figures.text).length, TextLength);
    assert.strictEqual(figures.length, TextLength);
    assert.strictEqual(figures.copies, Copies);
    assert.strictEqual(figures.bytesEach, bytesEach);
    assert.strictEqual(figures.textWastedBytes, wastedPerText);
    const named = [...insight.detail.matchAll(/"(status \d{3}\.+)" ×([\d,]+)/g)];
    assert.strictEqual(named.length, 5, insight.detail);
    assert.ok(named.every((m) => Number(m[2].replace(/,/g, '')) === Copies), insight.detail);
  });

  it('says who holds the copies of the largest: static Program.Records through Record.Status', async function () {
    const [insight] = ofKind(run.alone, 'duplicate-strings');
    assert.match(String(insight.figures.holders), /^static DuplicateStrings\.Program\.Records → Record\[\] → \[\] Record → Status String \(5 of 5 copies traced\)$/);
    assert.ok((insight.addresses ?? []).length >= 2);
    for (const address of insight.addresses ?? []) {
      const copy = await run.agent.object({ snapshotId: run.after.snapshotId, address });
      assert.strictEqual(copy.text, insight.figures.text);
    }
  });
});
