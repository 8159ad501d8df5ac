/** Progress on stderr: a redrawn bar on a TTY, a line per step otherwise. */
export function progressBar(label: string): (fraction: number, note?: string) => void {
  const tty = process.stderr.isTTY;
  let lastPct = -1;
  return (fraction, note) => {
    const pct = Math.max(0, Math.min(100, Math.round(fraction * 100)));
    if (pct === lastPct) return;
    lastPct = pct;
    const width = 24;
    const fill = Math.round((width * pct) / 100);
    const line = `${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${String(pct).padStart(3)}%${note ? ` ${note}` : ''}`;
    process.stderr.write(tty ? `\r${line}\x1b[K${pct === 100 ? '\n' : ''}` : `${line}\n`);
  };
}
