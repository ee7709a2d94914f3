import { Parser } from '@asyncapi/parser';

/** `@asyncapi/parser` diagnostics of severity error (0), as `code: message at path` lines. */
export async function asyncApiErrors(document: unknown): Promise<string[]> {
  const parser = new Parser();
  const text = typeof document === 'string' ? document : JSON.stringify(document);
  const { document: parsed, diagnostics } = await parser.parse(text);
  const errors = diagnostics
    .filter((d) => d.severity === 0)
    .map((d) => `${String(d.code)}: ${d.message} at ${d.path.join('.')}`);
  if (!parsed && errors.length === 0) errors.push('the parser returned no document');
  return errors;
}

/** The document as the parser reads it (for comparing a YAML text with its JSON). */
export async function parsedJson(text: string): Promise<unknown> {
  const { document, diagnostics } = await new Parser().parse(text);
  if (!document) throw new Error(`not parsed: ${diagnostics.map((d) => d.message).join('; ')}`);
  return document.meta().asyncapi.parsed;
}
