/**
 * The routing probe's file: versioned JSON holding one logistic direction in one
 * layer's hidden space, the scaler it expects, the decision threshold, and the metrics
 * it was accepted with. Bump {@link PROBE_FORMAT_VERSION} on any incompatible change.
 */
import { ProbeFormatError } from './errors';

/** Identifies the file type. */
export const PROBE_FORMAT = 'compiler-expert/routing-probe';
/** Version written, and the only one read. */
export const PROBE_FORMAT_VERSION = 1;

/** Summary numbers stored with a probe (from calibration). */
export interface ProbeFileMetrics {
  /** Mean cross-validated AUROC of the chosen layer on the training split. */
  cvAuroc: number;
  /** AUROC on the held-out split (never seen by training or threshold choice). */
  heldOutAuroc: number;
  /** Precision and recall of `score >= threshold` on the held-out split. */
  heldOutPrecision: number;
  heldOutRecall: number;
  /** Rows in the training and held-out splits. */
  trainCount: number;
  heldOutCount: number;
}

/** Contents of a probe file. */
export interface ProbeFile {
  format: typeof PROBE_FORMAT;
  version: typeof PROBE_FORMAT_VERSION;
  model: { id: string; name: string; numLayers: number; hiddenSize: number };
  /** Layer whose hidden state is scored (0 = embeddings, n = output of block n). */
  layer: number;
  weights: number[];
  bias: number;
  scaler: { mean: number[]; std: number[] };
  /** Run when sigmoid(score) >= threshold. */
  threshold: number;
  /** Precision the threshold was chosen for. */
  targetPrecision: number;
  metrics: ProbeFileMetrics;
  /** ISO date of calibration. */
  createdAt: string;
}

const isNumberArray = (v: unknown, n: number): v is number[] => Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** Checks parsed JSON against the format; throws {@link ProbeFormatError} naming the first problem. */
export function parseProbeFile(json: unknown, file = '<probe>'): ProbeFile {
  const fail = (detail: string): never => {
    throw new ProbeFormatError(file, detail);
  };
  if (typeof json !== 'object' || json === null) return fail('not a JSON object');
  const p = json as Partial<ProbeFile>;
  if (p.format !== PROBE_FORMAT) fail(`format is ${JSON.stringify(p.format)}, expected "${PROBE_FORMAT}"`);
  if (p.version !== PROBE_FORMAT_VERSION) fail(`version ${p.version} is not supported (this build reads version ${PROBE_FORMAT_VERSION})`);
  const m = p.model;
  if (!m || typeof m.id !== 'string' || typeof m.name !== 'string' || !Number.isInteger(m.hiddenSize) || !Number.isInteger(m.numLayers)) return fail('model must have id, name, numLayers and hiddenSize');
  if (!Number.isInteger(p.layer) || p.layer! < 0 || p.layer! > m.numLayers) fail(`layer must be an integer in 0..${m.numLayers}`);
  if (!isNumberArray(p.weights, m.hiddenSize)) fail(`weights must be ${m.hiddenSize} finite numbers`);
  if (!p.scaler || !isNumberArray(p.scaler.mean, m.hiddenSize) || !isNumberArray(p.scaler.std, m.hiddenSize)) fail(`scaler.mean and scaler.std must be ${m.hiddenSize} finite numbers`);
  if (p.scaler!.std.some((s) => s <= 0)) fail('scaler.std must be positive');
  if (typeof p.bias !== 'number' || !Number.isFinite(p.bias)) fail('bias must be a finite number');
  if (typeof p.threshold !== 'number' || !(p.threshold >= 0 && p.threshold <= 1)) fail('threshold must be in 0..1');
  return p as ProbeFile;
}
