/**
 * The same string, stored flat. A string built by `+` or a template literal is kept by V8 as a
 * tree of its parts (a "cons string", 32 bytes per join, and the parts stay alive); names and
 * filters built at bootstrap live as long as the app, once per handler. A JSON round trip gives
 * an exact flat copy (lone surrogates included), at bootstrap only.
 */
export function flatString(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}
