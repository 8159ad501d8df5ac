import t from 'tap';
import { CodeBlockDetector, DetectorEvent } from '../../lib/detect';
import { CORPUS, Label } from './corpus';

/** mulberry32: a tiny seeded PRNG, so the random chunking is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

function detect(chunks: string[]): DetectorEvent[] {
  const detector = new CodeBlockDetector();
  const events: DetectorEvent[] = [];
  for (const chunk of chunks) events.push(...detector.push(chunk));
  events.push(...detector.end());
  return events;
}

function randomChunks(text: string, random: () => number): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; ) {
    const size = 1 + Math.floor(random() * 8);
    chunks.push(text.slice(i, i + size));
    i += size;
  }
  return chunks;
}

function label(event: DetectorEvent): Label {
  switch (event.type) {
    case 'fence_open':
      return event.language === undefined ? ['open'] : ['open', event.language];
    case 'fence_close':
      return ['close', event.language, event.code];
    case 'function_complete':
      return ['fn', event.name, event.language, event.code];
    case 'run_intent':
      return ['intent', event.phrase];
    case 'unclosed_block':
      return ['unclosed', event.language, event.code];
  }
}

t.test('corpus has at least 60 labelled texts, seed calibration included', async (t) => {
  t.ok(CORPUS.length >= 60, `${CORPUS.length} texts`);
  t.equal(CORPUS.filter((c) => c.name.startsWith('seed')).length, 7);
});

t.test('every corpus text yields its labelled events, however it is chunked', async (t) => {
  const random = prng(0xc0de);
  for (const c of CORPUS) {
    const whole = detect([c.text]);
    t.same(whole.map(label), c.events, `${c.name}: events match the labels`);
    t.same(detect([...c.text].map((_, i) => c.text[i])), whole, `${c.name}: 1-char chunks`);
    for (let round = 0; round < 3; round++) {
      t.same(detect(randomChunks(c.text, random)), whole, `${c.name}: random chunks #${round}`);
    }
  }
});

t.test('offsets point into the streamed text', async (t) => {
  for (const c of CORPUS) {
    for (const e of detect([c.text])) {
      if (e.type === 'fence_close') {
        const span = c.text.slice(e.start, e.end);
        t.ok(span.trimStart().startsWith(e.fence) && span.trimEnd().endsWith(e.fence[0].repeat(3)), `${c.name}: fence span`);
      } else if (e.type === 'function_complete') {
        t.equal(c.text.slice(e.start, e.end), e.code, `${c.name}: function span`);
      } else if (e.type === 'run_intent') {
        t.equal(c.text.slice(e.start, e.end), e.phrase, `${c.name}: phrase span`);
      } else {
        t.ok(c.text.slice(e.start).trimStart().startsWith(e.fence), `${c.name}: opening fence offset`);
      }
    }
  }
});

t.test('seed negatives never report finished code', async (t) => {
  for (const c of CORPUS.filter((c) => c.name.startsWith('seed-'))) {
    const finished = detect([c.text]).filter((e) => e.type === 'fence_close' || e.type === 'function_complete' || e.type === 'run_intent');
    t.same(finished, [], c.name);
  }
});

t.test('a fence split across tokens closes once the line ends', async (t) => {
  const d = new CodeBlockDetector();
  t.same(d.push('```py\nx = 1\n`').map((e) => e.type), ['fence_open']);
  t.ok(d.inBlock);
  t.same(d.push('``'), [], 'no close before the line is known to be a bare fence');
  const close = d.push('\n');
  t.equal(close.length, 1);
  t.equal(close[0].type, 'fence_close');
  t.notOk(d.inBlock);
  t.same(d.end(), []);
});

t.test('push after end throws; end is idempotent', async (t) => {
  const d = new CodeBlockDetector();
  d.end();
  t.same(d.end(), []);
  t.throws(() => d.push('x'));
});
