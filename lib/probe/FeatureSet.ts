/**
 * Hidden states of every layer at the trigger position of each calibration context,
 * in one flat Float32Array: row `i`, layer `l` starts at `((i * numLayers) + l) * hiddenSize`.
 */
import { InvalidArgumentError } from '../errors';

/** Hidden states at trigger positions: `count` contexts × `numLayers` layers (0 = embeddings) × `hiddenSize`. */
export class FeatureSet {
  constructor(
    readonly count: number,
    readonly numLayers: number,
    readonly hiddenSize: number,
    /** Row-major `[count][numLayers][hiddenSize]`. */
    readonly data: Float32Array,
  ) {
    if (data.length !== count * numLayers * hiddenSize) {
      throw new InvalidArgumentError(`feature data has ${data.length} floats, expected ${count}×${numLayers}×${hiddenSize}`);
    }
  }

  /** Hidden state of context `row` at `layer` (a view, not a copy). */
  vector(row: number, layer: number): Float32Array {
    const start = (row * this.numLayers + layer) * this.hiddenSize;
    return this.data.subarray(start, start + this.hiddenSize);
  }

  /** The vectors of one layer for the given rows (views). */
  layer(layer: number, rows: readonly number[]): Float32Array[] {
    return rows.map((r) => this.vector(r, layer));
  }
}
