// Builds the renderer once before the suite, so end-to-end tests serve the real bundle.
import path from 'node:path';
import { build } from 'vite';

export async function setup(): Promise<void> {
  await build({ configFile: path.resolve(import.meta.dirname, '../../src-renderer/vite.config.ts'), logLevel: 'warn' });
}
