// In-memory fakes for the buildpack's side effects.
import * as path from "node:path";
import { BuildpackError } from "../../src/errors";
import type { FileSystem, RunOptions, RunResult, Runner } from "../../src/io";
import { createLogger, type Logger } from "../../src/log";

export class MemoryFs implements FileSystem {
  readonly files = new Map<string, Buffer>();
  readonly dirs = new Set<string>(["/"]);
  readonly links = new Map<string, string>();

  constructor(files: Record<string, string> = {}) {
    for (const [file, content] of Object.entries(files)) this.writeFile(file, content);
  }

  private resolve(p: string): string {
    let current = path.resolve(p);
    for (const [from, to] of this.links) {
      if (current === from || current.startsWith(`${from}/`)) current = to + current.slice(from.length);
    }
    return current;
  }

  kind(p: string) {
    const r = this.resolve(p);
    return this.files.has(r) ? ("file" as const) : this.dirs.has(r) ? ("dir" as const) : undefined;
  }
  readFile(p: string): Buffer {
    const content = this.files.get(this.resolve(p));
    if (content === undefined) throw new Error(`ENOENT: ${p}`);
    return content;
  }
  writeFile(p: string, content: string | Buffer): void {
    this.mkdirp(path.dirname(p));
    this.files.set(this.resolve(p), Buffer.isBuffer(content) ? content : Buffer.from(content));
  }
  mkdirp(p: string): void {
    let current = this.resolve(p);
    while (!this.dirs.has(current)) {
      this.dirs.add(current);
      current = path.dirname(current);
    }
  }
  remove(p: string): void {
    const r = this.resolve(p);
    for (const f of [...this.files.keys()]) if (f === r || f.startsWith(`${r}/`)) this.files.delete(f);
    for (const d of [...this.dirs]) if (d === r || d.startsWith(`${r}/`)) this.dirs.delete(d);
  }
  readdir(p: string): string[] {
    const r = this.resolve(p);
    const names = new Set<string>();
    for (const entry of [...this.files.keys(), ...this.dirs]) {
      if (path.dirname(entry) === r && entry !== r) names.add(path.basename(entry));
    }
    return [...names].sort();
  }
  realpath(p: string): string {
    return this.resolve(p);
  }
  text(p: string): string {
    return this.readFile(p).toString("utf8");
  }
  /** Every file under dir, relative, sorted. */
  tree(dir: string): string[] {
    return [...this.files.keys()].filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length + 1)).sort();
  }
}

export type Handler = (argv: readonly string[], options: RunOptions) => Partial<RunResult> | undefined;

/** Answers commands by the first matching handler; records every call. */
export class FakeRunner implements Runner {
  readonly calls: Array<{ argv: string[]; options: RunOptions }> = [];
  constructor(private readonly handlers: Handler[]) {}
  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    this.calls.push({ argv: [...argv], options });
    for (const handler of this.handlers) {
      const result = handler(argv, options);
      if (result !== undefined) {
        const stdout = result.stdout ?? "";
        return { code: result.code ?? 0, stdout, output: result.output ?? stdout };
      }
    }
    throw new Error(`FakeRunner: unexpected command ${argv.join(" ")}`);
  }
  commands(): string[] {
    return this.calls.map((c) => c.argv.join(" "));
  }
}

export function bufferLogger(): { logger: Logger; text: () => string } {
  let buffer = "";
  return { logger: createLogger((s) => (buffer += s)), text: () => buffer };
}

/** The BuildpackError fn throws; fails the test when it throws nothing or something else. */
export function thrown(fn: () => unknown): BuildpackError {
  try {
    fn();
  } catch (e) {
    if (e instanceof BuildpackError) return e;
    throw e;
  }
  throw new Error("no error thrown");
}
