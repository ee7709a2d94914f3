/**
 * Finds the fenced code blocks of a Markdown file, with what the docs test needs to compile them:
 * - `<!-- fragment -->` on the line before a block marks a part that cannot stand alone (it is
 *   listed, not compiled);
 * - `<!-- setup` … `-->` before a block holds code the reader does not need to see (imports, a
 *   stand-in service) that is put before the block when it is compiled and run.
 */
export interface CodeBlock {
  /** The Markdown file, as given. */
  readonly file: string;
  /** 1-based line of the block's first code line in `file`. */
  readonly line: number;
  /** The fence's language tag (`ts`, `sh`, …); empty when there is none. */
  readonly lang: string;
  readonly code: string;
  /** The heading above the block (`## Quick start` gives `Quick start`). */
  readonly heading: string;
  readonly fragment: boolean;
  /** Code of a `<!-- setup … -->` comment before the block, or ''. */
  readonly setup: string;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/;

export function codeBlocks(file: string, markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const headingMatch = /^#{1,6}\s+(.*)$/.exec(line);
    if (headingMatch) {
      heading = headingMatch[1]!.trim();
      continue;
    }
    const fence = FENCE.exec(line);
    if (!fence) continue;
    const [, indent, marker, lang] = fence;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end]!.trimStart().startsWith(marker!)) end++;
    const code = lines
      .slice(start, end)
      .map((l) => (l.startsWith(indent!) ? l.slice(indent!.length) : l))
      .join('\n');
    const { fragment, setup } = annotations(lines, i);
    blocks.push({ file, line: start + 1, lang: lang ?? '', code, heading, fragment, setup });
    i = end;
  }
  return blocks;
}

/** The `<!-- fragment -->` and `<!-- setup … -->` comments right above the fence at `fenceIndex`. */
function annotations(lines: string[], fenceIndex: number): { fragment: boolean; setup: string } {
  let fragment = false;
  let setup = '';
  let i = fenceIndex - 1;
  while (i >= 0 && lines[i]!.trim() === '') i--;
  // Walk up over consecutive HTML comments (each may span several lines).
  while (i >= 0 && lines[i]!.trim().endsWith('-->')) {
    let open = i;
    while (open >= 0 && !lines[open]!.includes('<!--')) open--;
    if (open < 0) break;
    const text = lines
      .slice(open, i + 1)
      .join('\n')
      .replace(/^\s*<!--/, '')
      .replace(/-->\s*$/, '');
    const keyword = /^\s*(\S+)/.exec(text)?.[1];
    if (keyword === 'fragment') fragment = true;
    else if (keyword === 'setup') setup = text.replace(/^\s*setup[^\n]*\n?/, '');
    i = open - 1;
    while (i >= 0 && lines[i]!.trim() === '') i--;
  }
  return { fragment, setup };
}

/** Blocks whose language is TypeScript. */
export function typeScriptBlocks(file: string, markdown: string): CodeBlock[] {
  return codeBlocks(file, markdown).filter((b) => b.lang === 'ts' || b.lang === 'typescript');
}
