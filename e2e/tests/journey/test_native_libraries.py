"""Native code that works in the running image, and a build that refuses what would not.

- numpy, pandas and grpcio (wheels that link libstdc++ and libgcc_s) build and answer a request
  that uses all three in the running image: the run image carries the manylinux libraries.
- A wheel this test makes, whose extension links libmpfr (in the build image, where the import
  check would pass, and not in the run image), fails the build with the buildpack's text;
  nothing from the failed build is reused; the fixed wheel builds and serves.
- The same wheel with `libmpfr6` declared in project.toml [com.kn-fn.system-packages]: apt
  brings it into a launch layer, the function serves (its extension calls libmpfr at import),
  the SBOM lists the Debian package; an unknown package name fails with the buildpack's text.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from harness import apps, bindings, pack
from harness.shell import REPO_ROOT, must

MAKE_WHEEL = REPO_ROOT / "packages" / "buildpack" / "test" / "support" / "make_native_wheel.py"
MPFR = "/usr/lib/x86_64-linux-gnu/libmpfr.so.6"

SCIENCE_HANDLER = '''\
import grpc
import numpy
import pandas


def handler(req):
    frame = pandas.DataFrame({"x": numpy.arange(1, 5)})
    return {
        "sum": int(frame["x"].sum()),
        "mean": float(numpy.mean(frame["x"].to_numpy())),
        "grpc": grpc.StatusCode.OK.name,
    }
'''

NATIVE_HANDLER = '''\
import kn_fn_native


def handler(req):
    return str(kn_fn_native.answer())
'''


def test_numpy_pandas_and_grpcio_serve_from_the_running_image(tmp_path, functions):
    app = apps.new(tmp_path / "app", {
        "handler.py": SCIENCE_HANDLER,
        "requirements.txt": "numpy==2.4.6\npandas==3.1.1\ngrpcio==1.85.4\n",
    })
    (tmp_path / "bindings").mkdir()
    extra = bindings.ca_certificates(tmp_path / "bindings")
    built = pack.must_build(f"{pack.IMAGE_PREFIX}journey-native-science", app.path, extra=extra)
    assert "  Native libraries: " in built.log
    assert "link only libraries the run image has or the packages ship" in built.log
    fn = functions.start(built.image)
    reply = fn.get("/")
    assert reply.status == 200, reply.text
    assert reply.json() == {"sum": 10, "mean": 2.5, "grpc": "OK"}


def make_wheel(directory, version: str, *library: str) -> None:
    subprocess.run([sys.executable, str(MAKE_WHEEL), str(directory), version, *library], check=True, capture_output=True)


def test_a_library_the_run_image_lacks_fails_the_build_and_the_fix_serves(tmp_path, functions):
    app = apps.new(tmp_path / "app", {"handler.py": NATIVE_HANDLER, "requirements.txt": "kn-fn-native==1.0.0\n"})
    wheels = app.path / "wheels"
    wheels.mkdir()
    make_wheel(wheels, "1.0.0", MPFR)
    image = f"{pack.IMAGE_PREFIX}journey-native-mpfr"
    env = {"PIP_FIND_LINKS": "/workspace/wheels", "PIP_NO_INDEX": "1"}

    failed = pack.build(image, app.path, env=env)
    assert not failed.ok
    assert (
        "[Error: shared library missing in the run image] native code installed in the dependencies links "
        "libmpfr.so.6, which the run image does not have and no installed package ships; it would fail to "
        "import when the function starts:\n"
        "  - kn-fn-native: lib/python3.11/site-packages/kn_fn_native/_native.cpython-311-x86_64-linux-gnu.so "
        "needs libmpfr.so.6\n"
        "Use a build of the package that bundles its libraries (a manylinux wheel from PyPI, or its -binary "
        "variant, e.g. psycopg2-binary for psycopg2), or declare the Debian package that ships it in project.toml [com.kn-fn.system-packages] install = [...]."
    ) in failed.log
    # The build image has libmpfr: only the native check stood between this build and a broken image.
    assert "[Checking that the function imports]" not in failed.log
    assert pack.image_id(image) is None

    make_wheel(wheels, "1.0.1")
    app.write("requirements.txt", "kn-fn-native==1.0.1\n")
    fixed = pack.must_build(image, app.path, env=env)
    assert "  Installing dependencies afresh because:\n  - no cached dependencies layer\n" in fixed.log
    fn = functions.start(fixed.image)
    reply = fn.get("/")
    assert (reply.status, reply.text) == (200, "42")


@pytest.mark.parametrize("library", ["libstdc++.so.6", "libgcc_s.so.1", "libGL.so.1", "libglib-2.0.so.0", "libz.so.1"])
def test_the_build_image_lists_the_run_images_libraries(library):
    listing = subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", "cat", pack.BUILDER, "/usr/share/kn-fn/run-image-libraries.json"],
        check=True, capture_output=True, text=True,
    ).stdout
    assert f'"{library}"' in listing


def test_a_declared_debian_package_makes_the_wheel_serve(tmp_path, functions):
    app = apps.new(tmp_path / "app", {
        "handler.py": NATIVE_HANDLER,
        "requirements.txt": "kn-fn-native==1.0.0\n",
        "project.toml": '[com.kn-fn.system-packages]\ninstall = ["libmpfr6"]\n',
    })
    (app.path / "wheels").mkdir()
    make_wheel(app.path / "wheels", "1.0.0", MPFR)
    built = pack.must_build(f"{pack.IMAGE_PREFIX}journey-system-package", app.path, env={"PIP_FIND_LINKS": "/workspace/wheels", "PIP_NO_INDEX": "1"})
    assert "  System packages: libmpfr6 (from project.toml [com.kn-fn.system-packages])\n" in built.log
    assert "  System packages in the image: libmpfr6 4." in built.log
    assert "  Imported handler.handler: HTTP function" in built.log
    fn = functions.start(built.image)
    reply = fn.get("/")
    assert (reply.status, reply.text) == (200, "42")
    sbom = tmp_path / "sbom"
    must(["pack", "sbom", "download", built.image, "--output-dir", str(sbom)])
    documents = [path.read_text() for path in sbom.rglob("*.cdx.json")]
    assert any("pkg:deb/debian/libmpfr6@4." in text for text in documents), documents


def test_an_unknown_debian_package_fails_the_build_with_the_text(tmp_path):
    app = apps.new(tmp_path / "app", {
        "handler.py": "def handler(req):\n    return 'x'\n",
        "project.toml": '[com.kn-fn.system-packages]\ninstall = ["libnosuch-kn-fn9"]\n',
    })
    failed = pack.build(f"{pack.IMAGE_PREFIX}journey-system-package-unknown", app.path)
    assert not failed.ok
    assert (
        '[Error: system package not found] Debian 12 has no package "libnosuch-kn-fn9" (project.toml '
        "[com.kn-fn.system-packages] install). Check the name at packages.debian.org (suite bookworm); "
        "libraries are named like libpq5, not libpq or libpq-dev."
    ) in failed.log
