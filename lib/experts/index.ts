export * from './types';
export * from './ExpertRegistry';
export * from './MathExpertPlugin';
export * from './evaluateArithmetic';
