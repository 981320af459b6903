// Human-readable text of `heaplens inspect`: each insight as its severity and title, the detail wrapped to the
// terminal's width, its figures, and where to look in the source. The --json output is the agent's answer as is.
import * as path from 'path';
import { Insight } from '../protocol/agent';
import { locationNote } from '../snapshots/insightLocations';
import { formatBytes, formatCount } from '../common/numbers';

const INDENT = '    ';

export interface InsightTextOptions {
  /** Wrap width (default 100). */
  width?: number;
  /** Source paths under this folder are shown relative to it. */
  cwd?: string;
  /** Said in the summary when set: insights were measured against this baseline. */
  baseline?: string;
}

export function renderInsights(insights: Insight[], options: InsightTextOptions = {}): string[] {
  const width = Math.max(40, options.width ?? 100);
  const lines: string[] = [];
  for (const insight of insights) {
    if (lines.length) lines.push('');
    lines.push(`${insight.severity === 'warning' ? 'WARNING' : 'info   '}  ${insight.title}`);
    lines.push(...wrap(insight.detail, width - INDENT.length).map((l) => INDENT + l));
    const figures = Object.entries(insight.figures).map(([name, value]) => `${name}: ${formatFigure(name, value)}`);
    if (figures.length) lines.push(...wrapItems(figures, width - INDENT.length).map((l) => INDENT + l));
    for (const location of insight.locations) {
      const about = locationNote(location);
      lines.push(`${INDENT}at ${displayPath(location.file, options.cwd)}:${location.line}${about ? `  (${about})` : ''}`);
    }
  }
  const warnings = insights.filter((i) => i.severity === 'warning').length;
  const infos = insights.length - warnings;
  if (lines.length) lines.push('');
  lines.push(
    insights.length === 0
      ? `No insights: nothing in this snapshot looks like a leak${options.baseline ? ' or grew since the baseline' : ''}.`
      : `${formatCount(warnings)} warning${warnings === 1 ? '' : 's'}, ${formatCount(infos)} for information${options.baseline ? ` (baseline: ${options.baseline})` : ''}.`,
  );
  return lines;
}

/** Numbers with thousands separators; byte figures also in KB/MB; percentages with "%". */
export function formatFigure(name: string, value: number | string): string {
  if (typeof value === 'string') return value === '' ? '-' : value;
  if (/Bytes$|Block$/.test(name) && Math.abs(value) >= 1024) return `${formatCount(value)} (${formatBytes(value)})`;
  if (/Percent$/.test(name)) return `${value}%`;
  return Number.isInteger(value) ? formatCount(value) : String(value);
}

function displayPath(file: string, cwd?: string): string {
  if (!cwd) return file;
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** Words into lines of at most `width` characters (a longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** Figures side by side, separated by three spaces, wrapped like words. */
function wrapItems(items: string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    if (line && line.length + 3 + item.length > width) {
      lines.push(line);
      line = item;
    } else {
      line = line ? `${line}   ${item}` : item;
    }
  }
  if (line) lines.push(line);
  return lines;
}
