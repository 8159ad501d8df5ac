export * from './CodeBlockDetector';
export * from './inferLanguage';
