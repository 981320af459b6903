// dynamic-assemblies on the DynamicAssemblies fixture: a new XmlSerializer (with an XmlRootAttribute) per call,
// each generating an assembly. Expected figures come from DynamicAssemblies/Program.cs.
import * as assert from 'assert';
import { fixtureSource, readConstant } from '../support/fixtures';
import { assertWellFormed, insightRun, ofKind } from './insightsSupport';

const source = fixtureSource('DynamicAssemblies');
const InitialSerializers = readConstant(source, 'InitialSerializers');
const GrowBy = readConstant(source, 'GrowBy');

describe('insights: dynamic-assemblies (DynamicAssemblies fixture)', function () {
  const run = insightRun('DynamicAssemblies');

  it('counts one generated assembly per serializer', function () {
    assertWellFormed(run.alone);
    const [insight] = ofKind(run.alone, 'dynamic-assemblies');
    assert.ok(insight, 'a dynamic-assemblies insight');
    assert.strictEqual(insight.figures.dynamicAssemblies, InitialSerializers + GrowBy);
    assert.ok(Number(insight.figures.assemblies) > Number(insight.figures.dynamicAssemblies));
    assert.match(insight.detail, /XmlSerializer/);
  });

  it('flags the growth since the baseline: GrowBy more', function () {
    const [insight] = ofKind(run.againstBaseline, 'dynamic-assemblies');
    assert.strictEqual(insight.severity, 'warning');
    assert.strictEqual(insight.figures.dynamicBefore, InitialSerializers);
    assert.strictEqual(insight.figures.dynamicGrowth, GrowBy);
  });
});
