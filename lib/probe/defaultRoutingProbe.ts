/**
 * The probe shipped for the default model (SmolLM2-135M-Instruct Q4_1), trained by
 * `compiler-expert calibrate --out lib/probe/data/default.probe.json`; see
 * docs/probe/default-report.md for its numbers.
 */
import shipped from './data/default.probe.json';
import { RoutingProbe, type ProbeModelIdentity, type RoutingProbeOptions } from './RoutingProbe';

/**
 * A {@link RoutingProbe} from the shipped probe. Throws ProbeModelMismatchError for any
 * model other than the default one: calibrate a probe for it instead.
 */
export function defaultRoutingProbe(model: ProbeModelIdentity, options: RoutingProbeOptions = {}): RoutingProbe {
  return RoutingProbe.fromJSON(shipped, model, { source: 'default.probe.json (shipped)', ...options });
}
