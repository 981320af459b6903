// The CI gate of `heaplens diff --fail-on`: limits on how much a heap type may grow between two snapshots, and
// the check of a diff against them. A limit reads `TYPE>+N` (more than N more objects) or `TYPE>+N UNIT` with
// UNIT one of B, KB, MB, GB (more than that many more bytes; 1 KB = 1024 bytes). TYPE is a full type name as
// `heaplens stats` prints it, where `*` stands for any run of characters (`MyApp.*`, `*`); each type it matches
// is checked on its own. Several limits: repeat the flag, or separate them with commas (commas inside a generic
// type's <…> or an array's […] belong to the name).
import { HeapDiff, TypeDiff } from '../protocol/agent';
import { formatBytes, formatCount } from '../common/numbers';

/** A --fail-on value that is not a limit; the command line turns it into a usage error. */
export class FailOnSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FailOnSyntaxError';
  }
}

export interface GrowthLimit {
  /** The limit as written, for messages. */
  text: string;
  pattern: string;
  measure: 'count' | 'bytes';
  /** The growth allowed; more than this fails. */
  limit: number;
}

export interface GateBreach {
  type: string;
  limit: string;
  measure: 'count' | 'bytes';
  allowed: number;
  growth: number;
  before: number;
  after: number;
}

export interface GateResult {
  passed: boolean;
  limits: string[];
  breaches: GateBreach[];
  /** Limits whose pattern matched no heap type in either snapshot (a typo, or a type that is gone). */
  unmatched: string[];
}

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

const SYNTAX = 'write TYPE>+COUNT or TYPE>+SIZE, e.g. "MyApp.Order>+100" or "System.Byte[]>+10MB"';

/** Parses every --fail-on value (each may hold several comma-separated limits). */
export function parseFailOn(values: string[]): GrowthLimit[] {
  const limits: GrowthLimit[] = [];
  for (const value of values) {
    for (const part of splitTopLevel(value)) {
      const text = part.trim();
      if (text === '') throw new FailOnSyntaxError(`--fail-on "${value}" has an empty limit: ${SYNTAX}`);
      limits.push(parseLimit(text));
    }
  }
  return limits;
}

function parseLimit(text: string): GrowthLimit {
  // Greedy: the pattern may itself contain '>' (generic types), the limit is after the last ">+".
  const match = /^(.*)>\s*\+\s*(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text);
  if (!match) {
    const hint = /^(.*)>\s*\d/.test(text) ? ' (the limit is a growth: put a plus sign before it)' : '';
    throw new FailOnSyntaxError(`--fail-on "${text}" is not a limit${hint}: ${SYNTAX}`);
  }
  const pattern = match[1].trim();
  if (pattern === '') throw new FailOnSyntaxError(`--fail-on "${text}" names no type: ${SYNTAX}`);
  const unit = match[3].toLowerCase();
  const amount = Number(match[2]);
  if (unit === '') {
    if (!Number.isInteger(amount)) throw new FailOnSyntaxError(`--fail-on "${text}": a count of objects is a whole number; ${SYNTAX}`);
    return { text, pattern, measure: 'count', limit: amount };
  }
  const scale = UNITS[unit];
  if (scale === undefined) throw new FailOnSyntaxError(`--fail-on "${text}": unknown unit "${match[3]}" (use B, KB, MB or GB); ${SYNTAX}`);
  return { text, pattern, measure: 'bytes', limit: Math.round(amount * scale) };
}

/** Splits at commas outside <…> and […]. */
function splitTopLevel(value: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '<' || c === '[') depth++;
    else if ((c === ']' || (c === '>' && value[i + 1] !== '+' && !/^>\s*\+/.test(value.slice(i)))) && depth > 0) depth--;
    else if (c === ',' && depth === 0) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts;
}

function patternRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** Checks every type of the diff against every limit. */
export function checkGate(diff: Pick<HeapDiff, 'types'>, limits: GrowthLimit[]): GateResult {
  const breaches: GateBreach[] = [];
  const unmatched: string[] = [];
  for (const limit of limits) {
    const re = patternRegExp(limit.pattern);
    const matched = diff.types.filter((t) => re.test(t.name));
    if (matched.length === 0) unmatched.push(limit.text);
    for (const t of matched) {
      const [before, after] = limit.measure === 'count' ? [t.before.count, t.after.count] : [t.before.bytes, t.after.bytes];
      if (after - before > limit.limit) breaches.push(breach(t, limit, before, after));
    }
  }
  breaches.sort((a, b) => a.type.localeCompare(b.type) || a.limit.localeCompare(b.limit));
  return { passed: breaches.length === 0, limits: limits.map((l) => l.text), breaches, unmatched };
}

function breach(t: TypeDiff, limit: GrowthLimit, before: number, after: number): GateBreach {
  return { type: t.name, limit: limit.text, measure: limit.measure, allowed: limit.limit, growth: after - before, before, after };
}

/** "Chain.Leak grew by 500 objects (5,000 → 5,500; limit +100)"; bytes in KB/MB. */
export function describeBreach(b: GateBreach): string {
  if (b.measure === 'count') {
    return `${b.type} grew by ${formatCount(b.growth)} object${b.growth === 1 ? '' : 's'} (${formatCount(b.before)} → ${formatCount(b.after)}; limit +${formatCount(b.allowed)})`;
  }
  return `${b.type} grew by ${formatBytes(b.growth)} (${formatBytes(b.before)} → ${formatBytes(b.after)}; limit +${formatBytes(b.allowed)})`;
}

/** The one line the CLI prints when the gate fails. */
export function gateFailureMessage(result: GateResult): string {
  const n = result.breaches.length;
  return `Leak gate failed: ${n} heap type${n === 1 ? '' : 's'} grew past ${n === 1 ? 'its limit' : 'their limits'}: ${result.breaches.map(describeBreach).join('; ')}.`;
}
