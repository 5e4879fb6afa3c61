"""Makes a wheel with a real C extension, for the native library tests.

    python3 make_native_wheel.py OUT_DIR VERSION [LIBRARY_PATH]

kn_fn_native VERSION, tagged cp311-cp311-linux_x86_64, whose extension `_native` has
`answer()` (42). With LIBRARY_PATH (e.g. /usr/lib/x86_64-linux-gnu/libmpfr.so.6) the extension
links that library (DT_NEEDED its soname) and calls into it at import, as a wheel built
against a system library does. Compiled with this machine's cc and Debian's Python 3.11
headers (python3-dev): the build image's interpreter has the same ABI.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

SOURCE = """
#include <Python.h>
%(declare)s
static PyObject *answer(PyObject *self, PyObject *args) { return PyLong_FromLong(42); }
static PyMethodDef methods[] = {{"answer", answer, METH_NOARGS, 0}, {0}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native", 0, -1, methods};
PyMODINIT_FUNC PyInit__native(void) { %(call)s return PyModule_Create(&module); }
"""


def record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def main(out_dir: str, version: str, library: str | None = None) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp, "native.c")
        source.write_text(SOURCE % {
            "declare": "const char *mpfr_get_version(void);" if library else "",
            "call": "(void)mpfr_get_version();" if library else "",
        })
        built = Path(tmp, "_native.so")
        # --no-as-needed: the library stays DT_NEEDED even where the linker thinks it unused.
        subprocess.run(
            ["cc", "-shared", "-fPIC", "-O1", "-I/usr/include/python3.11", "-o", str(built), str(source),
             *(["-Wl,--no-as-needed", library] if library else [])],
            check=True,
        )
        extension = built.read_bytes()
    dist_info = f"kn_fn_native-{version}.dist-info"
    files = {
        "kn_fn_native/__init__.py": b"from ._native import answer\n",
        "kn_fn_native/_native.cpython-311-x86_64-linux-gnu.so": extension,
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: kn-fn-native\nVersion: {version}\n".encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: kn-fn-test\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n",
    }
    record = [record_line(name, data) for name, data in files.items()] + [f"{dist_info}/RECORD,,"]
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = Path(out_dir, f"kn_fn_native-{version}-cp311-cp311-linux_x86_64.whl")
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return wheel


if __name__ == "__main__":
    print(main(*sys.argv[1:]))
