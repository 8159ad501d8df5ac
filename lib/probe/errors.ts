/** Errors of the routing probe. */
import { CompilerExpertError } from '../errors';

/** A probe file was trained on another model's hidden states, which it cannot score. */
export class ProbeModelMismatchError extends CompilerExpertError {
  constructor(
    readonly file: string,
    readonly probeModel: { id: string; name: string },
    readonly model: { id: string; name: string },
  ) {
    super(
      'PROBE_MODEL_MISMATCH',
      `routing probe ${file} was trained for model ${probeModel.name} (${probeModel.id}), not ${model.name} (${model.id}); run \`compiler-expert calibrate --model ...\` for this model`,
    );
  }
}

/** A probe file is not valid JSON of a format version we read, or is inconsistent. */
export class ProbeFormatError extends CompilerExpertError {
  constructor(readonly file: string, detail: string) {
    super('PROBE_FORMAT', `invalid routing probe ${file}: ${detail}`);
  }
}
