// The layer map stays true because ESLint refuses a crossing: check that it does.
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../../..');
const eslint = new ESLint({ cwd: repo });

async function ruleIds(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(repo, file) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('layer rules', () => {
  it.each([
    ['src-main/core/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['src-main/core/x.ts', "import Store from 'electron-store';\nexport const a = Store;\n"],
    ['src-shared/x.ts', "import fs from 'node:fs';\nexport const a = fs;\n"],
    ['src-shared/x.ts', "import { createCore } from '../src-main/core/app';\nexport const a = createCore;\n"],
    ['src-shared/x.ts', "import { useState } from 'react';\nexport const a = useState;\n"],
    ['src-renderer/x.ts', "import { createCore } from '../src-main/core/app';\nexport const a = createCore;\n"],
    ['src-renderer/x.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n"],
    ['src-renderer/x.ts', "import net from 'node:net';\nexport const a = net;\n"],
  ])('%s: refuses %s', async (file, code) => {
    expect(await ruleIds(file, code)).toContain('no-restricted-imports');
  });

  it('allows what each layer may import', async () => {
    expect(await ruleIds('src-renderer/x.ts', "import { z } from 'zod';\nimport type { Settings } from '../src-shared/domain/settings';\nexport const a: Settings | undefined = undefined;\nexport const b = z;\n")).toEqual([]);
    expect(await ruleIds('src-main/core/x.ts', "import net from 'node:net';\nexport const a = net;\n")).toEqual([]);
  });

  it('refuses default exports and explicit any', async () => {
    expect(await ruleIds('src-main/core/x.ts', 'export default 1;\n')).toContain('no-restricted-syntax');
    expect(await ruleIds('src-main/core/x.ts', 'export const a = (x: any) => x;\n')).toContain('@typescript-eslint/no-explicit-any');
  });
});
