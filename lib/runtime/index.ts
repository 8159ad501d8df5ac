export { loadModel, type LoadModelOptions, type LoadPhase, type ModelKernels } from './loadModel';
export { Model, DEFAULT_CONTEXT_LENGTH, type ModelInfo, type SessionOptions } from './Model';
export { Session, DEFAULT_MAX_TOKENS, type SamplingOptions, type ForkOptions, type StepOptions, type StepResult, type GenerateOptions, type GeneratedToken, type GenerationSummary, type StopReason } from './Session';
export { type BatchStepOptions, type BatchToken } from './batch';
export { Tokenizer, type SpecialTokens, type StreamDecoder } from './tokenizer/Tokenizer';
export { ChatTemplate, type ChatMessage, type RenderOptions } from './ChatTemplate';
export { readGguf, type GgufFile, type GgufTensorInfo, type GgufValue } from './gguf/GgufFile';
export { ARCHITECTURES, type Architecture } from './architectures';
export { resolveModelPath, MODELS_DIR } from './modelPaths';
