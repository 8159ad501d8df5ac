import { CompilerExpertError } from '../errors';

/** Base of the sandbox's own errors. `Sandbox.run` never throws these for anything the code does. */
export class SandboxError extends CompilerExpertError {}

/** `requireJail` was set but the OS jail could not be fully applied on this machine. */
export class SandboxJailUnavailableError extends SandboxError {
  /** Names of the layers that are missing, e.g. `network-namespace`. */
  readonly missing: readonly string[];
  constructor(missing: string[], message: string) {
    super('SANDBOX_JAIL_UNAVAILABLE', message);
    this.missing = missing;
  }
}

/** The sandbox host process could not be started (or restarted). */
export class SandboxStartError extends SandboxError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SANDBOX_START_FAILED', message, options);
  }
}

/** A run could not be completed by the sandbox itself (its host crashed); says nothing about the code. */
export class SandboxRunError extends SandboxError {
  constructor(message: string) {
    super('SANDBOX_RUN_FAILED', message);
  }
}

/** The Sandbox was used after `dispose()`. */
export class SandboxDisposedError extends SandboxError {
  constructor() {
    super('SANDBOX_DISPOSED', 'the Sandbox has been disposed');
  }
}
