// Pins live in pins.json so the TypeScript runtime reads the same ones.
import { readFileSync } from 'node:fs';

const pins = JSON.parse(readFileSync(new URL('./pins.json', import.meta.url), 'utf8'));
export const MLX_VERSION = pins.mlxVersion;
export const MLX_WHEELS = pins.mlxWheels;
export const MODELS = pins.models;
export const DATASETS = pins.datasets;
