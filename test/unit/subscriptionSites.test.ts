// The code lenses' reader of event subscriptions (tree-sitter's C# grammar): the `+=` sites of the fixture programs'
// real sources at the lines they mark, with the event's declaring type and the handler's target resolved from the
// file, and the static verdict; then the cases a lens must get right: `+=` on numbers, lambdas, `-=` of a lambda,
// Dispose, partial types.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { CSharpIndex } from '../../src/sourceIndex/csharpIndex';
import { readSubscriptionSites, SubscriptionSite, WorkspaceKnowledge } from '../../src/features/codeLens/subscriptionSites';
import { fixtureSource, markedLine, repoRoot } from '../support/fixtures';

describe('event subscription sites (code lenses)', function () {
  let index: CSharpIndex;

  before(async function () {
    index = await CSharpIndex.create({
      runtimeWasm: require.resolve('web-tree-sitter/web-tree-sitter.wasm'),
      csharpWasm: path.join(path.dirname(require.resolve('tree-sitter-c-sharp/package.json')), 'tree-sitter-c_sharp.wasm'),
    });
  });

  function sites(text: string, knowledge?: WorkspaceKnowledge): SubscriptionSite[] {
    const found = index.parse(text, (root) => readSubscriptionSites(root, knowledge));
    assert.ok(found, 'parsed');
    return found;
  }

  it('finds the Events fixture’s subscription on its marked line, with the publisher and subscriber types', () => {
    const source = fixtureSource('Events');
    const [site, ...others] = sites(fs.readFileSync(source, 'utf8'));
    assert.strictEqual(others.length, 0, 'one += in the program');
    assert.strictEqual(site.range.startLine + 1, markedLine(source, 'subscribe'));
    assert.strictEqual(site.event, 'Changed');
    assert.strictEqual(site.receiver, 'Bus');
    assert.strictEqual(site.declaringType, 'Publisher', 'Bus is a static field of type Publisher');
    assert.deepStrictEqual(site.handler, { kind: 'methodGroup', text: 'subscriber.OnChanged', targetType: 'Subscriber', isStatic: false });
    assert.deepStrictEqual(site.enclosingTypes, ['Program']);
    assert.strictEqual(site.namespace, 'Events');
    assert.strictEqual(site.removal, 'never', 'Program has no -= and no Dispose');
  });

  it('finds the sample workspace’s cart subscription', () => {
    const source = path.join(repoRoot, 'test', 'fixtures', 'workspace', 'LeakyShop', 'Program.cs');
    const found = sites(fs.readFileSync(source, 'utf8'));
    assert.deepStrictEqual(
      found.map((s) => [s.event, s.declaringType, s.handler.targetType, s.removal]),
      [['Changed', 'PriceList', 'Cart', 'never']],
    );
  });

  it('tells subscriptions from `+=` on numbers and strings', () => {
    const found = sites(`
class Counter {
  int total; string text = "";
  event System.EventHandler Ticked;
  void Add(int n, Counter other) {
    total += n;
    text += "x";
    Ticked += OnTick;
    other.Ticked += (s, e) => total++;
    other.Ticked += delegate { };
    other.Ticked += new System.EventHandler(OnTick);
  }
  void OnTick(object s, System.EventArgs e) { }
}`);
    assert.deepStrictEqual(
      found.map((s) => [s.receiver, s.event, s.handler.kind, s.declaringType]),
      [
        ['', 'Ticked', 'methodGroup', 'Counter'],
        ['other', 'Ticked', 'lambda', 'Counter'],
        ['other', 'Ticked', 'anonymousMethod', 'Counter'],
        ['other', 'Ticked', 'delegateCreation', 'Counter'],
      ],
    );
  });

  it('knows events declared elsewhere through the workspace', () => {
    const text = 'class A { void M(Bus b, int n) { b.Changed += n; } }';
    assert.strictEqual(sites(text).length, 0, 'unknown event, not a delegate on the right');
    const knows: WorkspaceKnowledge = { isEvent: (n) => n === 'Changed', isMethod: () => false, isType: () => false };
    assert.deepStrictEqual(sites(text, knows).map((s) => [s.event, s.declaringType]), [['Changed', 'Bus']]);
  });

  it('says "never unsubscribed" only without a matching -= and without a Dispose path', () => {
    const verdicts = (body: string, header = 'class Shop') =>
      sites(`${header} { Bus bus; void Open() { bus.Changed += OnChanged; } ${body} void OnChanged(object s, System.EventArgs e) { } }`).map((s) => s.removal);
    assert.deepStrictEqual(verdicts(''), ['never']);
    assert.deepStrictEqual(verdicts('void Close2() { bus.Changed -= OnChanged; }'), ['removed']);
    assert.deepStrictEqual(verdicts('void Close2() { bus.Changed -= (s, e) => { }; }'), ['lambdaRemoval'], 'a new lambda removes nothing');
    assert.deepStrictEqual(verdicts('public void Dispose() { }'), ['disposePath']);
    assert.deepStrictEqual(verdicts('', 'class Shop : System.IDisposable'), ['disposePath']);
    assert.deepStrictEqual(verdicts('void UnsubscribeAll() { }'), ['disposePath']);
    assert.deepStrictEqual(verdicts('', 'partial class Shop'), ['unknown'], 'the other parts may remove it');
    assert.deepStrictEqual(verdicts('void Other() { bus.Closed -= OnChanged; }'), ['never'], 'a -= of another event does not count');
  });

  it('knows a static method as the handler keeps nothing alive', () => {
    const found = sites(`
static class Program {
  static void Main() {
    System.AppDomain.CurrentDomain.ProcessExit += OnExit;
    System.AppDomain.CurrentDomain.ProcessExit += Program.OnExit;
    System.AppDomain.CurrentDomain.ProcessExit += new System.EventHandler(OnExit);
    var s = new Shop();
    System.AppDomain.CurrentDomain.ProcessExit += s.OnExit;
  }
  static void OnExit(object s, System.EventArgs e) { }
}
class Shop { public void OnExit(object s, System.EventArgs e) { } }`);
    assert.deepStrictEqual(
      found.map((s) => [s.handler.text, s.handler.isStatic, s.removal]),
      [
        ['OnExit', true, 'never'],
        ['Program.OnExit', true, 'never'],
        ['new System.EventHandler(OnExit)', true, 'never'],
        ['s.OnExit', false, 'never'],
      ],
    );
  });

  it('resolves receivers through this, properties, locals and parameters', () => {
    const found = sites(`
namespace Shop.Web {
  class Page {
    Publisher pub; Publisher Prop { get; set; }
    void M(Publisher p) {
      var local = new Publisher();
      Publisher typed = null;
      this.pub.Changed += OnX;
      Prop.Changed += OnX;
      p.Changed += OnX;
      local.Changed += OnX;
      typed.Changed += OnX;
      Publisher.Static += OnX;
      Make().Changed += OnX;
    }
    void OnX(object s, System.EventArgs e) { }
  }
  class Publisher { public event System.EventHandler Changed; public static event System.EventHandler Static; }
}`);
    assert.deepStrictEqual(
      found.map((s) => [s.receiver, s.declaringType]),
      [
        ['this.pub', 'Publisher'],
        ['Prop', 'Publisher'],
        ['p', 'Publisher'],
        ['local', 'Publisher'],
        ['typed', 'Publisher'],
        ['Publisher', 'Publisher'],
        ['Make()', undefined],
      ],
    );
    assert.ok(found.every((s) => s.namespace === 'Shop.Web' && s.enclosingTypes.join('.') === 'Page'));
  });

  // No timing here (a shared machine makes any limit flaky): a quadratic parse would show in the bench instead.
  it('reads every subscription of a 20,000-line file', () => {
    const lines = ['class Big { event System.EventHandler E; void H(object s, System.EventArgs e) { }', '  void M() {'];
    for (let i = 0; i < 20_000; i++) lines.push('    E += H;');
    lines.push('  } }');
    const found = sites(lines.join('\n'));
    assert.strictEqual(found.length, 20_000);
  });
});
