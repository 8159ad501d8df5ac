/**
 * Builds the command line that starts the sandbox host inside an OS jail, and reports which
 * layers that gives (see {@link JailReport}). Linux: bubblewrap (user, network, PID, IPC, UTS
 * namespaces; a read-only view of /usr and the package; empty /tmp), else the same jail built
 * with util-linux alone (`unshare` + bind mounts + `pivot_root` + `setpriv`), then `prlimit`.
 * macOS: `sandbox-exec` with a deny-network, deny-write profile and `ulimit` (untested here:
 * written for parity, checked only on Linux CI). Every launcher starts node under `env -i`.
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

/**
 * A launcher's absolute path, looked up on the caller's PATH: the host is spawned with a clean
 * environment whose PATH (/usr/bin:/bin) may not hold it, and the probe must test the very
 * binary that is spawned.
 */
function resolveCommand(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not in this directory: try the next one
    }
  }
  return undefined;
}

const probes = new Map<string, boolean>();
function works(command: string | undefined, args: string[]): command is string {
  if (!command) return false;
  const key = [command, ...args].join('\0');
  let ok = probes.get(key);
  if (ok === undefined) {
    const r = spawnSync(command, args, { stdio: 'ignore', timeout: 5000 });
    ok = r.status === 0;
    probes.set(key, ok);
  }
  return ok;
}


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

/** The environment the host starts with, whatever the launcher. */
const CLEAN_ENV: Record<string, string> = { PATH: '/usr/bin:/bin', HOME: '/tmp', LANG: 'C.UTF-8' };

/**
 * `env -i` in front of node on every launcher. Passing a clean `env` to spawn is not enough:
 * test runners and loaders patch child_process to add NODE_OPTIONS (tap adds an `--import` of
 * its own, which the permission model then refuses), so the environment is emptied again
 * after spawn, in the command itself.
 */
function cleanEnvCommand(): string[] {
  return ['/usr/bin/env', '-i', ...Object.entries(CLEAN_ENV).map(([k, v]) => `${k}=${v}`)];
}

/**
 * Builds the jail's root inside fresh user, mount, PID, network, IPC and UTS namespaces
 * with util-linux alone (what bubblewrap does, for machines without it). Arguments: the
 * mount point (an empty directory), then `t` (empty tmpfs /tmp), `b PATH` (read-only bind),
 * `f FILE` (read-only bind of a file, skipped when absent), `l TARGET PATH` (symlink), then
 * `--` and the command. /tmp comes first, because the package may itself live under /tmp.
 * The old root is unmounted after pivot_root, and every capability is dropped before exec.
 */
export const UNSHARE_JAIL_SCRIPT = `set -eu
PATH=/usr/sbin:/usr/bin:/sbin:/bin
r=$1; shift
mount -t tmpfs -o size=4m,mode=0755 ce-jail "$r"
ro() { mount --rbind "$1" "$2"; mount -o remount,bind,ro "$2"; }
while [ "$1" != -- ]; do
  case $1 in
    t) mkdir -p "$r/tmp"; mount -t tmpfs -o size=64m,mode=1777 ce-tmp "$r/tmp"; shift;;
    b) mkdir -p "$r$2"; ro "$2" "$r$2"; shift 2;;
    f) if [ -e "$2" ]; then mkdir -p "$r\${2%/*}"; : > "$r$2"; ro "$2" "$r$2"; fi; shift 2;;
    l) mkdir -p "$r\${3%/*}"; ln -s "$2" "$r$3"; shift 3;;
    *) echo "jail: bad argument $1" >&2; exit 2;;
  esac
done
shift
mkdir -p "$r/proc" "$r/dev" "$r/.old"
mount -t proc -o nosuid,nodev,noexec proc "$r/proc"
for d in null zero random urandom; do : > "$r/dev/$d"; mount --bind "/dev/$d" "$r/dev/$d"; done
mount -o remount,bind,ro "$r"
cd "$r"
pivot_root . .old
umount -l /.old
cd /tmp
exec setpriv --bounding-set=-all --inh-caps=-all --no-new-privs -- "$@"
`;

const UNSHARE_NAMESPACES = ['--user', '--map-root-user', '--mount', '--pid', '--fork', '--net', '--ipc', '--uts', '--kill-child'];

/** An empty directory the unshare jail mounts its root on (in its own mount namespace only). */
function jailMountPoint(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'u';
  const dir = path.join(os.tmpdir(), `compiler-expert-jail-${uid}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Filesystem entries of the jail's view, as arguments of {@link UNSHARE_JAIL_SCRIPT}. */
function unshareView(readPaths: string[]): string[] {
  const out: string[] = ['t', 'b', '/usr'];
  for (const dir of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(dir);
    } catch {
      continue; // not on this distribution
    }
    if (st.isSymbolicLink()) out.push('l', fs.readlinkSync(dir), dir);
    else out.push('b', dir);
  }
  for (const f of ['/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/localtime']) out.push('f', f);
  const nodeDir = path.dirname(path.dirname(process.execPath));
  if (!nodeDir.startsWith('/usr/')) out.push('b', nodeDir);
  for (const p of readPaths) out.push('b', p);
  return out;
}

/** Why user namespaces cannot be made here, from the kernel's own switches. */
function userNamespaceDiagnosis(stderr: string): string {
  const read = (f: string) => {
    try {
      return fs.readFileSync(f, 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  if (read('/proc/sys/kernel/apparmor_restrict_unprivileged_userns') === '1') {
    return 'AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1, Ubuntu 24.04+): ' +
      'install bubblewrap (apt-get install bubblewrap; its AppArmor profile allows it) or set that sysctl to 0';
  }
  if (read('/proc/sys/kernel/unprivileged_userns_clone') === '0') {
    return 'unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone=0): set it to 1, or install bubblewrap setuid';
  }
  if (read('/proc/sys/user/max_user_namespaces') === '0') {
    return 'user namespaces are disabled (user.max_user_namespaces=0): raise that sysctl';
  }
  return `unshare could not create user, mount and PID namespaces${stderr ? ` (${stderr.trim().split('\n').pop()})` : ''}; install bubblewrap or enable user namespaces`;
}

let unshareProbe: { ok: boolean; stderr: string; command?: string } | undefined;
/** Whether the whole unshare jail starts here (probed once per process with `true`). */
function unshareJailWorks(): { ok: boolean; stderr: string; command?: string } {
  if (!unshareProbe) {
    const unshare = resolveCommand('unshare');
    if (!unshare) return (unshareProbe = { ok: false, stderr: 'unshare (util-linux) not found' });
    const r = spawnSync(unshare, [...UNSHARE_NAMESPACES, '--', '/bin/sh', '-c', UNSHARE_JAIL_SCRIPT, 'jail', jailMountPoint(), ...unshareView([]), '--', '/usr/bin/true'], {
      encoding: 'utf8',
      timeout: 5000,
      env: CLEAN_ENV, // the host's own environment: the script must find its tools with it
    });
    unshareProbe = { ok: r.status === 0, stderr: r.error ? r.error.message : (r.stderr ?? ''), command: unshare };
  }
  return unshareProbe;
}

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
  let plan: { command: string; args: string[]; launcher: JailLauncher };
  const lim = limits(o);
  const clean = cleanEnvCommand();
  if (o.mode === 'none') {
    notes.push('jail disabled by option');
    plan = { command: clean[0], args: [...clean.slice(1), node, ...o.nodeArgs], launcher: 'none' };
  } else if (process.platform === 'linux') {
    const prlimit = works(resolveCommand('prlimit'), ['--as=4294967296', 'true']);
    const inner = [...clean, ...(prlimit ? ['prlimit', ...lim.args, '--'] : []), node, ...o.nodeArgs];
    if (prlimit) base.rlimits = lim.names;
    else notes.push('prlimit (util-linux) not found: no rlimits');
    const bwrap = resolveCommand('bwrap');
    if (works(bwrap, ['--unshare-all', '--die-with-parent', '--ro-bind', '/', '/', 'true'])) {
      const binds: string[] = [];
      const nodeDir = path.dirname(path.dirname(node));
      if (!nodeDir.startsWith('/usr/')) binds.push('--ro-bind', nodeDir, nodeDir);
      for (const p of o.readPaths) binds.push('--ro-bind', p, p);
      plan = {
        command: bwrap,
        launcher: 'bwrap',
        args: [
          '--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--clearenv',
          // The empty /tmp goes first: bwrap mounts in order, and the package may itself
          // live under /tmp (a CI clone), so its read-only binds must land on top.
          '--tmpfs', '/tmp', ...systemMounts(), ...binds,
          '--proc', '/proc', '--dev', '/dev', '--chdir', '/tmp',
          '--', ...inner,
        ],
      };
      Object.assign(base, { launcher: 'bwrap', networkIsolated: true, readOnlyFilesystem: true, pidNamespace: true });
    } else {
      const probe = unshareJailWorks();
      if (probe.ok && probe.command) {
        notes.push('bubblewrap not usable; jailed with util-linux unshare (user, mount, PID, network, IPC, UTS namespaces; read-only view; capabilities dropped)');
        plan = {
          command: probe.command,
          launcher: 'unshare',
          args: [...UNSHARE_NAMESPACES, '--', '/bin/sh', '-c', UNSHARE_JAIL_SCRIPT, 'jail', jailMountPoint(), ...unshareView(o.readPaths), '--', ...inner],
        };
        Object.assign(base, { launcher: 'unshare', networkIsolated: true, readOnlyFilesystem: true, pidNamespace: true });
      } else {
        notes.push(`no jail: bubblewrap is not usable and ${userNamespaceDiagnosis(probe.stderr)}`);
        plan = { command: inner[0], args: inner.slice(1), launcher: 'none' };
      }
    }
  } else if (process.platform === 'darwin') {
    const ulimit = `ulimit -v ${o.addressSpaceMb * 1024} -t ${o.cpuSeconds} -f ${o.fileSizeMb * 2048} -c 0; exec "$0" "$@"`;
    const inner = ['/bin/sh', '-c', ulimit, ...clean, node, ...o.nodeArgs];
    if (works('/usr/bin/sandbox-exec', ['-p', '(version 1)(allow default)', '/usr/bin/true'])) {
      plan = { command: '/usr/bin/sandbox-exec', args: ['-p', MACOS_PROFILE, ...inner], launcher: 'sandbox-exec' };
      Object.assign(base, { launcher: 'sandbox-exec', networkIsolated: true, readOnlyFilesystem: true });
      notes.push('macOS: the sandbox-exec profile allows reads and denies writes and the network (reads allowed, writes and network denied)');
    } else {
      notes.push('sandbox-exec unavailable: no network or filesystem isolation');
      plan = { command: inner[0], args: inner.slice(1), launcher: 'none' };
    }
    // Applied by the shell's ulimit before exec; RLIMIT_AS is advisory on macOS.
    base.rlimits = lim.names;
  } else {
    notes.push(`no jail implemented for ${process.platform}`);
    plan = { command: node, args: o.nodeArgs, launcher: 'none' };
  }
  const missing: string[] = [];
  if (!base.networkIsolated) missing.push('network-isolation');
  if (!base.readOnlyFilesystem) missing.push('read-only-filesystem');
  if (!base.rlimits.some((r) => r.startsWith('as='))) missing.push('address-space-limit');
  return { command: plan.command, args: plan.args, env: { ...CLEAN_ENV }, report: { ...base, complete: missing.length === 0, missing } };
}
