/**
 * The OS jail around the sandbox host, checked from outside: what a program started through
 * each launcher's plan can see and do, the fallback jail when bubblewrap is unavailable, and a
 * hostile NODE_OPTIONS injected into spawn (what tap's process tracking and other loaders do).
 */
import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { Sandbox } from '../../lib/sandbox';
import { planJail, type JailPlanOptions } from '../../lib/sandbox/jail';
import { describe, listenCounter } from './helpers';

// bubblewrap made unavailable for this whole file (probes are cached per process): a PATH entry
// whose `bwrap` always fails, the way a fresh machine without it looks.
const fakeBin = fs.mkdtempSync(path.join(os.tmpdir(), 'ce-nobwrap-'));
fs.writeFileSync(path.join(fakeBin, 'bwrap'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
process.env.PATH = `${fakeBin}${path.delimiter}${process.env.PATH ?? ''}`;
t.teardown(() => fs.rmSync(fakeBin, { recursive: true, force: true }));

const userNamespacesWork =
  process.platform === 'linux' && childProcess.spawnSync('unshare', ['--user', '--map-root-user', '--mount', '--pid', '--fork', 'true']).status === 0;

/** A node program run through a jail plan; prints what it could see and do as JSON. */
const PROBE = `
const fs = require('fs'), net = require('net');
const out = { env: Object.keys(process.env).sort() };
const tryIt = (f) => { try { f(); return 'allowed'; } catch (e) { return e.code || e.message; } };
out.writeUsr = tryIt(() => fs.writeFileSync('/usr/ce-jail-probe', 'x'));
out.writeRoot = tryIt(() => fs.writeFileSync('/ce-jail-probe', 'x'));
out.writeTmp = tryIt(() => fs.writeFileSync('/tmp/ce-jail-probe', 'x'));
out.tmpEntries = fs.readdirSync('/tmp');
out.passwd = fs.existsSync('/etc/passwd');
out.home = fs.existsSync(process.argv[1]);
out.pids = fs.readdirSync('/proc').filter((d) => /^[0-9]+$/.test(d)).length;
const s = net.connect(Number(process.argv[2]), '127.0.0.1');
s.on('connect', () => { out.net = 'connected'; done(); });
s.on('error', (e) => { out.net = e.code; done(); });
function done() { console.log(JSON.stringify(out)); process.exit(0); }
`;

function plan(mode: JailPlanOptions['mode'], port: number) {
  return planJail({ mode, nodeArgs: ['-e', PROBE, os.homedir(), String(port)], readPaths: [], addressSpaceMb: 8192, cpuSeconds: 60, fileSizeMb: 1 });
}

t.test('without bubblewrap, util-linux builds the complete jail', async (t) => {
  const listener = await listenCounter();
  t.teardown(listener.close);
  const p = plan('auto', listener.port);
  if (!userNamespacesWork) {
    t.equal(p.report.complete, false, 'no user namespaces here: the jail says it is incomplete');
    t.match(p.report.notes.join(' '), /namespaces|unshare/, 'and says why');
    return;
  }
  t.equal(p.report.launcher, 'unshare', JSON.stringify(p.report));
  t.ok(p.report.complete, JSON.stringify(p.report));
  t.ok(p.report.pidNamespace && p.report.readOnlyFilesystem && p.report.networkIsolated);
  const r = childProcess.spawnSync(p.command, p.args, { env: p.env, encoding: 'utf8', timeout: 20000 });
  t.equal(r.status, 0, r.stderr);
  const seen = JSON.parse(r.stdout.trim().split('\n').pop()!);
  t.same(seen.env, ['HOME', 'LANG', 'PATH'], 'clean environment');
  t.equal(seen.writeUsr, 'EROFS', '/usr is read-only');
  t.equal(seen.writeRoot, 'EROFS', '/ is read-only');
  t.equal(seen.writeTmp, 'allowed', '/tmp is writable');
  t.same(seen.tmpEntries.filter((e: string) => e !== 'ce-jail-probe'), [], '/tmp starts empty');
  t.equal(seen.passwd, false, '/etc holds none of the machine');
  t.equal(seen.home, false, 'the home directory is not in the view');
  t.ok(seen.pids <= 3, `only its own processes are visible (${seen.pids})`);
  t.not(seen.net, 'connected', 'no network');
  t.equal(listener.count(), 0, 'nothing reached the listener');
});

t.test('an unjailed plan still starts node with a clean environment', async (t) => {
  const p = plan('none', 1);
  t.equal(p.report.launcher, 'none');
  t.equal(p.report.complete, false);
  const r = childProcess.spawnSync(p.command, p.args, { env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=100', SECRET: 'x' }, encoding: 'utf8', timeout: 20000 });
  t.equal(r.status, 0, r.stderr);
  t.same(JSON.parse(r.stdout.trim().split('\n').pop()!).env, ['HOME', 'LANG', 'PATH']);
});

t.test('a hostile NODE_OPTIONS added to spawn does not reach the host', async (t) => {
  // A --require of a file outside the host's read view: the permission model would refuse
  // it and the host would die before it is ready, as tap's --import did.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ce-hostile-'));
  const hostile = path.join(dir, 'hostile.js');
  fs.writeFileSync(hostile, "process.stderr.write('HOSTILE LOADER RAN\\n'); process.exit(3);\n");
  // The module object itself (the ES namespace is frozen): what HostProcess calls spawn on.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cp = require('node:child_process') as { spawn: typeof childProcess.spawn };
  const original = cp.spawn;
  cp.spawn = ((command: string, args: readonly string[], options: childProcess.SpawnOptions) =>
    original(command, args, { ...options, env: { ...options.env, NODE_OPTIONS: `--require ${hostile}` } })) as typeof childProcess.spawn;
  t.teardown(() => {
    cp.spawn = original;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  for (const jail of ['auto', 'none'] as const) {
    const sandbox = await Sandbox.create({ jail, limits: { timeoutMs: 3000 } });
    try {
      const r = await sandbox.run({ language: 'javascript', code: 'console.log(6 * 7)' });
      t.equal(r.status, 'ok', `${jail}: ${describe(r)}`);
      t.equal(r.stdout, '42\n');
      const py = await sandbox.run({ language: 'python', code: 'print(6 * 7)' });
      t.equal(py.stdout, '42\n', `${jail}: ${describe(py)}`);
    } finally {
      await sandbox.dispose();
    }
  }
});
