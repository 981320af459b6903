// The standalone heaplens debug adapter (bundled to dist/debugAdapter.js): DAP on stdin/stdout, or with
// --server=PORT one session per TCP connection (to debug the adapter itself). VS Code normally runs the same
// session inline in the extension host instead (src/debug/).
import * as net from 'net';
import { HeapLensDebugSession } from './heaplensSession';

function serverPort(argv: string[]): number | undefined {
  for (const arg of argv) {
    const match = /^--server=(\d{1,5})$/.exec(arg);
    if (match) return Number(match[1]);
  }
  return undefined;
}

// Exit through process.exit so the freezer's exit hook thaws any process we stopped.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => process.exit(128));

const port = serverPort(process.argv.slice(2));
if (port !== undefined) {
  const server = net.createServer((socket) => {
    const session = new HeapLensDebugSession();
    session.setRunAsServer(true);
    socket.on('close', () => session.dispose());
    session.start(socket, socket);
  });
  server.on('error', (err) => {
    console.error(`heaplens debug adapter: cannot listen on port ${port}: ${err.message}. Choose another --server=PORT.`);
    process.exit(1);
  });
  server.listen(port, '127.0.0.1', () => console.error(`heaplens debug adapter: waiting for DAP on 127.0.0.1:${port}`));
} else {
  const session = new HeapLensDebugSession();
  session.start(process.stdin, process.stdout);
}
