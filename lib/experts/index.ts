export * from './types';
export * from './ExpertRegistry';
export * from './MathExpertPlugin';
export * from './evaluateArithmetic';
export * from './CompilerExpertPlugin';
export * from './findCodeBlock';
export * from './formatVerdict';
