// JSON files read as untrusted input: parsed and checked against a schema, every failure one line naming the file.
import type { z } from 'zod';
import { UserError } from '../errors.js';

/** `text` (read from `path`) as JSON that satisfies `schema`; otherwise a UserError ending in `consequence`. */
export function parseJsonFile<S extends z.ZodType>(text: string, path: string, schema: S, consequence: string): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path}: not valid JSON (${(err as Error).message}); ${consequence}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${path}: invalid at '${issue.path.join('.') || '(root)'}': ${issue.message}; ${consequence}`);
  }
  return parsed.data;
}
