/**
 * The probes shipped with the package, one per pinned model, each trained by
 * `compiler-expert calibrate --model NAME --out lib/probe/data/NAME.probe.json`:
 * the default model (SmolLM2-135M-Instruct Q4_1; docs/probe/default-report.md) and
 * the coder model (Qwen2.5-Coder-1.5B-Instruct Q4_K_M; docs/probe/coder-report.md).
 */
import coder from './data/coder.probe.json';
import defaultModel from './data/default.probe.json';
import { RoutingProbe, type ProbeModelIdentity, type RoutingProbeOptions } from './RoutingProbe';

const SHIPPED = [
  { file: 'default.probe.json', json: defaultModel },
  { file: 'coder.probe.json', json: coder },
];

/**
 * A {@link RoutingProbe} from the shipped probe for this model (the default or the
 * coder model). Throws ProbeModelMismatchError for any other model: calibrate a
 * probe for it instead.
 */
export function defaultRoutingProbe(model: ProbeModelIdentity, options: RoutingProbeOptions = {}): RoutingProbe {
  const shipped = SHIPPED.find((p) => p.json.model.id === model.info.id) ?? SHIPPED[0];
  return RoutingProbe.fromJSON(shipped.json, model, { source: `${shipped.file} (shipped)`, ...options });
}
