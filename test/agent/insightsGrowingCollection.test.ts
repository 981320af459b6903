// growing-collection on the GrowingCollection fixture: a static list and a registry's dictionary that only grow,
// and a static list that stays the same. Expected figures come from GrowingCollection/Program.cs.
import * as assert from 'assert';
import { fixtureSource, markedLine, readConstant } from '../support/fixtures';
import { assertWellFormed, findInsight, insightRun, ofKind } from './insightsSupport';

const source = fixtureSource('GrowingCollection');
const InitialOrders = readConstant(source, 'InitialOrders');
const OrdersPerGrow = readConstant(source, 'OrdersPerGrow');
const InitialNames = readConstant(source, 'InitialNames');
const NamesPerGrow = readConstant(source, 'NamesPerGrow');

describe('insights: growing-collection (GrowingCollection fixture)', function () {
  const run = insightRun('GrowingCollection');

  it('says nothing without a baseline: one snapshot cannot show growth', function () {
    assertWellFormed(run.alone);
    assert.deepStrictEqual(ofKind(run.alone, 'growing-collection'), []);
  });

  it('reports the static list of orders, located at its initializer', function () {
    assertWellFormed(run.againstBaseline);
    const orders = findInsight(run.againstBaseline, 'growing-collection', 'field', 'GrowingCollection.Program.Orders');
    assert.strictEqual(orders.severity, 'warning');
    assert.strictEqual(orders.figures.collectionType, 'System.Collections.Generic.List<GrowingCollection.Order>');
    assert.strictEqual(orders.figures.countBefore, InitialOrders);
    assert.strictEqual(orders.figures.countAfter, InitialOrders + OrdersPerGrow);
    assert.strictEqual(orders.figures.growth, OrdersPerGrow);
    assert.deepStrictEqual(orders.locations.map((l) => l.line), [markedLine(source, 'orders')]);
  });

  it("reports the registry's dictionary through the static that holds the registry", function () {
    const names = findInsight(run.againstBaseline, 'growing-collection', 'field', 'GrowingCollection.Program.Registry.byName');
    assert.strictEqual(names.figures.collectionType, 'System.Collections.Generic.Dictionary<System.String, GrowingCollection.Order>');
    assert.strictEqual(names.figures.countBefore, InitialNames);
    assert.strictEqual(names.figures.countAfter, InitialNames + NamesPerGrow);
    assert.deepStrictEqual(names.locations.map((l) => l.line), [markedLine(source, 'byname')]);
  });

  it('stays quiet about the list that did not grow, and lists the largest growth first', function () {
    const fields = ofKind(run.againstBaseline, 'growing-collection').map((i) => i.figures.field);
    assert.deepStrictEqual(fields, OrdersPerGrow >= NamesPerGrow
      ? ['GrowingCollection.Program.Orders', 'GrowingCollection.Program.Registry.byName']
      : ['GrowingCollection.Program.Registry.byName', 'GrowingCollection.Program.Orders']);
  });
});
