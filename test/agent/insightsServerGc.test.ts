// server-gc on the ServerGc fixture, started under server GC with HeapCount heaps. Expected figures come from
// ServerGc/Program.cs and the environment the test gives it.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fixtureSource, readConstant } from '../support/fixtures';
import { assertWellFormed, insightRun, ofKind } from './insightsSupport';

const source = fixtureSource('ServerGc');
const HeapCount = readConstant(source, 'HeapCount');
const Blocks = readConstant(source, 'Blocks');
const BlockBytes = readConstant(source, 'BlockBytes');

/** True when the installed .NET SDK's targets read this MSBuild property (the SDK that builds the fixtures). */
function sdkReads(property: string): boolean {
  const sdks = execFileSync('dotnet', ['--list-sdks'], { encoding: 'utf8' }).trim().split('\n');
  const last = /^(\S+) \[(.+)\]$/.exec(sdks[sdks.length - 1])!;
  const targets = path.join(last[2], last[1], 'Sdks', 'Microsoft.NET.Sdk', 'targets', 'Microsoft.NET.Sdk.targets');
  return fs.readFileSync(targets, 'utf8').includes(`$(${property})`);
}

describe('insights: server-gc (ServerGc fixture)', function () {
  // DOTNET_GCHeapCount is read as hexadecimal; the GC never makes more heaps than there are cores.
  const run = insightRun('ServerGc', { DOTNET_gcServer: '1', DOTNET_GCHeapCount: HeapCount.toString(16) });

  it('says plainly that this is server GC with one heap per core, not a leak', function () {
    assertWellFormed(run.alone);
    const found = ofKind(run.alone, 'server-gc');
    assert.strictEqual(found.length, 1);
    const [gc] = found;
    assert.strictEqual(gc.severity, 'info');
    assert.strictEqual(gc.figures.heaps, Math.min(HeapCount, os.availableParallelism()));
    assert.ok(Number(gc.figures.liveBytes) >= HeapCount * Blocks * BlockBytes);
    assert.ok(Number(gc.figures.committedBytes) >= Number(gc.figures.liveBytes));
    assert.match(gc.detail, /not a leak/);
    // The fix it suggests names the MSBuild property the .NET SDK reads (a misspelt one is silently ignored).
    const property = /<(\w+)>false<\/\1>/.exec(gc.detail)?.[1];
    assert.strictEqual(property, 'ServerGarbageCollection', gc.detail);
    assert.ok(sdkReads(property), `the .NET SDK's targets read $(${property})`);
  });
});
