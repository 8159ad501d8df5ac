/**
 * A {@link Router} backed by a linear probe on one layer's hidden state: the cheap
 * heuristic gate first (language tag, empty block), then the probe's score of the
 * hidden state at the closing fence decides. Scoring is one dot product with the
 * scaler folded into the weights at load time.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { InvalidArgumentError } from '../errors';
import { HeuristicRouter } from '../routing/HeuristicRouter';
import type { RouteDecision, RouteInput, Router } from '../routing/Router';
import type { ModelInfo } from '../runtime/Model';
import { ProbeFormatError, ProbeModelMismatchError } from './errors';
import { parseProbeFile, type ProbeFile } from './ProbeFile';
import { sigmoid } from './trainLogisticRegression';

/** What a probe needs to know about the model it runs with (a `Model` fits). */
export interface ProbeModelIdentity {
  info: Pick<ModelInfo, 'id' | 'name' | 'hiddenSize'>;
}

/** Options of {@link RoutingProbe}. */
export interface RoutingProbeOptions {
  /** Router whose rejection is final (the probe only decides what it lets through). Defaults to a {@link HeuristicRouter}. */
  gate?: Router;
  /** Where the probe came from, for error messages. Defaults to "<probe>". */
  source?: string;
}

/**
 * The learned router: a logistic-regression probe on one layer's hidden state at a block's
 * last token says whether to run it (behind a gate router whose rejection is final).
 */
export class RoutingProbe implements Router {
  readonly captureLayer: number;
  private readonly gate: Router;
  /** weights / std, so a score needs no per-call standardisation. */
  private readonly folded: Float64Array;
  private readonly foldedBias: number;

  private constructor(readonly probe: ProbeFile, options: RoutingProbeOptions) {
    this.captureLayer = probe.layer;
    this.gate = options.gate ?? new HeuristicRouter();
    const { weights, scaler } = probe;
    this.folded = Float64Array.from(weights, (w, j) => w / scaler.std[j]);
    let bias = probe.bias;
    for (let j = 0; j < weights.length; j++) bias -= this.folded[j] * scaler.mean[j];
    this.foldedBias = bias;
  }

  /**
   * A probe from parsed file contents, for `model`. Throws {@link ProbeModelMismatchError}
   * when the probe was trained on another model, {@link ProbeFormatError} when invalid.
   */
  static fromJSON(json: unknown, model: ProbeModelIdentity, options: RoutingProbeOptions = {}): RoutingProbe {
    const source = options.source ?? '<probe>';
    const probe = parseProbeFile(json, source);
    // Hidden spaces of different weights are unrelated, even at the same width.
    if (probe.model.id !== model.info.id) throw new ProbeModelMismatchError(source, probe.model, model.info);
    if (probe.model.hiddenSize !== model.info.hiddenSize) throw new ProbeFormatError(source, `hiddenSize ${probe.model.hiddenSize} does not match the model's ${model.info.hiddenSize}`);
    return new RoutingProbe(probe, { ...options, source });
  }

  /** Reads a probe file written by `compiler-expert calibrate` (see {@link fromJSON} for the errors). */
  static async load(file: string, model: ProbeModelIdentity, options: RoutingProbeOptions = {}): Promise<RoutingProbe> {
    const text = await readFile(file, 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new ProbeFormatError(file, `not JSON (${(err as Error).message})`);
    }
    return RoutingProbe.fromJSON(json, model, { ...options, source: file });
  }

  /** Probability in 0..1 that the block closing at this hidden state should run. */
  score(hidden: ArrayLike<number>): number {
    if (hidden.length !== this.folded.length) throw new InvalidArgumentError(`hidden state has ${hidden.length} values, the probe expects ${this.folded.length}`);
    let z = this.foldedBias;
    for (let j = 0; j < hidden.length; j++) z += this.folded[j] * hidden[j];
    return sigmoid(z);
  }

  get threshold(): number {
    return this.probe.threshold;
  }

  route(input: RouteInput): RouteDecision {
    const gated = this.gate.route(input);
    if (!gated.run) return gated;
    // No hidden state (e.g. a block that closed inside the prompt): the gate's word stands.
    if (!input.hidden) return { ...gated, reason: `${gated.reason}; no hidden state for the probe` };
    const score = this.score(input.hidden);
    const run = score >= this.probe.threshold;
    return { run, score, reason: `probe L${this.probe.layer} ${score.toFixed(2)} ${run ? '>=' : '<'} ${this.probe.threshold.toFixed(2)}` };
  }

  /** The file contents (as loaded or trained). */
  toJSON(): ProbeFile {
    return this.probe;
  }

  /** Writes the probe as JSON. */
  async save(file: string): Promise<void> {
    await writeFile(file, `${JSON.stringify(this.probe, null, 1)}\n`);
  }
}
