"""The one compiled part: the search analyser's hot loops (src/dangan/search/_native.c). It is optional: where no C
compiler is found the package installs without it and the same code runs in Python (slower, the same results)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "dangan.search._native",
            ["src/dangan/search/_native.c"],
            extra_compile_args=["-O2"],
            optional=True,
        )
    ]
)
