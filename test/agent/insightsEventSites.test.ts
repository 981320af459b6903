// event-handlers locations on the EventSites fixture: one event subscribed to from a constructor, from a method of
// another class in another file, and through an interface. The `+=` lines come from the program's IL and PDB; the
// expected lines are the ones the fixture marks, the counts its constants (plus one of each after the "grow").
import * as assert from 'assert';
import * as path from 'path';
import { fixtureSource, markedLine, readConstant } from '../support/fixtures';
import { assertWellFormed, findInsight, insightRun } from './insightsSupport';

const program = fixtureSource('EventSites');
const wiring = fixtureSource('EventSites', 'Wiring.cs');
const Views = readConstant(program, 'Views') + 1;
const Panels = readConstant(program, 'Panels') + 1;
const Widgets = readConstant(program, 'Widgets') + 1;

/** "Program.cs:33" for a location whose file is one of the fixture's. */
const where = (l: { file: string; line: number }) => `${path.basename(l.file)}:${l.line}`;

describe('insights: event-handlers subscription sites (EventSites fixture)', function () {
  const run = insightRun('EventSites');

  it('names the three += lines first, each with the handlers it added', function () {
    assertWellFormed(run.alone);
    const changed = findInsight(run.alone, 'event-handlers', 'declaringType', 'EventSites.Notifier');
    assert.strictEqual(changed.figures.delegates, Views + Panels + Widgets);
    const sites = changed.locations.filter((l) => l.role === 'subscription');
    assert.deepStrictEqual(
      sites.map((l) => [where(l), l.handlers, l.method]),
      [
        [`Program.cs:${markedLine(program, 'site-ctor')}`, Views, 'EventSites.View..ctor'],
        [`Wiring.cs:${markedLine(wiring, 'site-method')}`, Panels, 'EventSites.Wiring.AttachPanel'],
        [`Program.cs:${markedLine(program, 'site-interface')}`, Widgets, 'EventSites.Program.AttachWidgets'],
      ],
    );
    for (const site of sites) assert.ok(path.isAbsolute(site.file) && site.file.includes(path.join('apps', 'EventSites')), site.file);
    assert.deepStrictEqual(changed.locations.slice(0, 3), sites, 'the += lines come before the handlers');
  });

  it('then the handler methods’ first lines', function () {
    const changed = findInsight(run.alone, 'event-handlers', 'declaringType', 'EventSites.Notifier');
    const handlers = changed.locations.filter((l) => l.role === 'handler').map(where).sort();
    const expected = [`Program.cs:${markedLine(program, 'handler-view')}`, `Program.cs:${markedLine(program, 'handler-widget')}`, `Wiring.cs:${markedLine(wiring, 'handler-panel')}`];
    assert.ok(handlers.length > 0, 'at least one handler line');
    for (const h of handlers) assert.ok(expected.includes(h), `${h} is one of ${expected.join(', ')}`);
  });

  it('says where it is subscribed to in the detail', function () {
    const changed = findInsight(run.alone, 'event-handlers', 'declaringType', 'EventSites.Notifier');
    assert.match(changed.detail, new RegExp(`subscribed to at 3 places: EventSites\\.View\\.\\.ctor \\(Program\\.cs:${markedLine(program, 'site-ctor')}, ${Views} handlers\\)`));
  });
});
