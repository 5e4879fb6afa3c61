import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import type { Log } from "./log";
import { errors, progress } from "./messages";

/** The templates under templates/python/ at the repository root, the first being the default. */
export const TEMPLATES = ["http", "cloudevents"] as const;
export type TemplateName = (typeof TEMPLATES)[number];
export const DEFAULT_TEMPLATE: TemplateName = "http";

/** Names a template copy leaves out: Python caches and what editors and OSes leave behind. */
const JUNK_NAMES = new Set(["__pycache__", ".pytest_cache", ".mypy_cache", ".DS_Store", "Thumbs.db", ".idea", ".vscode"]);
const JUNK_SUFFIXES = [".pyc", ".pyo", "~", ".swp", ".swo", ".orig", ".rej"];

export function isJunk(name: string): boolean {
  // ".#name" is an Emacs lock file.
  return JUNK_NAMES.has(name) || name.startsWith(".#") || JUNK_SUFFIXES.some((s) => name.endsWith(s));
}

/**
 * templates/python of the repository this package lives in. The package root is the nearest
 * directory above this file with a package.json: src/ under ts-jest, dist/lib/ when built.
 */
export function defaultTemplatesDir(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    // Not inside a package: newFunction reports the templates as missing at this path.
    if (parent === dir) return resolve(from, "templates/python");
    dir = parent;
  }
  return resolve(dir, "../../templates/python");
}

/** Every file of a template, relative to it, sorted; junk and everything under junk left out. */
export function templateFiles(templateDir: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (isJunk(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.push(relative(templateDir, path));
    }
  };
  walk(templateDir);
  return files.sort();
}

export interface NewOptions {
  /** Where the function goes: created when missing; an existing one must be an empty directory. */
  dir: string;
  template: string;
  log: Log;
  /** Tests point this at fixture templates; the default is the repository's templates/python. */
  templatesDir?: string;
}

export interface NewResult {
  dir: string;
  template: TemplateName;
  files: string[];
}

/** `kn-fn-builder new`: copy templates/python/<template>/ into a new or empty directory. */
export function newFunction(o: NewOptions): NewResult {
  const template = knownTemplate(o.template);
  const source = join(o.templatesDir ?? defaultTemplatesDir(), template);
  if (!existsSync(source) || !statSync(source).isDirectory()) throw errors.templateMissing(template, source);
  const dir = resolve(o.dir);
  checkTarget(dir);
  const files = templateFiles(source);
  o.log(progress.step(`new function in ${dir} from the ${template} template`));
  for (const file of files) {
    const to = join(dir, file);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(join(source, file), to);
    o.log(progress.wrote(file));
  }
  o.log(progress.newNext(dir));
  return { dir, template, files };
}

function knownTemplate(name: string): TemplateName {
  const known = TEMPLATES.find((t) => t === name);
  if (known === undefined) throw errors.unknownTemplate(name, [...TEMPLATES]);
  return known;
}

/** A missing directory is created; an existing one must be an empty directory: `new` never overwrites. */
function checkTarget(dir: string): void {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    return;
  }
  if (!statSync(dir).isDirectory()) throw errors.notADirectory(dir);
  const found = readdirSync(dir).sort();
  if (found.length > 0) throw errors.directoryNotEmpty(dir, found);
}
