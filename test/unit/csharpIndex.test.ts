// HeapLens's own C# index (tree-sitter's C# grammar as WebAssembly) over the fixture programs' real sources: the
// declarations of the fields retention paths name and the `+=` sites of an event, at the lines the sources mark.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { CSharpIndex } from '../../src/sourceIndex/csharpIndex';
import { fixtureSource, markedLine } from '../support/fixtures';

describe('C# source index (tree-sitter)', function () {
  let index: CSharpIndex;
  const events = fixtureSource('Events');
  const cache = fixtureSource('StaticCache');
  const chain = fixtureSource('Chain');

  before(async function () {
    index = await CSharpIndex.create({
      runtimeWasm: require.resolve('web-tree-sitter/web-tree-sitter.wasm'),
      csharpWasm: path.join(path.dirname(require.resolve('tree-sitter-c-sharp/package.json')), 'tree-sitter-c_sharp.wasm'),
    });
    for (const file of [events, cache, chain]) assert.ok(index.indexFile(file), `indexed ${file}`);
  });

  it('finds a static field by the name a static root gives (Events.Program.Bus)', () => {
    const found = index.findMember('Events.Program', 'Bus');
    assert.deepStrictEqual(
      found.map((d) => [d.kind, d.file, d.line]),
      [['field', events, markedLine(events, 'static')]],
    );
    assert.deepStrictEqual(
      index.findMember('StaticCache.Cache', 's_items').map((d) => [d.file, d.line]),
      [[cache, markedLine(cache, 'static')]],
    );
  });

  it('knows an event from a field, and finds where it is subscribed to', () => {
    const changed = index.findMember('Events.Publisher', 'Changed');
    assert.strictEqual(changed.length, 1);
    assert.strictEqual(changed[0].kind, 'event');
    const sites = index.findSubscriptions('Changed');
    assert.deepStrictEqual(
      sites.map((s) => [s.file, s.line]),
      [[events, markedLine(events, 'subscribe')]],
    );
    assert.match(sites[0].text, /Bus\.Changed \+= subscriber\.OnChanged;/);
  });

  it('finds instance fields in file-scoped namespaces, and types', () => {
    const prev = index.findMember('Chain.Leak', 'm_prevLeak');
    assert.strictEqual(prev.length, 1);
    assert.strictEqual(prev[0].namespace, 'Chain');
    assert.deepStrictEqual(prev[0].typeNames, ['Leak']);
    assert.match(fs.readFileSync(chain, 'utf8').split('\n')[prev[0].line - 1], /public Leak m_prevLeak;/);
    assert.strictEqual(index.findType('Chain.Leak').length, 1);
    assert.strictEqual(index.findMember('Chain.Leak', 'no_such_field').length, 0);
  });

  it('nests namespaces and types, and is not fooled by comments and strings', () => {
    const file = '/virtual/Nested.cs';
    index.indexText(
      file,
      [
        'namespace Outer {',
        '  namespace Inner {',
        '    class Host {',
        '      // int ghost;  and "x.Changed += y" in a comment',
        '      string s = "Changed += nothing";',
        '      class Deep { public int value; }',
        '      event System.Action Fired;',
        '      void M() { Fired += () => {}; this.Fired += Handler; }',
        '      void Handler() {}',
        '    }',
        '  }',
        '}',
      ].join('\n'),
    );
    assert.deepStrictEqual(index.findMember('Outer.Inner.Host+Deep', 'value').map((d) => d.line), [6]);
    assert.strictEqual(index.findMember('Outer.Inner.Host', 'ghost').length, 0);
    assert.deepStrictEqual(index.findSubscriptions('Fired').map((s) => s.line), [8, 8]);
    assert.strictEqual(index.findSubscriptions('Changed').filter((s) => s.file === file).length, 0);
    index.removeFile(file);
    assert.strictEqual(index.findMember('Outer.Inner.Host+Deep', 'value').length, 0);
  });
});
