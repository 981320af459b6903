// The sample workspace of `npm start`, `npm run demo` and the browser test: a throwaway copy of
// test/fixtures/workspace/LeakyShop (a program that leaks while it runs, with a `heaplens` launch configuration),
// so a run may build it and write dumps without touching the repository. remove() deletes the copy.
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const SAMPLE = path.join(root, 'test', 'fixtures', 'workspace', 'LeakyShop');

function makeSampleWorkspace() {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'heaplens-sample-'));
  fs.chmodSync(base, 0o700);
  const folder = path.join(base, 'LeakyShop');
  fs.cpSync(SAMPLE, folder, { recursive: true, filter: (src) => !/[\\/](bin|obj)$/.test(src) });
  return { folder, remove: () => fs.rmSync(base, { recursive: true, force: true }) };
}

module.exports = { makeSampleWorkspace, SAMPLE };
