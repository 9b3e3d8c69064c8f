/**
 * Turning an uploaded script into JavaScript the worker runs. esbuild strips the types without checking
 * them: as in ELMA365, a type error is not fatal, only a syntax error is.
 */
import { createHash } from 'node:crypto';
import vm from 'node:vm';
import { transform } from 'esbuild';
import { ModuleError } from './module-error.js';

export interface CompiledScript {
  code: string;
  hash: string;
}

/** Refuses, with the line and what to fix, a script that does not parse or uses import/export. */
export async function compileScript(source: string, field = 'script'): Promise<CompiledScript> {
  if (source.trim() === '') throw new ModuleError(field, 'The script is empty');
  let code: string;
  try {
    ({ code } = await transform(source, {
      loader: 'ts',
      target: 'es2022',
      sourcefile: 'module.ts',
      logLevel: 'silent',
    }));
  } catch (error) {
    const first = (error as { errors?: Array<{ text: string; location?: { line: number; column: number } | null }> })
      .errors?.[0];
    const where = first?.location ? ` at line ${first.location.line}, column ${first.location.column + 1}` : '';
    throw new ModuleError(field, `The script does not parse${where}: ${first?.text ?? String(error)}`);
  }
  try {
    new vm.Script(code, { filename: 'module.js' });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const hint = /import|export/.test(reason)
      ? ': ELMA365 scripts have no import or export statements; the functions are declared at the top level'
      : '';
    throw new ModuleError(field, `The script cannot run as an ELMA365 module (${reason})${hint}`);
  }
  return { code, hash: createHash('sha256').update(code).digest('hex').slice(0, 16) };
}
