// The build log for people: a header per step, every command echoed, every cache decision
// with its reason, tool output indented under its command. Nothing else.

export interface Logger {
  header(title: string): void;
  info(line: string): void;
  command(argv: readonly string[]): void;
  /** Output of a command, shown indented under it. */
  output(text: string): void;
  error(text: string): void;
}

export const INDENT = "      ";

export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function formatCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(" ");
}

export function indent(text: string, prefix = INDENT): string {
  return text
    .replace(/\s+$/, "")
    .split("\n")
    .map((line) => (line === "" ? "" : prefix + line))
    .join("\n");
}

/** A logger over two write functions (stdout, stderr); tests pass string buffers. */
export function createLogger(out: (text: string) => void, err: (text: string) => void = out): Logger {
  let first = true;
  return {
    header(title) {
      out(`${first ? "" : "\n"}[${title}]\n`);
      first = false;
    },
    info(line) {
      out(`  ${line}\n`);
    },
    command(argv) {
      out(`  $ ${formatCommand(argv)}\n`);
    },
    output(text) {
      if (text.trim() !== "") out(`${indent(text)}\n`);
    },
    error(text) {
      err(`\n${text}\n`);
    },
  };
}
