import type { RouteDecision, RouteInput, Router } from './Router';

// Fence tags that mark output, shell sessions or data, never code to run.
const NOT_CODE = new Set(['text', 'txt', 'output', 'console', 'shell', 'sh', 'bash', 'zsh', 'powershell', 'json', 'yaml', 'yml', 'toml', 'xml', 'html', 'css', 'markdown', 'md', 'diff', 'plaintext', 'log', 'sql']);
const RUNNABLE = new Set(['python', 'javascript', 'typescript']);

/**
 * Runs a closed block when it is tagged (or looks like) Python, JavaScript or
 * TypeScript and has some content. Cheap: no model state needed.
 */
export class HeuristicRouter implements Router {
  readonly captureLayer = undefined;

  route({ block }: RouteInput): RouteDecision {
    if (block.code.trim().length === 0) return { run: false, reason: 'empty block' };
    const lang = block.language;
    if (lang && NOT_CODE.has(lang)) return { run: false, reason: `${lang} block` };
    if (lang && !RUNNABLE.has(lang)) return { run: false, reason: `unsupported language ${lang}` };
    return { run: true, reason: lang ? `${lang} block` : 'untagged block' };
  }
}
