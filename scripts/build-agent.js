// Builds the C# analysis agent into dist/agent (framework-dependent; runs on any installed .NET 8+ runtime through
// RollForward=Major), stamped with package.json's version: the extension and the CLI refuse an agent of another
// version. On linux-x64 its code and ClrMD's are compiled ahead of time (ReadyToRun, crossgen from the SDK's own
// Crossgen2 pack), so a fresh agent (every CLI command starts one) does not JIT them first; the IL stays in the
// assemblies, so a runtime that cannot use the precompiled code still runs them.
const { execFileSync } = require('child_process');
const path = require('path');

const root = path.resolve(__dirname, '..');
const project = path.join(root, 'agent', 'HeapLens.Agent', 'HeapLens.Agent.csproj');
const out = path.join(root, 'dist', 'agent');
const { version } = require(path.join(root, 'package.json'));

const readyToRun = process.platform === 'linux' && process.arch === 'x64' && !process.env.HEAPLENS_AGENT_NO_R2R;
const aot = readyToRun ? ['-r', 'linux-x64', '--self-contained', 'false', '-p:PublishReadyToRun=true'] : [];

execFileSync('dotnet', ['publish', project, '-c', 'Release', '-o', out, '--nologo', '-v', 'q', '-p:UseAppHost=false', `-p:Version=${version}`, ...aot], {
  stdio: 'inherit',
  env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
});
