/** Which launcher put the sandbox host in its jail. */
export type JailLauncher = 'bwrap' | 'unshare' | 'sandbox-exec' | 'none';

/**
 * What actually protects the sandbox host on this machine. Layers that are false are not in
 * force; `complete` is true only when the OS boundary (no network, read-only filesystem view,
 * address-space cap) holds, which is what `requireJail` asks for.
 */
export interface JailReport {
  platform: NodeJS.Platform;
  launcher: JailLauncher;
  /** The host has no network: an empty network namespace (Linux) or a deny-network profile (macOS). */
  networkIsolated: boolean;
  /** The host sees a read-only filesystem view holding only what it needs. */
  readOnlyFilesystem: boolean;
  /** The host sees only its own processes (PID namespace). */
  pidNamespace: boolean;
  /** The host starts with an empty environment. */
  cleanEnv: boolean;
  /** rlimits applied to the host, e.g. `as=8192MiB`. */
  rlimits: string[];
  /** Node's permission model (fs read-only to the package, no child processes) is on. */
  nodePermissions: boolean;
  /** `eval`/`new Function` are disabled in the host realms (vm contexts opt back in). */
  codeGenerationBlocked: boolean;
  complete: boolean;
  /** Names of the layers that are missing; empty when complete. */
  missing: string[];
  /** Human-readable remarks, e.g. why a layer is missing. */
  notes: string[];
}
