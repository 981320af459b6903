// Captures real dumps of running fixtures for tests, each in its own 0700 temp folder, and removes them all at
// the end (call cleanupDumps() in an after() hook): dumps hold a process's memory, so none may be left behind.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DumpKind, writeDump } from '../../src/diagnostics/dump';
import { RunningFixture } from './fixtures';

const madeDirs = new Set<string>();

/** A fresh private temp folder that cleanupDumps() will remove. */
export function makeDumpDir(prefix = 'heaplens-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o700);
  madeDirs.add(dir);
  return dir;
}

let counter = 0;

/** Writes a dump of the fixture (WithHeap unless told) and returns its path; the file is 0600. */
export async function captureFixture(fixture: RunningFixture, kind: DumpKind = 'withHeap'): Promise<string> {
  const dir = makeDumpDir();
  const file = path.join(dir, `${fixture.name}-${fixture.pid}-${++counter}.dmp`);
  const result = await writeDump(fixture.pid, { path: file, kind, timeoutMs: 120_000 });
  return result.path;
}

/** Removes every folder this module made, with the dumps in it. */
export function cleanupDumps(): void {
  for (const dir of madeDirs) fs.rmSync(dir, { recursive: true, force: true });
  madeDirs.clear();
}
