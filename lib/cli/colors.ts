/** ANSI colours, only when writing to a terminal (and NO_COLOR is unset). */
const on = process.stdout.isTTY && !process.env.NO_COLOR;
const wrap = (code: number) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);
export const green = wrap(32);
export const red = wrap(31);
export const yellow = wrap(33);
export const dim = wrap(2);
export const cyan = wrap(36);
