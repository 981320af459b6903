// A throwaway workspace for host tests and UI scripts: a copy of one fixture app's sources (no bin/obj), so a run
// may build, write dumps or edit files without touching the repository. remove() deletes the copy.
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');

/** Copies test/fixtures/apps/<app> into a fresh temp folder (owner-only: dumps written there hold secrets). */
function makeWorkspace(app) {
  const source = path.join(root, 'test', 'fixtures', 'apps', app);
  if (!fs.existsSync(source)) throw new Error(`no fixture app ${app} in ${path.dirname(source)}`);
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-ws-'));
  const folder = path.join(base, app);
  fs.cpSync(source, folder, { recursive: true, filter: (src) => !/[\\/](bin|obj)$/.test(src) });
  return { folder, remove: () => fs.rmSync(base, { recursive: true, force: true }) };
}

module.exports = { makeWorkspace };
