import { codeBlocks } from './code-blocks.js';

/** The shell commands of a section, split into what runs before, the packages, and what runs after. */
export interface InstallPlan {
  /** Commands before the first `npm install` (e.g. `npm init -y`), in order. */
  readonly before: string[];
  /** Every package named by the section's `npm install` lines, in order, without duplicates. */
  readonly packages: string[];
  /** Commands after the first `npm install` (e.g. `npx tsc --init …`), in order. */
  readonly after: string[];
}

const INSTALL = /^npm\s+(?:install|i|add)\b(.*)$/;

/**
 * Reads the `sh` blocks under the heading `section` of a Markdown file and turns them into one plan:
 * every `npm install` line is merged into a single install (one npm run for the whole project, which
 * is what keeps the docs test fast), the other commands keep their order around it. Comments
 * (`# …`) are dropped; flags of `npm install` (`-D`) are dropped too: a test project does not care
 * whether a package is a dev dependency.
 */
export function installPlan(file: string, markdown: string, section: string): InstallPlan {
  const blocks = codeBlocks(file, markdown).filter((b) => b.heading === section && b.lang === 'sh');
  if (blocks.length === 0) throw new Error(`${file}: no sh block under the heading "${section}"`);
  const before: string[] = [];
  const after: string[] = [];
  const packages: string[] = [];
  for (const block of blocks) {
    for (const raw of block.code.split('\n')) {
      const command = raw.replace(/(^|\s)#.*$/, '').trim();
      if (command === '') continue;
      const install = INSTALL.exec(command);
      if (install) {
        for (const word of install[1]!.trim().split(/\s+/)) {
          if (word !== '' && !word.startsWith('-') && !packages.includes(word)) packages.push(word);
        }
      } else (packages.length === 0 ? before : after).push(command);
    }
  }
  if (packages.length === 0) throw new Error(`${file}: the section "${section}" installs nothing`);
  return { before, packages, after };
}
