// Whole processes, as a user runs them: `heaplens stats <dump>` and `heaplens roots <dump> --address <deep>`
// (the built CLI, which starts its own agent), each first without the index cache beside the dump (the first open)
// and then with the cache the first run left (a second command on the same dump). Timed from spawn to exit.
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { indexCachePath } from '../../src/snapshots/indexCache';
import { MeasureId } from './results';

export async function timeCliRuns(root: string, dump: string, deepAddress: string, timeoutMs: number): Promise<Partial<Record<MeasureId, number>>> {
  const cli = path.join(root, 'dist', 'cli.js');
  const cache = indexCachePath(dump);
  const values: Partial<Record<MeasureId, number>> = {};
  fs.rmSync(cache, { force: true });
  values.cliStatsMs = await timeCli(cli, ['stats', dump], timeoutMs);
  values.cliStatsReopenMs = await timeCli(cli, ['stats', dump], timeoutMs);
  if (!fs.existsSync(cache)) throw new Error(`heaplens stats left no index cache at ${cache}.`);
  values.cliStatsReopenVsFirst = values.cliStatsReopenMs / values.cliStatsMs;
  fs.rmSync(cache, { force: true });
  values.cliRootsMs = await timeCli(cli, ['roots', dump, '--address', deepAddress], timeoutMs);
  values.cliRootsReopenMs = await timeCli(cli, ['roots', dump, '--address', deepAddress], timeoutMs);
  // The agent session that follows must open the dump without the cache, as a first open.
  fs.rmSync(cache, { force: true });
  return values;
}

function timeCli(cli: string, args: string[], timeoutMs: number): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, ...args], { timeout: timeoutMs, maxBuffer: 512 << 20 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`heaplens ${args.join(' ')} failed: ${(stderr || err.message).trim().split('\n')[0]}`));
      else resolve(Number(process.hrtime.bigint() - started) / 1e6);
    });
  });
}
