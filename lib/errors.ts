/**
 * Typed errors for the runtime. Native code throws `[where] what` with a `code`;
 * {@link fromNative} maps that code to one of these classes, so callers can use
 * `instanceof` (or `err.code`) instead of parsing messages.
 */

/** Base class: every error the package throws on purpose is a CompilerExpertError. */
export class CompilerExpertError extends Error {
  /** Stable machine-readable code, e.g. `MODEL_NOT_FOUND`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The model path does not exist or is not readable. */
export class ModelNotFoundError extends CompilerExpertError {
  constructor(readonly path: string, detail?: string) {
    super('MODEL_NOT_FOUND', `model not found: ${path}${detail ? ` (${detail})` : ''}`);
  }
}

/** The file is not a valid model file (bad magic, truncated, inconsistent sizes...). */
export class ModelFormatError extends CompilerExpertError {
  constructor(readonly path: string, detail: string) {
    super('MODEL_FORMAT', `invalid model file ${path}: ${detail}`);
  }
}

/** The model is valid but uses an architecture, tensor type or tokenizer we do not run. */
export class UnsupportedModelError extends CompilerExpertError {
  constructor(readonly path: string, detail: string) {
    super('UNSUPPORTED_MODEL', `unsupported model ${path}: ${detail}`);
  }
}

/** Reading model data failed (I/O, memory). */
export class ModelIoError extends CompilerExpertError {
  constructor(detail: string) {
    super('MODEL_IO', detail);
  }
}

/** More tokens than the session's context length. */
export class ContextOverflowError extends CompilerExpertError {
  constructor(detail: string) {
    super('CONTEXT_OVERFLOW', detail);
  }
}

/** A model or session was used after `dispose()`. */
export class DisposedError extends CompilerExpertError {
  /** `what` names the object (`Session`); `message` replaces the default text (the addon's own). */
  constructor(what: string, message = `${what} has been disposed`) {
    super('DISPOSED', message);
  }
}

/** A caller passed an invalid option or argument. */
export class InvalidArgumentError extends CompilerExpertError {
  constructor(detail: string) {
    super('INVALID_ARGUMENT', detail);
  }
}

/** The native addon (or MLX) could not be loaded. */
export class NativeLoadError extends CompilerExpertError {
  constructor(detail: string, cause?: unknown) {
    super('NATIVE_LOAD', detail, { cause });
  }
}

/** An operation was aborted through an AbortSignal. */
export class AbortError extends CompilerExpertError {
  constructor(detail = 'the operation was aborted') {
    super('ABORTED', detail);
  }
}

/** Maps an error thrown by the addon to its typed class (unknown errors pass through). */
export function fromNative(err: unknown, path = ''): unknown {
  if (err instanceof CompilerExpertError) return err; // already typed (thrown on the JS side)
  if (!(err instanceof Error) || typeof (err as { code?: unknown }).code !== 'string') return err;
  const { code, message } = err as Error & { code: string };
  switch (code) {
    case 'MODEL_FORMAT': return new ModelFormatError(path, message);
    case 'UNSUPPORTED_MODEL': return new UnsupportedModelError(path, message);
    case 'MODEL_IO': return new ModelIoError(message);
    case 'CONTEXT_OVERFLOW': return new ContextOverflowError(message);
    case 'DISPOSED': return new DisposedError('native object', message);
    case 'INVALID_ARGUMENT': return new InvalidArgumentError(message);
    default: return new CompilerExpertError(code, message, { cause: err });
  }
}
