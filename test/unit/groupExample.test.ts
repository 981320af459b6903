// Which path a retention group expands to. Shaped after what `heaplens roots` showed for a System.Threading.Timer's
// callback target in an ASP.NET Core service: the group "static TimerQueue.<Instances>k__BackingField → … →
// TimerCallback._target", whose example instance the path finder returned first from the timer thread's local
// (6 links), then from the static (5 links).
import * as assert from 'assert';
import { RetentionPath } from '../../src/protocol/agent';
import { groupExamplePath } from '../../src/snapshots/groupExample';

describe('the path a retention group expands to', () => {
  const target = { address: '0x7f4954994340', type: 'VisitTracker', field: '_target' };
  const fromLocal: RetentionPath = {
    root: { kind: 'stack', thread: 11, method: 'System.Threading.TimerQueue.TimerThread' },
    links: [{ address: '0x7f49540affe8', type: 'System.Collections.Generic.List<System.Threading.TimerQueue>', field: null }, target],
  };
  const fromStatic: RetentionPath = {
    root: { kind: 'static', field: 'System.Threading.TimerQueue.<Instances>k__BackingField' },
    links: [{ address: '0x7f49540b0850', type: 'System.Threading.TimerQueue[]', field: null }, target],
  };
  const otherStatic: RetentionPath = { root: { kind: 'static', field: 'App.Cache.s_items' }, links: [target] };

  it('starts at the group’s root, not at whichever root the agent listed first', () => {
    const group = { root: { kind: 'static' as const, field: 'System.Threading.TimerQueue.<Instances>k__BackingField' } };
    assert.strictEqual(groupExamplePath(group, [fromLocal, otherStatic, fromStatic]), fromStatic);
  });

  it('falls back to a root of the same kind, then to the first path', () => {
    assert.strictEqual(groupExamplePath({ root: { kind: 'static', field: 'App.Gone.s_x' } }, [fromLocal, otherStatic]), otherStatic);
    assert.strictEqual(groupExamplePath({ root: { kind: 'handle', handleKind: 'strong' } }, [fromLocal, fromStatic]), fromLocal);
    assert.strictEqual(groupExamplePath({ root: { kind: 'stack' } }, []), undefined);
  });
});
