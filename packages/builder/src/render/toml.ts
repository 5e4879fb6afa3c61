/** Minimal TOML value rendering for hand-written documents (JSON escapes are valid TOML). */
export const str = (s: string) => JSON.stringify(s);
export const strArray = (a: string[]) => `[${a.map(str).join(", ")}]`;
