import { createReadStream } from "node:fs";
import { posix } from "node:path";
import tar from "tar-stream";
import { errors } from "../messages";
import manylinux from "./manylinux-policy.json";

/**
 * What the run image offers native code: the shared libraries in the dynamic loader's
 * directories, by file name (the loader resolves a DT_NEEDED entry by file name there), and
 * the manylinux policy those must cover. The list is written into the build image
 * (RUN_LIBRARIES_PATH) so the buildpack checks a function's extensions against the image they
 * will run in, not the build image they were installed in.
 */

/** Where the build image carries the run image's library list (read by the buildpack). */
export const RUN_LIBRARIES_PATH = "/usr/share/kn-fn/run-image-libraries.json";
/**
 * Where the build image carries the run image's dpkg status: apt resolves a function's
 * system packages against it, so only what the run image lacks is unpacked.
 */
export const RUN_DPKG_STATUS_PATH = "/usr/share/kn-fn/run-image-dpkg-status";
const DPKG_STATUS = "var/lib/dpkg/status";

/** Debian 12's loader directories for amd64 (/etc/ld.so.conf.d plus the trusted defaults). */
export const LOADER_DIRS = ["lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu", "lib", "usr/lib", "lib64", "usr/lib64", "usr/local/lib"];

const SHARED_OBJECT = /\.so(\.\d+)*$/;

export interface RunLibraries {
  rootfs: string; // the run image's rootfs layer (diff ID): which content this lists, whatever its tag
  policy: string;
  libraries: string[];
}

/** The sonames every manylinux policy up to `policy` (e.g. manylinux_2_36) lets a wheel link. */
export function policyLibraries(policy: string): string[] {
  const glibc = (name: string) => name.replace(/^manylinux_/, "").split("_").map(Number) as [number, number];
  const [major, minor] = glibc(policy);
  const known = manylinux.policies.find((p) => p.name === policy);
  if (!known) throw errors.unknownManylinuxPolicy(policy, manylinux.policies.map((p) => p.name));
  const out = new Set<string>();
  for (const p of manylinux.policies) {
    const [a, b] = glibc(p.name);
    if (a < major || (a === major && b <= minor)) for (const lib of p.libraries) out.add(lib);
  }
  return [...out].sort();
}

/** "./usr/lib/x86_64-linux-gnu/libz.so.1" -> "libz.so.1" when it is a shared object in a loader directory. */
export function loaderLibrary(entryName: string): string | undefined {
  const path = posix.normalize(entryName.replace(/^\.?\/+/, ""));
  const dir = posix.dirname(path);
  const base = posix.basename(path);
  return LOADER_DIRS.includes(dir) && SHARED_OBJECT.test(base) ? base : undefined;
}

export interface RunRootfs {
  /** Every shared object (file or symlink) in the loader directories, sorted. */
  libraries: string[];
  /** The run image's /var/lib/dpkg/status. */
  dpkgStatus: Buffer;
}

/** What the buildpack needs to know of the run image, read from its rootfs layer tar. */
export async function describeRunRootfs(tarFile: string): Promise<RunRootfs> {
  const found = new Set<string>();
  const status: Buffer[] = [];
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on("entry", (header, stream, next) => {
      if (header.type === "file" || header.type === "symlink" || header.type === "link") {
        const lib = loaderLibrary(header.name);
        if (lib) found.add(lib);
      }
      const keep = header.type === "file" && posix.normalize(header.name.replace(/^\.?\/+/, "")) === DPKG_STATUS;
      if (keep) stream.on("data", (chunk: unknown) => status.push(chunk as Buffer));
      stream.on("end", next);
      stream.resume();
    });
    extract.on("finish", resolve);
    extract.on("error", reject);
  });
  createReadStream(tarFile).pipe(extract);
  await done;
  return { libraries: [...found].sort(), dpkgStatus: Buffer.concat(status) };
}

/** Fails the stack build when the run image lacks a library the manylinux policy promises wheels. */
export function checkPolicyCovered(image: string, policy: string, libraries: string[]): void {
  const have = new Set(libraries);
  const missing = policyLibraries(policy).filter((lib) => !have.has(lib));
  if (missing.length) throw errors.runImageLacksPolicyLibraries(image, policy, missing);
}

export function renderRunLibraries(r: RunLibraries): string {
  return `${JSON.stringify({ rootfs: r.rootfs, policy: r.policy, libraries: r.libraries }, null, 2)}\n`;
}
