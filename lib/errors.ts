/**
 * Typed errors for every domain of the package. Native code throws `[where] what`
 * with a `code`; {@link fromNative} maps that code to one of these classes.
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
