import * as net from 'node:net';
import { Sandbox, type RunResult } from '../../lib/sandbox';

/** One Sandbox per test file; jailed when this machine allows it. */
export async function createSandbox(): Promise<Sandbox> {
  return Sandbox.create({ limits: { timeoutMs: 3000 } });
}

/** A TCP listener in the test process that counts the connections it receives. */
export async function listenCounter(): Promise<{ port: number; count: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server = net.createServer((s) => {
    n++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return { port, count: () => n, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Compact description of a result for assertion messages. */
export function describe(r: RunResult): string {
  return JSON.stringify({ status: r.status, error: r.error, stdout: r.stdout.slice(0, 300), stderr: r.stderr.slice(0, 300), tests: r.tests });
}
