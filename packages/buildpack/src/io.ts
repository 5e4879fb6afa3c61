// The side effects the buildpack has, behind small interfaces: the real ones are here, unit
// tests pass fakes (test/unit/fakes.ts).
import { spawn } from "node:child_process";
import * as fs from "node:fs";

export interface RunOptions {
  cwd?: string;
  /** Added to (and overriding) the buildpack's own environment. */
  env?: Record<string, string>;
}

export interface RunResult {
  code: number;
  /** stdout and stderr interleaved as they came. */
  output: string;
  stdout: string;
}

export interface Runner {
  run(argv: readonly string[], options?: RunOptions): Promise<RunResult>;
}

export interface FileSystem {
  /** "file" | "dir" | "other" for what is at path (following links), undefined when nothing is. */
  kind(path: string): "file" | "dir" | "other" | undefined;
  readFile(path: string): Buffer;
  writeFile(path: string, content: string): void;
  mkdirp(path: string): void;
  remove(path: string): void;
  readdir(path: string): string[];
  realpath(path: string): string;
}

export const nodeFileSystem: FileSystem = {
  kind(path) {
    try {
      const stat = fs.statSync(path);
      return stat.isFile() ? "file" : stat.isDirectory() ? "dir" : "other";
    } catch {
      return undefined;
    }
  },
  readFile: (path) => fs.readFileSync(path),
  writeFile: (path, content) => fs.writeFileSync(path, content),
  mkdirp: (path) => void fs.mkdirSync(path, { recursive: true }),
  remove: (path) => fs.rmSync(path, { recursive: true, force: true }),
  readdir: (path) => fs.readdirSync(path).sort(),
  realpath: (path) => fs.realpathSync(path),
};

export const processRunner: Runner = {
  run(argv, options = {}) {
    return new Promise((resolve) => {
      const [command, ...args] = argv;
      if (command === undefined) throw new Error("empty command");
      const child = spawn(command, args, {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      let stdout = "";
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        stdout += chunk.toString();
      });
      child.stderr.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.on("error", (error) => resolve({ code: 127, output: `${command}: ${error.message}`, stdout: "" }));
      child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output, stdout }));
    });
  },
};
