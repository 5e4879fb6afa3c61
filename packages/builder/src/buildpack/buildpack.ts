import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import TOML from "@iarna/toml";
import { type TarEntry, dir, symlink } from "../image/layer-tar";
import { errors } from "../messages";
import { type BuildpackInfo, escapeId } from "../model";

export type BuildpackDescriptor = Omit<BuildpackInfo, "diffId">;

export function readBuildpackDescriptor(bpDir: string): BuildpackDescriptor {
  const path = join(bpDir, "buildpack.toml");
  if (!existsSync(path)) throw errors.buildpackNotFound(bpDir);
  let doc: Record<string, unknown>;
  try {
    doc = TOML.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw errors.buildpackDescriptor(path, (e as Error).message.split("\n")[0] ?? "");
  }
  const bp = (doc.buildpack ?? {}) as Record<string, unknown>;
  if (typeof doc.api !== "string") throw errors.buildpackDescriptor(path, "api is missing or not a string");
  if (typeof bp.id !== "string" || typeof bp.version !== "string")
    throw errors.buildpackDescriptor(path, "[buildpack] id or version is missing");
  const targets = ((doc.targets ?? []) as Record<string, unknown>[]).map((t) => ({
    os: String(t.os ?? "linux"),
    arch: String(t.arch ?? "amd64"),
    ...(Array.isArray(t.distros) && t.distros.length > 0
      ? { distros: (t.distros as Record<string, unknown>[]).map((d) => ({ name: String(d.name), version: String(d.version) })) }
      : {}),
  }));
  return {
    id: bp.id,
    version: bp.version,
    api: doc.api,
    ...(typeof bp.name === "string" ? { name: bp.name } : {}),
    ...(typeof bp.homepage === "string" ? { homepage: bp.homepage } : {}),
    targets,
  };
}

/**
 * The buildpack's layer: /cnb/buildpacks/<escaped id>/<version>/…, root-owned, dirs and
 * executables 0755, other files 0644 (pack's buildpack layer rules).
 */
export function buildpackLayerEntries(bpDir: string, bp: BuildpackDescriptor): TarEntry[] {
  const top = `/cnb/buildpacks/${escapeId(bp.id)}`;
  const root = `${top}/${bp.version}`;
  const entries: TarEntry[] = [dir(top), dir(root)];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(bpDir, rel)).sort()) {
      const relPath = rel === "" ? name : `${rel}/${name}`;
      const abs = join(bpDir, relPath);
      const st = lstatSync(abs);
      const path = `${root}/${relPath}`;
      if (st.isSymbolicLink()) entries.push(symlink(path, readlinkSync(abs)));
      else if (st.isDirectory()) {
        entries.push(dir(path));
        walk(relPath);
      } else if (st.isFile()) {
        const mode = st.mode & 0o111 ? 0o755 : 0o644;
        entries.push({ type: "file", path, mode, uid: 0, gid: 0, source: abs, size: st.size });
      }
    }
  };
  walk("");
  return entries;
}
