// Grouped retention paths and dominators in words. The groups are shaped like the ASP.NET service (a static
// list of audit entries, each owning a payload) and the Events fixture; expected text is worked out from them here.
import * as assert from 'assert';
import { groupPathText as cliGroupPathText } from '../../src/cli/retentionText';
import { formatBytes } from '../../src/common/numbers';
import { omittedText } from '../../src/common/retentionFolding';
import { RetentionGroup } from '../../src/protocol/agent';
import { dominatorText, shareText } from '../../src/snapshots/dominatorWords';
import { groupPathText, groupSummary, groupTooltip, shortRootText } from '../../src/snapshots/retentionGroupWords';

describe('grouped retention paths in words', () => {
  // static AuditLog.s_recent → List<AuditEntry> → AuditEntry[] → AuditEntry → byte[] (through Payload).
  const audit: RetentionGroup = {
    count: 700,
    bytes: 700 * 2072,
    retainedBytes: 700 * 2072,
    root: { kind: 'static', field: 'Shop.AuditLog.s_recent' },
    links: [
      { type: 'System.Collections.Generic.List<Shop.AuditEntry>', field: null },
      { type: 'Shop.AuditEntry[]', field: '_items' },
      { type: 'Shop.AuditEntry', field: '[]' },
      { type: 'System.Byte[]', field: 'Payload' },
    ],
    example: '0x7f0010',
  };

  it('says how many of the instances a group holds and what they retain', () => {
    const { label, description } = groupSummary(audit, 1421);
    assert.strictEqual(label, `700 of 1,421 · ${formatBytes(700 * 2072)} retained`);
    assert.strictEqual(description, 'static AuditLog.s_recent → List<AuditEntry> → … → AuditEntry.Payload');
  });

  it('shows every link of a short path, and folded runs with their length', () => {
    assert.strictEqual(groupPathText({ root: { kind: 'static', field: 'Events.Program.Bus' }, links: [{ type: 'Events.Publisher', field: null }] }), 'static Program.Bus → Publisher');
    assert.strictEqual(
      groupPathText({
        root: { kind: 'stack', method: 'Chain.Program.Main' },
        links: [
          { type: 'Chain.Leak', field: null },
          { type: 'Chain.Leak', field: 'm_prevLeak', repeat: 4998 },
        ],
      }),
      'local in Program.Main → Leak → Leak.m_prevLeak × 4,998',
    );
    assert.strictEqual(shortRootText({ kind: 'handle', handleKind: 'strong' }), 'strong handle');
    assert.strictEqual(shortRootText({ kind: 'finalizer' }), 'finalizer queue');
  });

  it('lists the root and every link in the tooltip', () => {
    const lines = groupTooltip(audit, 1421, 'System.Byte[]').split('\n');
    assert.strictEqual(lines[0], `700 of the 1,421 live System.Byte[] objects (1,450,400 bytes) are held this way;`);
    assert.deepStrictEqual(lines.slice(2, 7), [
      'Static field AuditLog.s_recent',
      '  List<AuditEntry>',
      '  → List<AuditEntry>._items → AuditEntry[]',
      '  → AuditEntry[][] → AuditEntry',
      '  → AuditEntry.Payload → Byte[]',
    ]);
  });
});

describe('a retention group too long to send whole', () => {
  // LongPath's shape: Even and Odd alternating for 100,000 links, sent as its first and last 2 (as the agent does
  // with 5,000 each) and the 99,996 between left out.
  const group: RetentionGroup = {
    count: 1,
    bytes: 24,
    retainedBytes: 24,
    root: { kind: 'stack', method: 'LongPath.Program.Main()' },
    links: [
      { type: 'LongPath.Even', field: null },
      { type: 'LongPath.Odd', field: 'next' },
      { type: 'LongPath.Even', field: 'next' },
      { type: 'LongPath.Tail', field: 'next' },
    ],
    example: '0x10',
    omitted: { after: 2, count: 99_996 },
  };

  it('says in the tooltip where links were left out and how many', () => {
    const lines = groupTooltip(group, 1, 'LongPath.Tail').split('\n');
    assert.deepStrictEqual(lines.slice(3, 8), ['  Even', '  → Even.next → Odd', `  ${omittedText(99_996)}`, '  → .next → Even', '  → Even.next → Tail']);
  });

  it('says it on the CLI\'s line too', () => {
    assert.match(cliGroupPathText(group.root, group.links, group.omitted), /-> LongPath\.Even \.next -> LongPath\.Odd … 99,996 links not sent .* \.next -> LongPath\.Even \.next -> LongPath\.Tail$/);
  });
});

describe('dominators in words', () => {
  it('gives what an object retains and its share of the live heap', () => {
    // Events: the Publisher keeps 2,000 subscribers, their handlers and buffers alive.
    const text = dominatorText({ type: 'Events.Publisher', retainedBytes: 700_000, retainedObjects: 6003 }, 1_000_000);
    assert.deepStrictEqual(text, { label: 'Publisher', description: `${formatBytes(700_000)} retained · 70.0% · 6,003 objects` });
    assert.strictEqual(dominatorText({ type: 'System.Int32[]', retainedBytes: 3072, retainedObjects: 1 }, 1_000_000).description, `${formatBytes(3072)} retained · 0.3% · 1 object`);
    assert.strictEqual(shareText(50, 1_000_000), '<0.1%');
    assert.strictEqual(shareText(1, 0), '');
  });
});
