/**
 * Builds the command line that starts the sandbox host inside an OS jail, and reports which
 * layers that gives (see {@link JailReport}). Linux: bubblewrap (user, network, PID, IPC, UTS
 * namespaces; a read-only view of /usr and the package; empty /tmp), else `unshare` (network
 * only), then `prlimit`. macOS: `sandbox-exec` with a deny-network, deny-write profile and
 * `ulimit` (untested here: written for parity, checked only on Linux CI).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { JailLauncher, JailReport } from './JailReport';

/** Options of {@link planJail}. */
export interface JailPlanOptions {
  /** 'auto' picks the strongest launcher that works here; 'none' runs the host unjailed. */
  mode: 'auto' | 'none';
  /** Node flags and arguments of the host (after the node binary). */
  nodeArgs: string[];
  /** Paths the host must read (dist, pyodide, typescript). */
  readPaths: string[];
  addressSpaceMb: number;
  cpuSeconds: number;
  fileSizeMb: number;
}

/** The command to spawn and what it protects. */
export interface JailPlan {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  report: JailReport;
}

const probes = new Map<string, boolean>();
function works(command: string, args: string[]): boolean {
  const key = [command, ...args].join('\0');
  let ok = probes.get(key);
  if (ok === undefined) {
    const r = spawnSync(command, args, { stdio: 'ignore', timeout: 5000 });
    ok = r.status === 0;
    probes.set(key, ok);
  }
  return ok;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Bind mounts for the system directories node needs, symlinks kept as symlinks (merged /usr). */
function systemMounts(): string[] {
  const out: string[] = ['--ro-bind', '/usr', '/usr'];
  for (const dir of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(dir);
    } catch (e) {
      continue; // not on this distribution
    }
    if (st.isSymbolicLink()) out.push('--symlink', fs.readlinkSync(dir), dir);
    else out.push('--ro-bind', dir, dir);
  }
  for (const f of ['/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/localtime']) out.push('--ro-bind-try', f, f);
  return out;
}

function limits(o: JailPlanOptions): { args: string[]; names: string[] } {
  const as = o.addressSpaceMb * 1024 * 1024;
  const fsize = o.fileSizeMb * 1024 * 1024;
  return {
    args: [`--as=${as}`, `--cpu=${o.cpuSeconds}`, `--fsize=${fsize}`, '--core=0'],
    names: [`as=${o.addressSpaceMb}MiB`, `cpu=${o.cpuSeconds}s`, `fsize=${o.fileSizeMb}MiB`, 'core=0'],
  };
}

/** macOS profile: everything a Node process needs except the network and file writes. */
export const MACOS_PROFILE = `(version 1)
(allow default)
(deny network*)
(deny file-write*)
(allow file-write-data (literal "/dev/null"))
`;

/** Plans how to start the host; probes the launchers once per process. */
export function planJail(o: JailPlanOptions): JailPlan {
  const node = process.execPath;
  const notes: string[] = [];
  const base: Omit<JailReport, 'complete' | 'missing'> = {
    platform: process.platform,
    launcher: 'none',
    networkIsolated: false,
    readOnlyFilesystem: false,
    pidNamespace: false,
    cleanEnv: true,
    rlimits: [],
    nodePermissions: o.nodeArgs.includes('--experimental-permission'),
    codeGenerationBlocked: o.nodeArgs.includes('--disallow-code-generation-from-strings'),
    notes,
  };
  const cleanEnv: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin', HOME: os.tmpdir(), LANG: 'C.UTF-8' };
  let plan: { command: string; args: string[]; launcher: JailLauncher };
  const lim = limits(o);
  if (o.mode === 'none') {
    notes.push('jail disabled by option');
    plan = { command: node, args: o.nodeArgs, launcher: 'none' };
  } else if (process.platform === 'linux') {
    const prlimit = works('prlimit', ['--as=4294967296', 'true']);
    const inner = prlimit ? ['prlimit', ...lim.args, '--', node, ...o.nodeArgs] : [node, ...o.nodeArgs];
    if (prlimit) base.rlimits = lim.names;
    else notes.push('prlimit (util-linux) not found: no rlimits');
    if (works('bwrap', ['--unshare-all', '--die-with-parent', '--ro-bind', '/', '/', 'true'])) {
      const binds: string[] = [];
      const nodeDir = path.dirname(path.dirname(node));
      if (!nodeDir.startsWith('/usr/')) binds.push('--ro-bind', nodeDir, nodeDir);
      for (const p of o.readPaths) binds.push('--ro-bind', p, p);
      plan = {
        command: 'bwrap',
        launcher: 'bwrap',
        args: [
          '--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--clearenv',
          '--setenv', 'PATH', '/usr/bin:/bin', '--setenv', 'HOME', '/tmp', '--setenv', 'LANG', 'C.UTF-8',
          // The empty /tmp goes first: bwrap mounts in order, and the package may itself
          // live under /tmp (a CI clone), so its read-only binds must land on top.
          '--tmpfs', '/tmp', ...systemMounts(), ...binds,
          '--proc', '/proc', '--dev', '/dev', '--chdir', '/tmp',
          '--', ...inner,
        ],
      };
      Object.assign(base, { launcher: 'bwrap', networkIsolated: true, readOnlyFilesystem: true, pidNamespace: true });
    } else {
      notes.push('bubblewrap (bwrap) not usable: no read-only filesystem view, no PID namespace (apt-get install bubblewrap)');
      const unshareArgs = isRoot() ? ['--net'] : ['--net', '--map-root-user'];
      if (works('unshare', [...unshareArgs, 'true'])) {
        plan = { command: 'unshare', args: [...unshareArgs, '--', ...inner], launcher: 'unshare' };
        Object.assign(base, { launcher: 'unshare', networkIsolated: true });
      } else {
        notes.push('unshare --net failed: user namespaces are disabled here; the host has the network');
        plan = { command: inner[0], args: inner.slice(1), launcher: 'none' };
      }
    }
  } else if (process.platform === 'darwin') {
    const ulimit = `ulimit -v ${o.addressSpaceMb * 1024} -t ${o.cpuSeconds} -f ${o.fileSizeMb * 2048} -c 0; exec "$0" "$@"`;
    if (works('/usr/bin/sandbox-exec', ['-p', '(version 1)(allow default)', '/usr/bin/true'])) {
      plan = { command: '/usr/bin/sandbox-exec', args: ['-p', MACOS_PROFILE, '/bin/sh', '-c', ulimit, node, ...o.nodeArgs], launcher: 'sandbox-exec' };
      Object.assign(base, { launcher: 'sandbox-exec', networkIsolated: true, readOnlyFilesystem: true });
      notes.push('macOS: sandbox-exec profile denies network and file writes; the filesystem stays readable; RLIMIT_AS is advisory on macOS');
    } else {
      notes.push('sandbox-exec unavailable: no network or filesystem isolation');
      plan = { command: '/bin/sh', args: ['-c', ulimit, node, ...o.nodeArgs], launcher: 'none' };
    }
    base.rlimits = lim.names;
  } else {
    notes.push(`no jail implemented for ${process.platform}`);
    plan = { command: node, args: o.nodeArgs, launcher: 'none' };
  }
  const missing: string[] = [];
  if (!base.networkIsolated) missing.push('network-isolation');
  if (!base.readOnlyFilesystem) missing.push('read-only-filesystem');
  if (!base.rlimits.some((r) => r.startsWith('as='))) missing.push('address-space-limit');
  return { command: plan.command, args: plan.args, env: cleanEnv, report: { ...base, complete: missing.length === 0, missing } };
}
