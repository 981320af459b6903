// Grouped retention paths and dominators in words. The groups are shaped like the ASP.NET service (a static
// list of audit entries, each owning a payload) and the Events fixture; expected text is worked out from them here.
import * as assert from 'assert';
import { formatBytes } from '../../src/common/numbers';
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
