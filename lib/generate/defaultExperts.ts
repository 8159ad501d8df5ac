import { CompilerExpertPlugin } from '../experts/CompilerExpertPlugin';
import { ExpertRegistry } from '../experts/ExpertRegistry';
import { MathExpertPlugin } from '../experts/MathExpertPlugin';

/** The registry the CLI and benchmark use: the compiler expert, then the math expert. */
export function defaultExperts(): ExpertRegistry {
  return new ExpertRegistry().register(new CompilerExpertPlugin()).register(new MathExpertPlugin());
}
