// The results as the terminal shows them at the end of `npm run bench`.
import { formatBytes, formatCount, formatSummary } from './format';
import { standings } from './goals';
import { BenchResults } from './results';
import { cell, ROWS } from './rows';

export function renderTable(results: BenchResults): string[] {
  const header = ['', ...results.sizes.map((s) => `${formatCount(s.requested)} objects, median (min–max) of ${s.runs.length}`)];
  const body = ROWS.map((row) => [row.label, ...results.sizes.map((s) => cell(results, s, row.measure))]);
  const lines = [...columns([header, ...body])];
  if (!results.comparison.available) lines.push('', `dotnet-dump: ${results.comparison.reason}`);
  for (const size of results.sizes) {
    lines.push(
      '',
      `${formatCount(size.requested)}: the agent counts ${formatCount(size.objects)} objects (${formatBytes(size.bytes)}); biggest type ${size.biggestType}; deep object ${size.plan.deepType} ` +
        `(${formatCount(size.plan.chainLength)} links from its root); 10 paths to ${size.plan.pathsType}.`,
      size.failures.length ? `WRONG ANSWERS:\n  ${size.failures.join('\n  ')}` : `All ${size.checked.length} checks of the answers passed.`,
    );
  }
  if (results.views) {
    const v = results.views;
    const m = v.measures;
    lines.push(
      '',
      `Views (${formatCount(v.plan.types)} types, ${formatCount(v.plan.items)} ${v.plan.itemType}): open ${formatSummary(m.viewsOpenMs)}; top 50 ${formatSummary(m.statsTopMs)}; ` +
        `all types ${formatSummary(m.statsAllMs)} (${formatSummary(m.statsAllJsonBytes)}); last page ${formatSummary(m.itemsLastPageMs)}; ` +
        `cancel open ${formatSummary(m.cancelOpenMs)}, cancel roots ${formatSummary(m.cancelRootsMs)}.`,
      v.failures.length ? `WRONG ANSWERS:\n  ${v.failures.join('\n  ')}` : `All ${v.checked.length} checks of the answers passed.`,
    );
  }
  lines.push('', 'Goals (10,000,000 objects):');
  lines.push(...columns(standings(results).map((g) => [g.goal.what, g.limitText, g.medianText, g.verdict])).map((l) => `  ${l}`));
  return lines;
}

function columns(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
}
