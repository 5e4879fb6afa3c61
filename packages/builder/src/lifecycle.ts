import { createReadStream, existsSync } from "node:fs";
import { createGunzip } from "node:zlib";
import TOML from "@iarna/toml";
import tar from "tar-stream";
import { type TarEntry, dir, symlink } from "./image/layer-tar";
import { errors } from "./messages";
import type { LifecycleInfo } from "./model";

/** Required binaries, as pack checks them (pack internal/builder/lifecycle.go). */
const REQUIRED = ["detector", "restorer", "analyzer", "builder", "exporter", "launcher", "creator"];

export interface Lifecycle {
  info: LifecycleInfo;
  /** /cnb/lifecycle/… with the tgz's modes and symlinks, and /lifecycle → /cnb/lifecycle. */
  entries: TarEntry[];
}

export async function readLifecycle(tgz: string): Promise<Lifecycle> {
  if (!existsSync(tgz)) throw errors.lifecycleDescriptor(tgz, "the file does not exist");
  let descriptor: string | undefined;
  const entries: TarEntry[] = [dir("/cnb/lifecycle")];
  const names = new Set<string>();
  const extract = tar.extract();
  const done = new Promise<void>((res, rej) => {
    extract.on("finish", res);
    extract.on("error", rej);
  });
  extract.on("entry", (h, stream, next) => {
    const name = h.name.replace(/^\.\//, "").replace(/\/$/, "");
    const chunks: Buffer[] = [];
    stream.on("data", (c: unknown) => chunks.push(c as Buffer));
    stream.on("end", () => {
      if (name === "lifecycle.toml") descriptor = Buffer.concat(chunks).toString();
      const m = /^lifecycle\/([^/]+)$/.exec(name);
      if (m) {
        const path = `/cnb/lifecycle/${m[1]}`;
        names.add(m[1] as string);
        if (h.type === "symlink") entries.push(symlink(path, h.linkname ?? ""));
        else if (h.type === "file")
          entries.push({ type: "file", path, mode: (h.mode ?? 0o755) & 0o777, uid: 0, gid: 0, content: Buffer.concat(chunks) });
      }
      next();
    });
  });
  createReadStream(tgz).pipe(createGunzip()).pipe(extract);
  await done;
  if (descriptor === undefined) throw errors.lifecycleDescriptor(tgz, "lifecycle.toml is missing");
  const missing = REQUIRED.filter((n) => !names.has(n));
  if (missing.length > 0) throw errors.lifecycleDescriptor(tgz, `lifecycle/ lacks ${missing.join(", ")}`);
  const doc = TOML.parse(descriptor) as {
    apis?: { buildpack?: { deprecated?: string[]; supported?: string[] }; platform?: { deprecated?: string[]; supported?: string[] } };
    lifecycle?: { version?: string };
  };
  const version = doc.lifecycle?.version;
  const bp = doc.apis?.buildpack?.supported ?? [];
  const pf = doc.apis?.platform?.supported ?? [];
  if (!version) throw errors.lifecycleDescriptor(tgz, "lifecycle.toml has no [lifecycle] version");
  if (bp.length === 0 || pf.length === 0) throw errors.lifecycleDescriptor(tgz, "lifecycle.toml has empty [apis] supported lists");
  entries.push(symlink("/lifecycle", "/cnb/lifecycle"));
  return {
    info: {
      version,
      buildpackApis: { deprecated: doc.apis?.buildpack?.deprecated ?? [], supported: bp },
      platformApis: { deprecated: doc.apis?.platform?.deprecated ?? [], supported: pf },
    },
    entries,
  };
}
