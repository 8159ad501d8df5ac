export { Generator, DEFAULT_MAX_ROUNDS, DEFAULT_ANSWER_MAX_TOKENS, type GenerateRequest, type GeneratorOptions } from './Generator';
export type { GenerationEvent, GenerationResult, BlockSummary, FinishReason, TokenEvent, CodeBlockEvent, ExpertStartEvent, ExpertResultEvent, InjectedEvent, RoundEvent, DoneEvent } from './events';
export { frameVerdict, FALLBACK_HEADER } from './injection';
export { defaultExperts } from './defaultExperts';
export { Chat, type ChatOptions, type ChatSendOptions } from './Chat';
export { alignSession } from './Generator';
