/** GGML tensor types we can load, with their block layout (values and bytes per block). */
export const GGML_TYPES: Record<number, { name: string; blockValues: number; blockBytes: number }> = {
  0: { name: 'F32', blockValues: 1, blockBytes: 4 },
  1: { name: 'F16', blockValues: 1, blockBytes: 2 },
  2: { name: 'Q4_0', blockValues: 32, blockBytes: 18 },
  3: { name: 'Q4_1', blockValues: 32, blockBytes: 20 },
  6: { name: 'Q5_0', blockValues: 32, blockBytes: 22 },
  7: { name: 'Q5_1', blockValues: 32, blockBytes: 24 },
  8: { name: 'Q8_0', blockValues: 32, blockBytes: 34 },
  12: { name: 'Q4_K', blockValues: 256, blockBytes: 144 },
  13: { name: 'Q5_K', blockValues: 256, blockBytes: 176 },
  14: { name: 'Q6_K', blockValues: 256, blockBytes: 210 },
  30: { name: 'BF16', blockValues: 1, blockBytes: 2 },
};

/** Names of GGML types we know of but do not load, for clear errors. */
export const GGML_TYPE_NAMES: Record<number, string> = {
  9: 'Q8_1', 10: 'Q2_K', 11: 'Q3_K', 15: 'Q8_K', 16: 'IQ2_XXS', 17: 'IQ2_XS', 18: 'IQ3_XXS',
  19: 'IQ1_S', 20: 'IQ4_NL', 21: 'IQ3_S', 22: 'IQ2_S', 23: 'IQ4_XS', 24: 'I8', 25: 'I16',
  26: 'I32', 27: 'I64', 28: 'F64', 29: 'IQ1_M', 34: 'TQ1_0', 35: 'TQ2_0',
};
