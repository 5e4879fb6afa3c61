/**
 * libGL.so.1 without a GL driver. The manylinux policy lets wheels link libGL.so.1 (opencv's
 * do), and Debian's libgl1 is only glvnd's dispatch library, but its libglx0 depends on
 * libglx-mesa0, which pulls Mesa's DRI drivers and LLVM: 225 MB more in the run image
 * (measured: 371 vs 146 MB of rootfs) for drivers a function without a GPU never loads.
 * glvnd loads a vendor library only when a GL context is made, so libGL.so.1 resolves and
 * imports without one. This package, installed before apt resolves the run packages,
 * provides libglx-mesa0 (libglx0's dependency is unversioned), so apt installs none of Mesa
 * and the dpkg status that scanners read stays consistent.
 */

export const GL_STUB_PACKAGE = "kn-fn-no-gl-driver";

const CONTROL = [
  `Package: ${GL_STUB_PACKAGE}`,
  "Version: 1",
  "Architecture: all",
  "Maintainer: kn-fn maintainers",
  "Provides: libglx-mesa0",
  "Description: libGL.so.1 without a GL driver (kn-fn run image)",
  " Stands in for the GLX vendor library that libglx0 depends on; functions have no GPU.",
];

/**
 * mmdebstrap --essential-hook commands ($1 = the rootfs): build the stub with the chroot's own
 * dpkg-deb and install it. dpkg-deb honours SOURCE_DATE_EPOCH, and the .deb is removed again,
 * so only its dpkg status entry stays.
 */
export function glStubHooks(): string[] {
  const control = CONTROL.map((line) => `'${line}'`).join(" ");
  return [
    `mkdir -p "$1/tmp/${GL_STUB_PACKAGE}/DEBIAN" && printf '%s\\n' ${control} > "$1/tmp/${GL_STUB_PACKAGE}/DEBIAN/control"`,
    `chroot "$1" sh -c 'dpkg-deb --root-owner-group --build /tmp/${GL_STUB_PACKAGE} /tmp/${GL_STUB_PACKAGE}.deb >/dev/null && dpkg -i /tmp/${GL_STUB_PACKAGE}.deb' && rm -r "$1/tmp/${GL_STUB_PACKAGE}" "$1/tmp/${GL_STUB_PACKAGE}.deb"`,
  ];
}
