// Checks a SARIF log against what SARIF 2.1.0 requires of the parts HeapLens writes (sarifLog, run, tool,
// toolComponent, reportingDescriptor, result, message, location, physicalLocation, artifactLocation, region),
// from the schema's "required" lists and enums, without fetching the schema.
import * as assert from 'assert';

type Obj = Record<string, unknown>;

function obj(value: unknown, where: string): Obj {
  assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `${where} is an object`);
  return value as Obj;
}

function arr(value: unknown, where: string): unknown[] {
  assert.ok(Array.isArray(value), `${where} is an array`);
  return value;
}

/** Returns the results of the first run, after checking the log's shape. */
export function assertSarifShape(log: unknown): Obj[] {
  const root = obj(log, 'the log');
  assert.strictEqual(root.version, '2.1.0');
  assert.match(String(root.$schema), /^https:\/\/.*sarif.*2\.1\.0.*\.json$/);
  const runs = arr(root.runs, 'runs');
  assert.strictEqual(runs.length, 1);
  const run = obj(runs[0], 'runs[0]');
  const driver = obj(obj(run.tool, 'tool').driver, 'tool.driver');
  assert.strictEqual(driver.name, 'HeapLens');
  const rules = arr(driver.rules, 'rules').map((r, i) => obj(r, `rules[${i}]`));
  const ids = rules.map((r) => r.id);
  assert.ok(ids.every((id) => typeof id === 'string' && id.length > 0), 'every rule has an id');
  assert.strictEqual(new Set(ids).size, ids.length, 'rule ids are unique');
  for (const rule of rules) {
    assert.ok(typeof obj(rule.shortDescription, `${rule.id}.shortDescription`).text === 'string');
    const level = obj(rule.defaultConfiguration, `${rule.id}.defaultConfiguration`).level;
    assert.ok(['none', 'note', 'warning', 'error'].includes(String(level)), `${rule.id} level ${level}`);
  }
  const bases = run.originalUriBaseIds === undefined ? {} : obj(run.originalUriBaseIds, 'originalUriBaseIds');
  const results = arr(run.results, 'results').map((r, i) => obj(r, `results[${i}]`));
  for (const [i, result] of results.entries()) {
    const where = `results[${i}]`;
    assert.ok(ids.includes(result.ruleId), `${where}.ruleId ${result.ruleId} is a rule`);
    if (result.ruleIndex !== undefined) assert.strictEqual(ids[Number(result.ruleIndex)], result.ruleId, `${where}.ruleIndex`);
    assert.ok(['none', 'note', 'warning', 'error'].includes(String(result.level)), `${where}.level ${result.level}`);
    const message = obj(result.message, `${where}.message`);
    assert.ok(typeof message.text === 'string' && message.text.length > 0, `${where}.message.text`);
    for (const [j, location] of (result.locations === undefined ? [] : arr(result.locations, `${where}.locations`)).entries()) {
      const physical = obj(obj(location, `${where}.locations[${j}]`).physicalLocation, `${where}.locations[${j}].physicalLocation`);
      const artifact = obj(physical.artifactLocation, 'artifactLocation');
      assert.ok(typeof artifact.uri === 'string' && artifact.uri.length > 0, 'artifactLocation.uri');
      if (artifact.uriBaseId !== undefined) assert.ok(String(artifact.uriBaseId) in bases, `uriBaseId ${artifact.uriBaseId} is declared`);
      else assert.match(String(artifact.uri), /^file:\/\//, 'an absolute uri without a base');
      const startLine = obj(physical.region, 'region').startLine;
      assert.ok(Number.isInteger(startLine) && Number(startLine) >= 1, `startLine ${startLine}`);
    }
  }
  return results;
}
