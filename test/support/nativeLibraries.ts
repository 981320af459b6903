// Native-library helpers for the DAC tests: the GNU build id of an ELF file (read here independently of the agent's
// reader, to build the symbol-store path a test expects), and a planted library that proves whether anything loaded
// it: its constructor writes a marker file the moment the dynamic loader maps it.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** The GNU build id (NT_GNU_BUILD_ID in a PT_NOTE segment) of a 64-bit little-endian ELF file, as lower-case hex. */
export function elfBuildId(file: string): string {
  const image = fs.readFileSync(file);
  if (image.readUInt32BE(0) !== 0x7f454c46 || image[4] !== 2 || image[5] !== 1) throw new Error(`${file} is not a 64-bit little-endian ELF file`);
  const phoff = Number(image.readBigUInt64LE(0x20));
  const phentsize = image.readUInt16LE(0x36);
  const phnum = image.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (image.readUInt32LE(ph) !== 4) continue;
    const start = Number(image.readBigUInt64LE(ph + 8));
    const end = start + Number(image.readBigUInt64LE(ph + 32));
    for (let at = start; at + 12 <= end; ) {
      const nameSize = image.readUInt32LE(at);
      const descSize = image.readUInt32LE(at + 4);
      const type = image.readUInt32LE(at + 8);
      const name = at + 12;
      const desc = name + ((nameSize + 3) & ~3);
      if (type === 3 && image.toString('latin1', name, name + nameSize) === 'GNU\0') return image.toString('hex', desc, desc + descSize);
      at = desc + ((descSize + 3) & ~3);
    }
  }
  throw new Error(`${file} has no GNU build id`);
}

/**
 * Compiles (gcc) a shared library whose constructor writes `marker`: if the file exists afterwards, something loaded
 * the library. Returns the library's path.
 */
export function buildPlantedLibrary(dir: string, marker: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const source = path.join(dir, 'planted.c');
  const library = path.join(dir, 'libplanted.so');
  fs.writeFileSync(
    source,
    [
      '#include <stdio.h>',
      '__attribute__((constructor)) static void planted(void) {',
      `  FILE *f = fopen(${JSON.stringify(marker)}, "w");`,
      '  if (f) { fputs("loaded\\n", f); fclose(f); }',
      '}',
      '',
    ].join('\n'),
  );
  execFileSync('gcc', ['-shared', '-fPIC', '-o', library, source], { timeout: 60_000 });
  return library;
}
