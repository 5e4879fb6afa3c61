/** Where progress lines go; tests pass a collector. */
export type Log = (line: string) => void;
export const stderrLog: Log = (line) => process.stderr.write(`${line}\n`);
export const silentLog: Log = () => {};
